import { inspect } from 'node:util';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { afterEach, describe, expect, it } from 'vitest';
import { operationOf, parseJsonObject, readBody, sendAwsError, sendAwsJson } from '../../harness/aws-json.js';
import { type LoopbackServer, startLoopbackServer } from '../../harness/loopback-server.js';
import type { CognitoTokenError } from '../../src/errors.js';
import { createTokenProvider } from '../../src/user/provider.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

// A real SDK client over HTTP: aws-sdk-client-mock replaces send() and would skip the middleware under test.
let cognito: LoopbackServer | undefined;

afterEach(async () => {
  await cognito?.stop();
});

type Answer = (res: Parameters<typeof sendAwsJson>[0], input: Record<string, unknown>) => void;

/** A Cognito that signs in with the password and answers each GetTokensFromRefreshToken from `renewals`. */
async function startCognito(renewals: Answer[]) {
  const refreshTokensSent: unknown[] = [];
  let serial = 0;
  const tokens = () => ({
    AuthenticationResult: cognitoTokens({
      username: 'svc',
      nowSeconds: Math.floor(Date.now() / 1000),
      serial: ++serial,
    }),
  });
  cognito = await startLoopbackServer(async (req, res) => {
    const input = parseJsonObject(await readBody(req));
    if (operationOf(req) === 'InitiateAuth') return sendAwsJson(res, tokens());
    refreshTokensSent.push(input.RefreshToken);
    const answer = renewals.shift() ?? ((reply) => sendAwsJson(reply, tokens()));
    answer(res, input);
  }, 'InternalErrorException');
  return { endpoint: cognito.endpoint, refreshTokensSent };
}

function providerWithOwnClient(endpoint: string) {
  // The user's own client, with the SDK's default retries (3 attempts), as the README's example builds one.
  const client = new CognitoIdentityProviderClient({
    region: 'eu-west-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  return createTokenProvider({
    clientId: 'client-1',
    client,
    refresh: 'get-tokens-from-refresh-token',
    credentials: { username: 'svc', password: 'Pa55word-1' },
  });
}

describe('GetTokensFromRefreshToken through a client that retries on its own', () => {
  it('sends the refresh token once after a 5xx, fails with the 5xx as the cause, and signs in next time', async () => {
    const { endpoint, refreshTokensSent } = await startCognito([
      (res, input) => sendAwsError(res, 500, 'InternalErrorException', `Internal error for ${input.RefreshToken}`),
    ]);
    const tokens = providerWithOwnClient(endpoint);
    await tokens.getIdToken();

    const error = (await tokens.refresh().catch((thrown: unknown) => thrown)) as CognitoTokenError;
    const renewedBySignIn = await tokens.refresh();

    expect(refreshTokensSent).toHaveLength(1);
    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(((error.cause as Error).cause as Error).name).toBe('InternalErrorException');
    // The 5xx sits one level below the guard's error, and is scrubbed there too.
    expect(inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY })).not.toContain(
      refreshTokensSent[0] as string,
    );
    expect(renewedBySignIn.idToken).toBeTypeOf('string');
  });

  it('lets the SDK resend after throttling, which Cognito did not process', async () => {
    const { endpoint, refreshTokensSent } = await startCognito([
      (res) => sendAwsError(res, 400, 'TooManyRequestsException', 'Rate exceeded'),
    ]);
    const tokens = providerWithOwnClient(endpoint);
    const first = await tokens.getIdToken();

    const renewed = await tokens.refresh();

    expect(refreshTokensSent).toHaveLength(2);
    expect(refreshTokensSent[1]).toBe(refreshTokensSent[0]);
    expect(renewed.idToken).not.toBe(first);
  });
});
