import { Readable } from 'node:stream';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it, vi } from 'vitest';
import { type CognitoRequestContext, sendWithRetries } from '../../src/aws/cognito-request.js';
import { withDeadline } from '../../src/core/deadline.js';
import { fakeJwt } from '../helpers/fake-jwt.js';

const PASSWORD = 'Pa55word-in-the-request';
const ONE_ATTEMPT = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 };

/** A real SDK client, its middleware included, whose HTTP layer answers every request with an empty 404. */
function clientAnsweringEmpty404(endpoint: string | undefined, seen: { hostname?: string; port?: number }[]) {
  return new CognitoIdentityProviderClient({
    region: 'eu-west-1',
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-key' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { hostname?: string; port?: number }) => {
        seen.push({ hostname: request.hostname, port: request.port });
        return { response: { statusCode: 404, headers: {}, body: Readable.from([]) } };
      },
    },
  });
}

/** The sanitised error sendWithRetries rejects with, for its caller to map. */
async function failureOf(client: () => unknown, makeCommand: () => unknown): Promise<Error> {
  const error = await withDeadline(5_000, (deadline) => {
    const context = {
      client,
      clientId: 'client-id',
      deadline,
      retryPolicy: ONE_ATTEMPT,
      logger: undefined,
    } as unknown as CognitoRequestContext;
    return sendWithRetries(context, 'InitiateAuth', makeCommand, [PASSWORD]);
  }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(TypeError);
  return error as Error;
}

const initiateAuth = () =>
  new InitiateAuthCommand({
    ClientId: 'client-id',
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: 'svc', PASSWORD },
  });

describe('sendWithRetries names the host of an answer that does not say who sent it', () => {
  it('with the port, for an endpoint that has one', async () => {
    const seen: { hostname?: string; port?: number }[] = [];
    const client = clientAnsweringEmpty404('http://127.0.0.1:9229', seen);

    const error = await failureOf(() => client, initiateAuth);

    expect(seen).toEqual([{ hostname: '127.0.0.1', port: 9229 }]);
    expect(error.message).toContain('HTTP 404 from 127.0.0.1:9229');
    expect(JSON.stringify(error)).not.toContain(PASSWORD);
  });

  it('without a port, for the regional endpoint', async () => {
    const seen: { hostname?: string; port?: number }[] = [];
    const client = clientAnsweringEmpty404(undefined, seen);

    const error = await failureOf(() => client, initiateAuth);

    expect(seen).toEqual([{ hostname: 'cognito-idp.eu-west-1.amazonaws.com', port: undefined }]);
    expect(error.message).toContain('HTTP 404 from cognito-idp.eu-west-1.amazonaws.com');
    expect(`${error.message}`).not.toContain('undefined');
  });

  it('leaves a command without a middleware stack alone, and names no host', async () => {
    const failure = Object.assign(new Error(''), { name: 'UnknownError', $metadata: { httpStatusCode: 404 } });
    const client = { send: async () => Promise.reject(failure) };

    const error = await failureOf(
      () => client,
      () => ({ input: {}, middlewareStack: { add: 'not a function' } }),
    );
    const bare = await failureOf(
      () => client,
      () => ({ input: {} }),
    );

    for (const each of [error, bare]) {
      expect(each.message).toBe('HTTP 404 from the endpoint, with no AWS error in the answer');
    }
  });

  it('names no host when the request carries no hostname', async () => {
    const client = new CognitoIdentityProviderClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-key' },
      maxAttempts: 1,
      requestHandler: {
        handle: async () => ({ response: { statusCode: 404, headers: {}, body: Readable.from([]) } }),
      },
    });
    // A plugin that runs before ours at the build step hides the hostname, and puts it back before signing.
    let hostname: unknown;
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = (args as { request: { hostname?: unknown } }).request;
        hostname = request.hostname;
        request.hostname = 42;
        return next(args);
      },
      { step: 'build', priority: 'high', name: 'hostileHostname' },
    );
    client.middlewareStack.add(
      (next) => async (args) => {
        (args as { request: { hostname?: unknown } }).request.hostname = hostname;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'restoreHostname' },
    );
    const error = await failureOf(() => client, initiateAuth);

    expect(error.message).toContain('HTTP 404 from the endpoint');
    expect(error.message).not.toContain('42');
  });

  it('refuses tokens dead on arrival as an unusable answer, however often the client sends them', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const idToken = fakeJwt({ iat, exp: iat - 60 });
    const send = vi.fn(async () => ({
      AuthenticationResult: { IdToken: idToken, AccessToken: idToken, ExpiresIn: 3600 },
    }));

    const error = await failureOf(() => ({ send }), initiateAuth);

    expect(error.message).toContain('already expired on arrival');
    expect(JSON.stringify(error)).not.toContain(idToken);
    expect(send).toHaveBeenCalledTimes(1);
  });
});
