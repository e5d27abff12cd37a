import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyFailure } from '../../src/core/failure.js';
import { CognitoTokenError } from '../../src/index.js';
import {
  basicAuthorization,
  requestClientCredentialsGrant,
  TokenEndpointError,
  tokenEndpointUrl,
} from '../../src/m2m/token-endpoint.js';
import {
  decodeBasicAuthorization,
  startTokenEndpoint,
  type TokenEndpointServer,
} from '../helpers/token-endpoint-server.js';

// Both need form-encoding: ':' would split the pair, '+' would read as a space, '%' would start an escape.
const clientId = 'svc:orders+1';
const clientSecret = 'p%ss w:rd+/=';
// Encoded by hand: ':' → %3A, '+' → %2B, '%' → %25, ' ' → '+', '/' → %2F, '=' → %3D.
const formEncodedSecret = 'p%25ss+w%3Ard%2B%2F%3D';
const accessToken = 'opaque-access-token-for-the-endpoint-test';

let endpoint: TokenEndpointServer;
const signal = () => new AbortController().signal;
const request = (scopes: readonly string[] = []) => ({ url: new URL(endpoint.url), clientId, clientSecret, scopes });

beforeAll(async () => {
  endpoint = await startTokenEndpoint(() => ({ status: 200, json: { access_token: accessToken, expires_in: 3600 } }));
});

afterAll(async () => {
  await endpoint.stop();
});

beforeEach(() => {
  endpoint.reset(() => ({ status: 200, json: { access_token: accessToken, expires_in: 3600 } }));
});

describe('basicAuthorization', () => {
  it('form-encodes the client ID and secret before joining them (RFC 6749 §2.3.1)', () => {
    // Encoded by hand: ':' → %3A, '+' → %2B, '%' → %25, ' ' → '+', '/' → %2F, '=' → %3D.
    const expected = `Basic ${Buffer.from('svc%3Aorders%2B1:p%25ss+w%3Ard%2B%2F%3D').toString('base64')}`;

    expect(basicAuthorization(clientId, clientSecret)).toBe(expected);
  });

  it('leaves plain alphanumeric credentials as they are, the usual case with Cognito', () => {
    expect(basicAuthorization('1example23456789', 'abc123')).toBe(
      `Basic ${Buffer.from('1example23456789:abc123').toString('base64')}`,
    );
  });
});

describe('requestClientCredentialsGrant', () => {
  it('POSTs a client_credentials form with Basic auth that a server decodes back to the exact ID and secret', async () => {
    const grant = await requestClientCredentialsGrant(request(), signal());

    const [seen] = endpoint.requests;
    expect(seen?.method).toBe('POST');
    expect(seen?.path).toBe('/oauth2/token');
    expect(seen?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen?.headers.accept).toBe('application/json');
    expect(decodeBasicAuthorization(seen?.headers.authorization)).toEqual({ clientId, clientSecret });
    expect(Object.fromEntries(new URLSearchParams(seen?.body))).toEqual({ grant_type: 'client_credentials' });
    expect(grant).toEqual({ accessToken, expiresIn: 3600, tokenType: undefined, scope: undefined });
  });

  it('sends the scopes space-separated in one scope parameter', async () => {
    await requestClientCredentialsGrant(request(['orders/read', 'orders/write']), signal());

    const body = new URLSearchParams(endpoint.requests[0]?.body);
    expect(body.getAll('scope')).toEqual(['orders/read orders/write']);
    expect(body.get('grant_type')).toBe('client_credentials');
  });

  it('reads access_token, expires_in, token_type and scope, and a numeric string as expires_in', async () => {
    endpoint.replyOnce({
      status: 200,
      json: { access_token: accessToken, expires_in: '1800', token_type: 'Bearer', scope: 'orders/read' },
    });

    const grant = await requestClientCredentialsGrant(request(), signal());

    expect(grant).toEqual({ accessToken, expiresIn: 1800, tokenType: 'Bearer', scope: 'orders/read' });
  });

  it('leaves out what the answer leaves out', async () => {
    endpoint.replyOnce({ status: 200, json: { access_token: accessToken } });

    const grant = await requestClientCredentialsGrant(request(), signal());

    expect(grant).toEqual({ accessToken, expiresIn: undefined, tokenType: undefined, scope: undefined });
  });

  it('passes over fields of the wrong type rather than trusting them', async () => {
    endpoint.replyOnce({ status: 200, json: { access_token: 42, expires_in: 'soon', token_type: 7, scope: [] } });

    const grant = await requestClientCredentialsGrant(request(), signal());

    expect(grant).toEqual({ accessToken: undefined, expiresIn: undefined, tokenType: undefined, scope: undefined });
  });

  it('rejects an error answer as a TokenEndpointError named by the OAuth2 error code, with the status', async () => {
    endpoint.replyOnce({ status: 400, json: { error: 'invalid_client', error_description: 'Bad client' } });

    const error = await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ name: 'invalid_client', $metadata: { httpStatusCode: 400 }, $fault: 'client' });
    expect((error as Error).message).toBe('HTTP 400: Bad client');
    expect(classifyFailure(error)).toBe('rejected');
  });

  it.each([
    ['HTTP 429', { status: 429, body: 'Too Many Requests' }, 'throttled'],
    ['slow_down', { status: 400, json: { error: 'slow_down' } }, 'throttled'],
    ['HTTP 500', { status: 500, json: { error: 'server_error' } }, 'transient'],
    ['HTTP 503 with an HTML page', { status: 503, body: '<html>unavailable</html>' }, 'transient'],
  ] as const)('answers %s with an error the retry loop sees as %s', async (_label, reply, kind) => {
    endpoint.replyOnce(reply);

    const error = await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(classifyFailure(error)).toBe(kind);
  });

  it('names a non-OAuth2 error answer TokenEndpointError and marks 5xx as a server fault', async () => {
    endpoint.replyOnce({ status: 502, body: 'Bad Gateway' });

    const error = await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'TokenEndpointError', $metadata: { httpStatusCode: 502 }, $fault: 'server' });
    expect((error as Error).message).toBe('HTTP 502');
  });

  it('ignores an error code that is not a plain OAuth2 token', async () => {
    endpoint.replyOnce({ status: 400, json: { error: 'not a code\nwith lines' } });

    const error = await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'TokenEndpointError' });
  });

  it('redacts the secret, however encoded, from an error description that echoes it', async () => {
    const basicCredentials = basicAuthorization(clientId, clientSecret).slice('Basic '.length);
    const echoed = `bad secret ${clientSecret} or ${formEncodedSecret} or ${basicCredentials}`;
    endpoint.replyOnce({ status: 400, json: { error: 'invalid_client', error_description: echoed } });

    const error = (await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e)) as Error;

    expect(error.message).toBe('HTTP 400: bad secret [redacted] or [redacted] or [redacted]');
  });

  it('redacts a secret that straddles the 300-character cut before cutting, so no beginning of it is left', async () => {
    const echoed = `${'x'.repeat(295)}${clientSecret} and more`;
    endpoint.replyOnce({ status: 400, json: { error: 'invalid_client', error_description: echoed } });

    const error = (await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e)) as Error;

    expect(error.message).toBe(`HTTP 400: ${'x'.repeat(295)}[reda`);
    expect(error.message).not.toContain(clientSecret.slice(0, 4));
  });

  it('redacts the tokens an error answer carries from its description', async () => {
    const refreshToken = 'opaque-refresh-token-in-an-error-answer';
    endpoint.replyOnce({
      status: 400,
      json: {
        error: 'invalid_request',
        error_description: `already issued ${accessToken} with ${refreshToken}`,
        access_token: accessToken,
        refresh_token: refreshToken,
      },
    });

    const error = (await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e)) as Error;

    expect(error.message).toBe('HTTP 400: already issued [redacted] with [redacted]');
    expect(inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY })).not.toContain(accessToken);
  });

  it('redacts a token that contains the secret as a whole, leaving none of its other characters', async () => {
    const tokenAroundSecret = `opaque-${clientSecret}-token`;
    endpoint.replyOnce({
      status: 400,
      json: { error: 'invalid_request', error_description: tokenAroundSecret, access_token: tokenAroundSecret },
    });

    const error = (await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e)) as Error;

    expect(error.message).toBe('HTTP 400: [redacted]');
  });

  it('drops an error code that echoes the secret, since the code becomes the printed error name', async () => {
    endpoint.replyOnce({ status: 401, json: { error: `bad:${formEncodedSecret}` } });

    const error = (await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e)) as Error;

    expect(error).toMatchObject({ name: 'TokenEndpointError', $metadata: { httpStatusCode: 401 } });
    expect(inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY })).not.toContain(formEncodedSecret);
  });

  it('scrubs the secret, however encoded, from a fetch failure, throwing a sanitised copy in its place', async () => {
    const basicCredentials = basicAuthorization(clientId, clientSecret).slice('Basic '.length);
    const failure = new TypeError(`cannot send ${basicCredentials}, ${clientSecret} or ${formEncodedSecret}`);
    vi.stubGlobal('fetch', () => Promise.reject(failure));
    try {
      const error = await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e);

      const printed = inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY });
      expect(error).toMatchObject({ name: 'TypeError', message: 'cannot send [redacted], [redacted] or [redacted]' });
      for (const form of [basicCredentials, clientSecret, formEncodedSecret]) expect(printed).not.toContain(form);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('rejects a 2xx answer that is not a JSON object with ERR_UNAVAILABLE, without quoting the body', async () => {
    for (const body of [`token=${accessToken}`, JSON.stringify([accessToken])]) {
      endpoint.replyOnce({ status: 200, body });

      const error = await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(CognitoTokenError);
      expect(error).toMatchObject({ code: 'ERR_UNAVAILABLE' });
      expect((error as Error).message).not.toContain(accessToken);
    }
  });

  it('does not follow a redirect, which would carry the secret to an unchecked URL', async () => {
    endpoint.replyOnce({ status: 307, headers: { location: '/elsewhere' } });

    const error = await requestClientCredentialsGrant(request(), signal()).catch((e: unknown) => e);

    expect(endpoint.requests.map((seen) => seen.path)).toEqual(['/oauth2/token']);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 307 } });
    expect((error as Error).message).toContain('redirect');
    expect(classifyFailure(error)).toBe('rejected');
  });

  it('gives up when the abort signal fires, for the deadline to cut a hanging endpoint short', async () => {
    endpoint.replyOnce('hang');
    const controller = new AbortController();
    const reason = Object.assign(new Error('timed out'), { name: 'TimeoutError' });

    const pending = requestClientCredentialsGrant(request(), controller.signal);
    // Abort once the endpoint holds the request: sooner, the request might never reach it.
    await vi.waitFor(() => expect(endpoint.requests).toHaveLength(1));
    controller.abort(reason);

    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

describe('tokenEndpointUrl', () => {
  it('returns undefined when neither option is given', () => {
    expect(tokenEndpointUrl(undefined, undefined)).toBeUndefined();
  });

  it.each([
    'https://auth.example.com/oauth2/token',
    'https://my-prefix.auth.eu-west-1.amazoncognito.com/oauth2/token',
    'http://127.0.0.1:8080/oauth2/token',
    'http://127.1.2.3/oauth2/token',
    'http://localhost:9229/token',
    'http://[::1]:8080/oauth2/token',
  ])('accepts %s', (tokenEndpoint) => {
    expect(tokenEndpointUrl(tokenEndpoint, undefined)?.href).toBe(new URL(tokenEndpoint).href);
  });

  it.each([
    'http://auth.example.com/oauth2/token',
    'http://10.0.0.1/oauth2/token',
    'http://128.0.0.1/oauth2/token',
    'http://localhost.example.com/oauth2/token',
    'ftp://127.0.0.1/token',
  ])('refuses %s: the secret would travel unencrypted off this machine', (tokenEndpoint) => {
    expect(() => tokenEndpointUrl(tokenEndpoint, undefined)).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIGURATION',
        message: expect.stringMatching(/^"tokenEndpoint" must be an https URL/),
      }),
    );
  });

  it.each([['not a url'], ['/oauth2/token'], [42]])('refuses %j as not an absolute URL', (tokenEndpoint) => {
    expect(() => tokenEndpointUrl(tokenEndpoint, undefined)).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIGURATION',
        message: expect.stringContaining('"tokenEndpoint" must be an absolute URL'),
      }),
    );
  });

  it('refuses a URL with a user name or password in it', () => {
    expect(() => tokenEndpointUrl('https://id:secret@auth.example.com/oauth2/token', undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.not.stringContaining('secret@') }),
    );
  });

  it('turns domain into https://<domain>/oauth2/token', () => {
    expect(tokenEndpointUrl(undefined, 'my-prefix.auth.eu-west-1.amazoncognito.com')?.href).toBe(
      'https://my-prefix.auth.eu-west-1.amazoncognito.com/oauth2/token',
    );
    expect(tokenEndpointUrl(undefined, 'auth.example.com:8443')?.href).toBe(
      'https://auth.example.com:8443/oauth2/token',
    );
  });

  it.each([['https://auth.example.com'], ['auth.example.com/oauth2/token'], ['-bad-.example.com'], [''], [7]])(
    'refuses domain %j, which is not a bare host name',
    (domain) => {
      expect(() => tokenEndpointUrl(undefined, domain)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringMatching(/^"domain" must be/) }),
      );
    },
  );

  it('refuses tokenEndpoint and domain together', () => {
    expect(() => tokenEndpointUrl('https://auth.example.com/oauth2/token', 'auth.example.com')).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIGURATION',
        message: expect.stringContaining('"tokenEndpoint" and "domain"'),
      }),
    );
  });
});
