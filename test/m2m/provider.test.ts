import { inspect } from 'node:util';
import {
  CognitoIdentityProviderClient,
  GetClientTokenCommand,
  InvalidParameterException,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { printedForms } from '../../harness/leak-scan.js';
import { credentialsLoaderOf } from '../../src/credentials/credentials.js';
import {
  CognitoTokenError,
  type CredentialsSource,
  createAuthorizedFetch,
  createClientTokenProvider,
} from '../../src/index.js';
import { clientSecretLoaderOf } from '../../src/m2m/secret.js';
import { ClientTokens } from '../../src/m2m/tokens.js';
import { fromSsm } from '../../src/ssm/index.js';
import { internalError, notAuthorized, throttled } from '../helpers/cognito-errors.js';
import { failureOf } from '../helpers/failure-of.js';
import { fakeJwt } from '../helpers/fake-jwt.js';
import {
  answerAfter,
  M2M_CLIENT_ID as clientId,
  clientProvider,
  M2M_CLIENT_SECRET as clientSecret,
  FAST_RETRIES,
  flushPendingWork,
  forgetOldSdk,
  mockCognito,
  nowSeconds,
  packageWithOldSdk,
  REGION as region,
  serialOf,
  useFakeClock,
  useFetchMock,
} from '../helpers/providers.js';
import {
  decodeBasicAuthorization,
  startTokenEndpoint,
  type TokenEndpointServer,
} from '../helpers/token-endpoint-server.js';

const cognito = mockCognito();
let serial = 0;

/** A Cognito-like client access token with a serial number to tell successive tokens apart. */
function accessToken(options: { lifetime?: number; scope?: string } = {}): string {
  serial++;
  const claims: Record<string, unknown> = {
    client_id: clientId,
    token_use: 'access',
    iat: nowSeconds(),
    exp: nowSeconds() + (options.lifetime ?? 3600),
    serial,
  };
  if (options.scope !== undefined) claims.scope = options.scope;
  return fakeJwt(claims, `c2lnbmF0dXJl${serial}`);
}

function clientTokenResult(options: { lifetime?: number; scope?: string } = {}) {
  return {
    ClientAuthenticationResult: {
      AccessToken: accessToken(options),
      ExpiresIn: options.lifetime ?? 3600,
      TokenType: 'Bearer',
    },
  };
}

/** A provider whose GetClientToken calls each get a new token (serial 1, 2…). */
function issuingProvider(overrides: Parameters<typeof clientProvider>[0] = {}) {
  cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult());
  return clientProvider(overrides);
}
/** A provider whose first GetClientToken call gets `first` (rejected with it if an Error), later ones new tokens. */
function providerAnsweringFirst(first: object) {
  const token = cognito.on(GetClientTokenCommand);
  (first instanceof Error ? token.rejectsOnce(first) : token.resolvesOnce(first)).callsFake(() => clientTokenResult());
  return clientProvider();
}
const tokenCalls = () => cognito.commandCalls(GetClientTokenCommand);

beforeEach(() => {
  serial = 0;
});

describe('GetClientToken (no tokenEndpoint or domain)', () => {
  useFakeClock();

  it('sends ClientId, Secret and Scopes, and returns the access token', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult({ scope: 'orders/read orders/write' }));
    const m2m = clientProvider({ scopes: ['orders/read', 'orders/write'] });

    const token = await m2m.getAccessToken();

    expect(serialOf(token)).toBe(1);
    expect(tokenCalls()).toHaveLength(1);
    expect(tokenCalls()[0]?.args[0].input).toEqual({
      ClientId: clientId,
      Secret: clientSecret,
      Scopes: ['orders/read', 'orders/write'],
    });
  });

  it('leaves Scopes out when none are asked for, so Cognito grants what the app client allows', async () => {
    const m2m = issuingProvider();

    await m2m.getAccessToken();

    expect(tokenCalls()[0]?.args[0].input).toEqual({ ClientId: clientId, Secret: clientSecret });
  });

  it('returns ClientTokens with the expiry, the granted scopes from the scope claim, and the token type', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult({ scope: 'orders/read' }));
    const m2m = clientProvider({ scopes: ['orders/read', 'orders/write'] });

    const tokens = await m2m.getTokens();

    expect(tokens).toBeInstanceOf(ClientTokens);
    expect(tokens.expiresAt).toEqual(new Date(Date.now() + 3600_000));
    expect(tokens.scopes).toEqual(['orders/read']);
    expect(tokens.tokenType).toBe('Bearer');
    expect(serialOf(tokens.accessToken)).toBe(1);
    expect(Object.isFrozen(tokens.scopes)).toBe(true);
  });

  it('hands each caller its own expiresAt, and scopes no caller can change', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult({ scope: 'orders/read' }));
    const m2m = clientProvider({ scopes: ['orders/read'] });
    const expiry = Date.now() + 3600_000;

    const first = await m2m.getTokens();
    first.expiresAt.setTime(0);
    expect(() => (first.scopes as string[]).push('admin/all')).toThrow(TypeError);
    (await m2m.refresh()).expiresAt.setTime(1);

    const next = await m2m.getTokens();
    expect(next.expiresAt.getTime()).toBe(expiry);
    expect(next.scopes).toEqual(['orders/read']);
    expect((await m2m.refresh()).expiresAt.getTime()).toBe(expiry);
  });

  it('reports the requested scopes when the token names none, and none when none were requested', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult());

    const requested = await clientProvider({ scopes: ['a/b'] }).getTokens();
    const unnamed = await clientProvider().getTokens();

    expect(requested.scopes).toEqual(['a/b']);
    expect(unnamed.scopes).toEqual([]);
  });

  it('keeps the token out of console.log, util.inspect and JSON.stringify of the tokens and the provider', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult({ scope: 'orders/read' }));
    const m2m = clientProvider();
    const tokens = await m2m.getTokens();

    const printed = [inspect(tokens, { showHidden: true, depth: null }), JSON.stringify(tokens), inspect(m2m)];

    for (const text of printed) {
      expect(text).not.toContain(tokens.accessToken);
      expect(text).not.toContain(clientSecret);
    }
    expect(JSON.parse(JSON.stringify(tokens))).toEqual({
      expiresAt: tokens.expiresAt.toISOString(),
      scopes: ['orders/read'],
      tokenType: 'Bearer',
    });
  });

  it('serves later calls from the cache without a request', async () => {
    const m2m = issuingProvider();
    const first = await m2m.getAccessToken();

    await vi.advanceTimersByTimeAsync(60_000);
    const later = [await m2m.getAccessToken(), (await m2m.getTokens()).accessToken];

    expect(later).toEqual([first, first]);
    expect(tokenCalls()).toHaveLength(1);
  });

  it('makes one request for 1,000 concurrent callers (single flight)', async () => {
    cognito.on(GetClientTokenCommand).callsFake(answerAfter(50, () => clientTokenResult()));
    const m2m = clientProvider();

    const pending = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? m2m.getAccessToken() : m2m.getTokens()));
    await vi.advanceTimersByTimeAsync(50);
    const results = await Promise.all(pending);

    expect(tokenCalls()).toHaveLength(1);
    const tokens = results.map((result) => (typeof result === 'string' ? result : result.accessToken));
    expect(new Set(tokens).size).toBe(1);
  });

  it('requests a new token refreshAheadSeconds (default 300) before expiry, not earlier', async () => {
    const m2m = issuingProvider();
    await m2m.getAccessToken();

    await vi.advanceTimersByTimeAsync((3600 - 300) * 1000 - 1);
    expect(serialOf(await m2m.getAccessToken())).toBe(1);
    expect(tokenCalls()).toHaveLength(1);
    // The call that crosses the renewal point still gets the current token, and renews in the background.
    await vi.advanceTimersByTimeAsync(1);
    expect(serialOf(await m2m.getAccessToken())).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(serialOf(await m2m.getAccessToken())).toBe(2);

    expect(tokenCalls()).toHaveLength(2);
  });

  it('honours a custom refreshAheadSeconds', async () => {
    const m2m = issuingProvider({ refreshAheadSeconds: 60 });
    await m2m.getAccessToken();

    await vi.advanceTimersByTimeAsync((3600 - 300) * 1000);
    expect(serialOf(await m2m.getAccessToken())).toBe(1);
    expect(tokenCalls()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync((300 - 60) * 1000);
    expect(serialOf(await m2m.getAccessToken())).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(serialOf(await m2m.getAccessToken())).toBe(2);
  });

  it('requests a new token, not a renewal, once the old one has expired', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult({ lifetime: 300 }));
    const m2m = clientProvider();
    await m2m.getAccessToken();

    await vi.advanceTimersByTimeAsync(301_000);
    const renewed = await m2m.getTokens();

    expect(serialOf(renewed.accessToken)).toBe(2);
    expect(renewed.expiresAt).toEqual(new Date(Date.now() + 300_000));
    expect(tokenCalls().map((call) => call.args[0].input)).toEqual([
      { ClientId: clientId, Secret: clientSecret },
      { ClientId: clientId, Secret: clientSecret },
    ]);
  });

  it('keeps serving the current token while an early renewal fails, and fails once it has expired', async () => {
    cognito.on(GetClientTokenCommand).resolvesOnce(clientTokenResult()).rejects(notAuthorized('Client is disabled'));
    const m2m = clientProvider();
    const first = await m2m.getAccessToken();

    await vi.advanceTimersByTimeAsync(3400_000);
    expect(await m2m.getAccessToken()).toBe(first);
    await vi.advanceTimersByTimeAsync(200_000);

    expect((await failureOf(m2m.getAccessToken())).code).toBe('ERR_AUTHENTICATION');
  });

  it('10,000 calls spread over an hour make 2 token requests with 1-hour tokens', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult({ lifetime: 3600 }));
    const m2m = clientProvider();
    const start = Date.now();

    for (let call = 0; call < 10_000; call++) {
      vi.setSystemTime(start + (call * 3600_000) / 10_000);
      await m2m.getAccessToken();
    }

    // One at the start, one refreshAheadSeconds (300) before the first token expires.
    expect(tokenCalls()).toHaveLength(2);
  });

  it('uses the exp claim when ExpiresIn is missing', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => ({
      ClientAuthenticationResult: { AccessToken: accessToken({ lifetime: 1800 }) },
    }));
    const m2m = clientProvider();

    const tokens = await m2m.getTokens();

    expect(tokens.expiresAt).toEqual(new Date(nowSeconds() * 1000 + 1800_000));
    expect(tokens.tokenType).toBe('Bearer');
  });

  it.each([
    ['no result', {}, 'GetClientToken returned no access token'],
    ['an empty access token', { ClientAuthenticationResult: { AccessToken: '', ExpiresIn: 3600 } }, 'no access token'],
    [
      'an opaque token with no lifetime',
      { ClientAuthenticationResult: { AccessToken: 'opaque-token-value' } },
      'neither a lifetime (expires_in) nor an exp claim',
    ],
  ])('fails with ERR_UNAVAILABLE on %s, and caches nothing', async (_label, answer, message) => {
    const m2m = providerAnsweringFirst(answer);

    const error = await failureOf(m2m.getAccessToken());

    expect(error).toBeInstanceOf(CognitoTokenError);
    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('opaque-token-value');
    expect(serialOf(await m2m.getAccessToken())).toBe(1);
  });

  it('invalidate() forgets the token, so the next call requests a new one', async () => {
    const m2m = issuingProvider();
    await m2m.getAccessToken();

    m2m.invalidate();

    expect(serialOf(await m2m.getAccessToken())).toBe(2);
    expect(tokenCalls()).toHaveLength(2);
  });

  it('refresh() requests a new token while the cached one is fresh; concurrent calls share one request', async () => {
    const m2m = issuingProvider();
    await m2m.getAccessToken();

    const [a, b] = await Promise.all([m2m.refresh(), m2m.refresh()]);

    expect(serialOf(a.accessToken)).toBe(2);
    // The same request, in a copy of its own for each caller.
    expect([b.accessToken, b.expiresAt]).toEqual([a.accessToken, a.expiresAt]);
    expect(serialOf(await m2m.getAccessToken())).toBe(2);
    expect(tokenCalls()).toHaveLength(2);
  });

  it('maps NotAuthorizedException to ERR_AUTHENTICATION with the SDK error as cause, and caches nothing', async () => {
    const rejection = notAuthorized('Invalid client secret');
    const m2m = providerAnsweringFirst(rejection);

    const error = await failureOf(m2m.getAccessToken());

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(error.cause).toMatchObject({ name: rejection.name, $metadata: rejection.$metadata });
    expect(error.message).toContain('GetClientToken rejected the client credentials');
    expect(serialOf(await m2m.getAccessToken())).toBe(1);
  });

  it.each([
    ['InvalidParameterException', new InvalidParameterException({ message: 'Invalid scope', $metadata: {} })],
    ['OperationNotEnabledException', Object.assign(new Error('not enabled'), { name: 'OperationNotEnabledException' })],
    // A WAF block: the secret is fine, so it is neither an authentication failure nor worth re-reading the secret.
    ['ForbiddenException', Object.assign(new Error('Request blocked by AWS WAF'), { name: 'ForbiddenException' })],
  ])('maps %s to ERR_CONFIGURATION', async (_name, rejection) => {
    cognito.on(GetClientTokenCommand).rejects(rejection);
    const m2m = clientProvider();

    const error = await failureOf(m2m.getAccessToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.cause).toMatchObject({ name: rejection.name, message: rejection.message });
  });

  it('explains a missing AWS identity: GetClientToken is signed', async () => {
    const rejection = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    cognito.on(GetClientTokenCommand).rejects(rejection);
    const m2m = clientProvider();

    const error = await failureOf(m2m.getAccessToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.message).toContain('GetClientToken is signed with AWS credentials, and no AWS credentials were found');
    expect(error.message).toMatch(/AWS_ACCESS_KEY_ID.*AWS_PROFILE.*~\/\.aws.*instance role/);
    expect(error.message).toContain('"domain"');
  });

  it('retries throttling and succeeds within the budget', async () => {
    cognito
      .on(GetClientTokenCommand)
      .rejectsOnce(throttled())
      .callsFake(() => clientTokenResult());
    const m2m = clientProvider();

    const pending = m2m.getAccessToken();
    await vi.advanceTimersByTimeAsync(200);

    expect(serialOf(await pending)).toBe(1);
    expect(tokenCalls()).toHaveLength(2);
  });

  it.each([
    ['throttling', throttled, 'ERR_THROTTLED'],
    ['an internal error', internalError, 'ERR_UNAVAILABLE'],
  ] as const)('gives %s five attempts, then fails with %s', async (_label, failure, code) => {
    cognito.on(GetClientTokenCommand).callsFake(() => Promise.reject(failure()));
    const m2m = clientProvider({ retryPolicy: FAST_RETRIES });

    const pending = failureOf(m2m.getAccessToken());
    await vi.advanceTimersByTimeAsync(100);
    const error = await pending;

    expect(error.code).toBe(code);
    expect(tokenCalls()).toHaveLength(5);
  });

  it('gives up on a request that never answers when timeoutMs runs out', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => new Promise(() => undefined));
    const m2m = clientProvider({ timeoutMs: 2_000 });
    const started = Date.now();

    const pending = failureOf(m2m.getAccessToken());
    await vi.advanceTimersByTimeAsync(2_000);
    const error = await pending;

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThanOrEqual(2_000);
  });
});

describe('credentials: a source of the client secret', () => {
  useFakeClock();

  it('reads clientSecret from the source for the request', async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult());
    const source = vi.fn<CredentialsSource>(async () => ({ clientSecret: 'secret-from-ssm-1' }));
    const m2m = clientProvider({ credentials: source });

    await m2m.getAccessToken();

    expect(source).toHaveBeenCalledTimes(1);
    expect(source).toHaveBeenCalledWith({ signal: expect.any(AbortSignal) });
    expect(tokenCalls()[0]?.args[0].input).toEqual({ ClientId: clientId, Secret: 'secret-from-ssm-1' });
  });

  it('reloads the secret once, bypassing the source cache, when Cognito rejects it (a rotated secret)', async () => {
    cognito
      .on(GetClientTokenCommand, { Secret: 'old-rotated-secret' })
      .rejects(notAuthorized('Invalid client secret'))
      .on(GetClientTokenCommand, { Secret: 'new-current-secret' })
      .callsFake(() => clientTokenResult());
    const source = vi
      .fn<CredentialsSource>()
      .mockResolvedValueOnce({ clientSecret: 'old-rotated-secret' })
      .mockResolvedValue({ clientSecret: 'new-current-secret' });
    const m2m = clientProvider({ credentials: source });

    expect(serialOf(await m2m.getAccessToken())).toBe(1);

    expect(source.mock.calls).toEqual([
      [{ signal: expect.any(AbortSignal) }],
      [{ forceRefresh: true, signal: expect.any(AbortSignal) }],
    ]);
    expect(tokenCalls()).toHaveLength(2);
  });

  it('does not retry a rejected fixed clientSecret, which cannot change', async () => {
    cognito.on(GetClientTokenCommand).rejects(notAuthorized('Invalid client secret'));
    const m2m = clientProvider();

    expect((await failureOf(m2m.getAccessToken())).code).toBe('ERR_AUTHENTICATION');
    expect(tokenCalls()).toHaveLength(1);
  });

  it.each([
    ['has no clientSecret', async () => ({ username: 'svc', password: 'pw-value' })],
    ['has an empty clientSecret', async () => ({ clientSecret: '' })],
    ['returns no object', async () => undefined as never],
  ])('fails with ERR_CREDENTIALS and makes no request when the source %s', async (_label, source) => {
    const m2m = clientProvider({ credentials: source });

    const error = await failureOf(m2m.getAccessToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(tokenCalls()).toHaveLength(0);
  });

  it('fails with ERR_CREDENTIALS, with the cause, when the source throws', async () => {
    const failure = Object.assign(new Error('ParameterNotFound'), { name: 'ParameterNotFound' });
    const m2m = clientProvider({
      credentials: async () => {
        throw failure;
      },
    });

    const error = await failureOf(m2m.getAccessToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.cause).toBe(failure);
  });
});

describe('options', () => {
  it("checks clientSecret/credentials into the same loader shape as the user provider's credentials", () => {
    // One shape, so withCredentialsReload treats a rotated client secret and a rotated password alike.
    expectTypeOf(clientSecretLoaderOf).returns.toEqualTypeOf<ReturnType<typeof credentialsLoaderOf>>();
    expect(Object.keys(clientSecretLoaderOf(clientSecret, undefined)).sort()).toEqual(
      Object.keys(credentialsLoaderOf({ username: 'u', password: 'p' })).sort(),
    );
  });

  it.each([
    ['neither clientSecret nor credentials', { clientId }, '"clientSecret"'],
    ['an empty clientSecret', { clientId, clientSecret: '' }, '"clientSecret"'],
    [
      'both clientSecret and credentials',
      { clientId, clientSecret, credentials: async () => ({}) },
      '"clientSecret" and "credentials"',
    ],
    ['credentials that are not a source', { clientId, credentials: { clientSecret } }, '"credentials"'],
    ['scopes as a string', { clientId, clientSecret, scopes: 'orders/read' }, '"scopes"'],
    ['a scope with a space', { clientId, clientSecret, scopes: ['orders/read orders/write'] }, '"scopes"'],
    ['an empty scope', { clientId, clientSecret, scopes: [''] }, '"scopes"'],
    ['no clientId', { clientSecret }, '"clientId"'],
    ['a negative refreshAheadSeconds', { clientId, clientSecret, refreshAheadSeconds: -1 }, '"refreshAheadSeconds"'],
    ['a zero timeoutMs', { clientId, clientSecret, timeoutMs: 0 }, '"timeoutMs"'],
    [
      'tokenEndpoint and domain',
      { clientId, clientSecret, tokenEndpoint: 'https://a.example/t', domain: 'a.example' },
      '"tokenEndpoint"',
    ],
    [
      'plain http to a remote host',
      { clientId, clientSecret, tokenEndpoint: 'http://auth.example.com/oauth2/token' },
      '"tokenEndpoint"',
    ],
    ['a domain with a scheme', { clientId, clientSecret, domain: 'https://auth.example.com' }, '"domain"'],
    [
      'client with domain',
      { clientId, clientSecret, domain: 'auth.example.com', client: new CognitoIdentityProviderClient({}) },
      '"client" cannot be combined with "domain"',
    ],
    [
      'clientConfig with tokenEndpoint',
      { clientId, clientSecret, tokenEndpoint: 'https://auth.example.com/oauth2/token', clientConfig: {} },
      '"clientConfig" cannot be combined with "tokenEndpoint"',
    ],
    [
      'region with domain',
      { clientId, clientSecret, domain: 'auth.example.com', region },
      '"region" cannot be combined',
    ],
  ])('refuses %s at construction with ERR_CONFIGURATION naming the option', (_label, options, named) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid options, as plain JavaScript could pass
    const create = () => createClientTokenProvider(options as any);

    expect(create).toThrow(CognitoTokenError);
    expect(create).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringContaining(named) }),
    );
  });

  it('does no I/O at construction: no request, no credentials read, even once pending work has run', async () => {
    const source = vi.fn<CredentialsSource>(async () => ({ clientSecret }));
    const fetchMock = vi.fn<typeof fetch>();
    vi.stubGlobal('fetch', fetchMock);

    try {
      clientProvider({ credentials: source });
      clientProvider({ credentials: source, domain: 'auth.example.com' });
      clientProvider({ domain: 'auth.example.com' });
      clientProvider();
      await flushPendingWork();
    } finally {
      vi.unstubAllGlobals();
    }

    expect(source).not.toHaveBeenCalled();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(cognito.calls()).toHaveLength(0);
  });

  it('uses the client it is given', async () => {
    const client = new CognitoIdentityProviderClient({ region: 'us-east-1' });
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult());

    await clientProvider({ client }).getAccessToken();

    expect(cognito.call(0).thisValue).toBe(client);
  });
});

describe('an installed SDK without GetClientTokenCommand', () => {
  afterEach(() => {
    forgetOldSdk();
    vi.unstubAllGlobals();
  });

  const providerModuleWithOldSdk = () => packageWithOldSdk('GetClientTokenCommand');

  it('fails at construction with ERR_CONFIGURATION pointing to "domain" when no endpoint is given', async () => {
    const { createClientTokenProvider: create } = await providerModuleWithOldSdk();

    expect(() => create({ clientId, clientSecret, region })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringContaining('GetClientTokenCommand') }),
    );
  });

  it('still works with the OAuth2 token endpoint, which needs no SDK command', async () => {
    const { createClientTokenProvider: create } = await providerModuleWithOldSdk();
    vi.stubGlobal('fetch', async () => Response.json({ access_token: accessToken(), expires_in: 3600 }));

    const token = await create({ clientId, clientSecret, domain: 'auth.example.com' }).getAccessToken();

    expect(serialOf(token)).toBe(1);
  });
});

describe('OAuth2 token endpoint, fetch replaced (fake time)', () => {
  useFakeClock();
  const fetchMock = useFetchMock();

  const tokenResponse = () => Response.json({ access_token: accessToken(), expires_in: 3600, token_type: 'Bearer' });

  it('posts to https://<domain>/oauth2/token with the deadline signal', async () => {
    fetchMock.mockImplementation(async () => tokenResponse());
    const m2m = clientProvider({ domain: 'my-prefix.auth.eu-west-1.amazoncognito.com' });

    await m2m.getAccessToken();

    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(String(url)).toBe('https://my-prefix.auth.eu-west-1.amazoncognito.com/oauth2/token');
    expect(init?.method).toBe('POST');
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    expect(cognito.calls()).toHaveLength(0);
  });

  it.each([
    ['HTTP 429', () => new Response('Too Many Requests', { status: 429 }), 'ERR_THROTTLED'],
    ['slow_down', () => Response.json({ error: 'slow_down' }, { status: 400 }), 'ERR_THROTTLED'],
    ['HTTP 503', () => new Response('unavailable', { status: 503 }), 'ERR_UNAVAILABLE'],
    [
      'a refused connection',
      () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })),
      'ERR_UNAVAILABLE',
    ],
  ] as const)('retries %s five times, then fails with %s', async (_label, answer, code) => {
    fetchMock.mockImplementation(async () => answer());
    const m2m = clientProvider({ domain: 'auth.example.com', retryPolicy: FAST_RETRIES });

    const pending = failureOf(m2m.getAccessToken());
    await vi.advanceTimersByTimeAsync(100);
    const error = await pending;

    expect(error.code).toBe(code);
    expect(error.message).toContain('The OAuth2 token endpoint');
    expect(fetchMock).toHaveBeenCalledTimes(5);
  });

  it('renews ahead of expiry with a new client_credentials request', async () => {
    fetchMock.mockImplementation(async () => tokenResponse());
    const m2m = clientProvider({ domain: 'auth.example.com' });
    await m2m.getAccessToken();

    await vi.advanceTimersByTimeAsync(3300_000);
    expect(serialOf(await m2m.getAccessToken())).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(serialOf(await m2m.getAccessToken())).toBe(2);

    const bodies = fetchMock.mock.calls.map(([, init]) => String(init?.body));
    expect(bodies).toEqual(['grant_type=client_credentials', 'grant_type=client_credentials']);
  });
});

describe('OAuth2 token endpoint on a loopback server', () => {
  let endpoint: TokenEndpointServer;
  const ok = () => ({ status: 200, json: { access_token: accessToken(), expires_in: 3600, token_type: 'Bearer' } });

  beforeAll(async () => {
    endpoint = await startTokenEndpoint(ok);
  });

  afterAll(async () => {
    await endpoint.stop();
  });

  beforeEach(() => {
    endpoint.reset(ok);
  });

  it('sends the form-encoded Basic credentials and the scopes, and reports the granted scope', async () => {
    const oddId = 'id:with+odd%chars';
    const oddSecret = 'se:cr+et%20 value';
    endpoint.replyOnce({
      status: 200,
      json: { access_token: accessToken(), expires_in: 3600, token_type: 'Bearer', scope: 'orders/read' },
    });
    const m2m = createClientTokenProvider({
      clientId: oddId,
      clientSecret: oddSecret,
      tokenEndpoint: endpoint.url,
      scopes: ['orders/read', 'orders/write'],
    });

    const tokens = await m2m.getTokens();

    const [seen] = endpoint.requests;
    expect(decodeBasicAuthorization(seen?.headers.authorization)).toEqual({ clientId: oddId, clientSecret: oddSecret });
    expect(Object.fromEntries(new URLSearchParams(seen?.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'orders/read orders/write',
    });
    expect(tokens.scopes).toEqual(['orders/read']);
    expect(tokens.tokenType).toBe('Bearer');
  });

  it('reports the requested scopes when the endpoint answers with a blank scope and the token names none', async () => {
    endpoint.replyOnce({ status: 200, json: { access_token: accessToken(), expires_in: 3600, scope: ' ' } });
    const m2m = clientProvider({ tokenEndpoint: endpoint.url, scopes: ['a/b'] });

    expect((await m2m.getTokens()).scopes).toEqual(['a/b']);
  });

  it('retries HTTP 429 and then returns the token', async () => {
    endpoint.replyOnce({ status: 429, body: 'Too Many Requests' });
    const m2m = clientProvider({ tokenEndpoint: endpoint.url, retryPolicy: FAST_RETRIES });

    const token = await m2m.getAccessToken();

    expect(serialOf(token)).toBe(1);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('fails with ERR_UNAVAILABLE when the endpoint keeps answering 5xx until the budget is spent', async () => {
    endpoint.replyAlways(() => ({ status: 500, json: { error: 'server_error' } }));
    // Waits of exactly 200 ms and attempts to spare, in a 400 ms budget: after the second failure less than a
    // wait is left, so the budget is what ends the retries, with that failure as the cause (the two requests
    // have 200 ms between them to be answered).
    const retryPolicy = { maxAttempts: 1_000, baseDelayMs: 200, maxDelayMs: 200 };
    const random = vi.spyOn(Math, 'random').mockReturnValue(1);
    const m2m = clientProvider({ tokenEndpoint: endpoint.url, timeoutMs: 400, retryPolicy });

    const error = await failureOf(m2m.getAccessToken()).finally(() => random.mockRestore());

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(error.cause).toMatchObject({ name: 'server_error', $metadata: { httpStatusCode: 500 } });
    expect(endpoint.requests.length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['invalid_client', 401, 'ERR_AUTHENTICATION'],
    ['invalid_grant', 400, 'ERR_AUTHENTICATION'],
    ['invalid_scope', 400, 'ERR_CONFIGURATION'],
    ['unauthorized_client', 400, 'ERR_CONFIGURATION'],
    ['unsupported_grant_type', 400, 'ERR_CONFIGURATION'],
    ['invalid_request', 400, 'ERR_CONFIGURATION'],
  ] as const)('maps %s to %s without retrying', async (oauthError, status, code) => {
    endpoint.replyAlways(() => ({ status, json: { error: oauthError } }));
    const m2m = clientProvider({ tokenEndpoint: endpoint.url, scopes: ['x/y'] });

    const error = await failureOf(m2m.getAccessToken());

    expect(error.code).toBe(code);
    expect(error.cause).toMatchObject({ name: oauthError });
    expect(endpoint.requests).toHaveLength(1);
  });

  it('explains invalid_scope in terms of the scopes option', async () => {
    endpoint.replyAlways(() => ({ status: 400, json: { error: 'invalid_scope' } }));
    const m2m = clientProvider({ tokenEndpoint: endpoint.url, scopes: ['x/y'] });

    expect((await failureOf(m2m.getAccessToken())).message).toContain('check "scopes"');
  });

  it.each([
    [401, 'ERR_AUTHENTICATION'],
    [403, 'ERR_AUTHENTICATION'],
    [404, 'ERR_CONFIGURATION'],
  ] as const)('maps a bare HTTP %i to %s', async (status, code) => {
    endpoint.replyAlways(() => ({ status, body: 'nope' }));
    const m2m = clientProvider({ tokenEndpoint: endpoint.url });

    expect((await failureOf(m2m.getAccessToken())).code).toBe(code);
  });

  it.each([
    ['a body that is not JSON', { status: 200, body: 'access_token=abc' }],
    ['JSON without access_token', { status: 200, json: { expires_in: 3600 } }],
  ] as const)('fails with ERR_UNAVAILABLE on %s', async (_label, reply) => {
    endpoint.replyOnce(reply);
    const m2m = clientProvider({ tokenEndpoint: endpoint.url });

    const error = await failureOf(m2m.getAccessToken());

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(endpoint.requests).toHaveLength(1);
  });

  it('reloads a secret from a source after invalid_client, and sends the new one', async () => {
    endpoint.replyOnce({ status: 400, json: { error: 'invalid_client' } });
    const source = vi
      .fn<CredentialsSource>()
      .mockResolvedValueOnce({ clientSecret: 'rotated-away-secret' })
      .mockResolvedValue({ clientSecret: 'current-secret' });
    const m2m = clientProvider({ credentials: source, tokenEndpoint: endpoint.url });

    await m2m.getAccessToken();

    const secrets = endpoint.requests.map((seen) => decodeBasicAuthorization(seen.headers.authorization).clientSecret);
    expect(secrets).toEqual(['rotated-away-secret', 'current-secret']);
  });

  it('gives up on an endpoint that never answers within timeoutMs plus slack', async () => {
    endpoint.replyAlways(() => 'hang');
    const m2m = clientProvider({ tokenEndpoint: endpoint.url, timeoutMs: 100 });
    const started = performance.now();

    const error = await failureOf(m2m.getAccessToken());

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(error.message).toContain('100 ms timeout');
    expect(performance.now() - started).toBeLessThan(100 + 1_000);
  });
});

describe('leak scan', () => {
  const canarySecret = 'm2m:leak+canary%secret 42';
  const formEncodedCanary = 'm2m%3Aleak%2Bcanary%25secret+42';
  const basicCredentials = Buffer.from(`${clientId}:${formEncodedCanary}`).toString('base64');
  const issued: string[] = [];
  const lines: string[] = [];
  const logger = { debug: (message: string, details?: unknown) => lines.push(message, JSON.stringify(details)) };
  useFakeClock();
  const fetchMock = useFetchMock();

  function issue(): string {
    const token = accessToken({ scope: 'orders/read' });
    issued.push(token, token.split('.')[2] as string);
    return token;
  }

  function expectNoSecretIn(printed: string[]) {
    const all = [...printed, ...lines].join('\n');
    expect(issued.length).toBeGreaterThan(0);
    for (const secret of [canarySecret, formEncodedCanary, basicCredentials, ...issued]) {
      expect(all).not.toContain(secret);
    }
  }

  beforeEach(() => {
    issued.length = 0;
    lines.length = 0;
  });

  it('shows no secret, Basic header or token through the token endpoint path, its results, errors or logs', async () => {
    // An endpoint that echoes what it was sent into its error descriptions: the worst case for our messages.
    const echo = (init: RequestInit | undefined) =>
      `got ${new Headers(init?.headers).get('authorization')} and ${canarySecret} and ${formEncodedCanary}`;
    const answers: ((init: RequestInit | undefined) => Response)[] = [
      () => Response.json({ access_token: issue(), expires_in: 3600, scope: 'orders/read' }),
      () => Response.json({ access_token: issue(), expires_in: 3600 }),
      () => Response.json({ access_token: issue(), expires_in: 3600 }),
      (init) => Response.json({ error: 'invalid_client', error_description: echo(init) }, { status: 400 }),
      (init) => Response.json({ error: 'invalid_scope', error_description: echo(init) }, { status: 400 }),
      (init) => new Response(echo(init), { status: 200 }),
    ];
    fetchMock.mockImplementation(async (_url, init) =>
      (answers.shift() ?? ((i) => Response.json({ error: 'slow_down', error_description: echo(i) }, { status: 400 })))(
        init,
      ),
    );
    const m2m = clientProvider({ clientSecret: canarySecret, domain: 'auth.example.com', logger });
    const printed: string[] = [...printedForms(m2m)];

    printed.push(...printedForms(await m2m.getTokens()), ...printedForms(m2m));
    await vi.advanceTimersByTimeAsync(3300_000);
    printed.push(...printedForms(await m2m.getTokens()));
    // That call was served the current tokens; the renewal it started is the second answer.
    await vi.advanceTimersByTimeAsync(0);
    printed.push(...printedForms(await m2m.getTokens()));
    printed.push(...printedForms(await m2m.refresh()));
    for (let failure = 0; failure < 4; failure++) {
      m2m.invalidate();
      const pending = m2m.getAccessToken().catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(10_000);
      const error = await pending;
      expect(error).toBeInstanceOf(CognitoTokenError);
      printed.push(...printedForms(error));
    }

    expect(fetchMock.mock.calls.length).toBeGreaterThan(8);
    expectNoSecretIn(printed);
  });

  it('shows no secret or token through the GetClientToken path, its results, errors or logs', async () => {
    let answer = 0;
    cognito.on(GetClientTokenCommand).callsFake(() => {
      answer++;
      if (answer <= 2) return { ClientAuthenticationResult: { AccessToken: issue(), ExpiresIn: 3600 } };
      if (answer === 3) return Promise.reject(notAuthorized('Invalid client secret'));
      return Promise.reject(answer % 2 === 0 ? throttled() : internalError());
    });
    const source = async () => ({ clientSecret: canarySecret });
    const m2m = clientProvider({ credentials: source, logger });
    const printed: string[] = [];

    printed.push(...printedForms(await m2m.getTokens()));
    printed.push(...printedForms(await m2m.refresh()), ...printedForms(m2m));
    for (let failure = 0; failure < 2; failure++) {
      m2m.invalidate();
      const pending = m2m.getAccessToken().catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(10_000);
      printed.push(...printedForms(await pending));
    }

    expect(tokenCalls().length).toBeGreaterThan(5);
    expectNoSecretIn(printed);
  });

  // Whatever inspects the thrown error sees its cause too: every one of these must come out clean.
  const inspected = (error: unknown) => inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY });
  function expectNoCredentialIn(printed: string) {
    for (const secret of [canarySecret, formEncodedCanary, basicCredentials]) {
      expect([printed, ...lines].join('\n')).not.toContain(secret);
    }
  }
  const echoing = (name: string, status: number) =>
    Object.assign(new Error(`request with Secret ${canarySecret} refused`), {
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
    });

  it.each([
    ['a refusal (ERR_AUTHENTICATION)', 'NotAuthorizedException', 400, 'ERR_AUTHENTICATION'],
    ['a refusal (ERR_CONFIGURATION)', 'InvalidParameterException', 400, 'ERR_CONFIGURATION'],
    ['exhausted throttling (ERR_THROTTLED)', 'TooManyRequestsException', 400, 'ERR_THROTTLED'],
    ['exhausted server errors (ERR_UNAVAILABLE)', 'InternalErrorException', 500, 'ERR_UNAVAILABLE'],
  ] as const)(
    'keeps an SDK error that echoes the secret as a scrubbed cause: %s',
    async (_label, name, status, code) => {
      const rejections: Error[] = [];
      cognito.on(GetClientTokenCommand).callsFake(() => {
        rejections.push(echoing(name, status));
        return Promise.reject(rejections.at(-1));
      });
      const m2m = clientProvider({ clientSecret: canarySecret, logger });

      const pending = failureOf(m2m.getAccessToken());
      await vi.advanceTimersByTimeAsync(10_000);
      const error = await pending;

      expect(error.code).toBe(code);
      expect(error.cause).toMatchObject({ name: rejections.at(-1)?.name });
      expect((error.cause as Error).message).toBe('request with Secret [redacted] refused');
      expectNoCredentialIn(inspected(error));
    },
  );

  it.each([
    ['a refusal (ERR_AUTHENTICATION)', 401, 'ERR_AUTHENTICATION'],
    ['exhausted server errors (ERR_UNAVAILABLE)', 503, 'ERR_UNAVAILABLE'],
  ] as const)(
    'keeps an endpoint error that echoes the secret and the Basic header clean: %s',
    async (_label, status, code) => {
      fetchMock.mockImplementation(async (_url, init) => {
        const authorization = new Headers(init?.headers).get('authorization');
        const echoed = `${authorization} = ${canarySecret} = ${formEncodedCanary}`;
        return Response.json({ error: `server_said_${formEncodedCanary}`, error_description: echoed }, { status });
      });
      const m2m = clientProvider({ clientSecret: canarySecret, domain: 'auth.example.com', logger });

      const pending = failureOf(m2m.getAccessToken());
      await vi.advanceTimersByTimeAsync(10_000);
      const error = await pending;

      expect(error.code).toBe(code);
      expect(error.cause).toMatchObject({ name: 'TokenEndpointError', $metadata: { httpStatusCode: status } });
      expectNoCredentialIn(inspected(error));
    },
  );

  it('keeps a fetch failure that echoes the secret clean, as the cause of the exhausted retries', async () => {
    fetchMock.mockImplementation(async (_url, init) => {
      const authorization = new Headers(init?.headers).get('authorization');
      throw Object.assign(new Error(`socket closed while sending ${authorization}`), { code: 'ECONNRESET' });
    });
    const m2m = clientProvider({ clientSecret: canarySecret, domain: 'auth.example.com', logger });

    const pending = failureOf(m2m.getAccessToken());
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await pending;

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect((error.cause as Error).message).toBe('socket closed while sending Basic [redacted]');
    expectNoCredentialIn(inspected(error));
  });
});

describe('with the rest of the package', () => {
  const ssm = mockClient(SSMClient);
  const secretName = '/svc/m2m/secret';
  const ssmAnswer = (value: string) => ({
    Parameters: [{ Name: secretName, Value: value, Type: 'SecureString' as const, Version: 1 }],
    InvalidParameters: [],
  });

  useFakeClock();

  beforeEach(() => {
    ssm.reset();
  });

  afterAll(() => {
    ssm.restore();
  });

  it("reads the secret with fromSsm({ clientSecret }) and re-reads it past fromSsm's cache after a rejection", async () => {
    ssm.on(GetParametersCommand).resolvesOnce(ssmAnswer('secret-before-rotation')).resolves(ssmAnswer('secret-after'));
    cognito
      .on(GetClientTokenCommand, { Secret: 'secret-before-rotation' })
      .rejects(notAuthorized('Invalid client secret'))
      .on(GetClientTokenCommand, { Secret: 'secret-after' })
      .callsFake(() => clientTokenResult());
    const m2m = clientProvider({ credentials: fromSsm({ clientSecret: secretName, clientConfig: { region } }) });

    expect(serialOf(await m2m.getAccessToken())).toBe(1);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: [secretName], WithDecryption: true });
    expect(tokenCalls().map((call) => call.args[0].input.Secret)).toEqual(['secret-before-rotation', 'secret-after']);
  });

  it("plugs into createAuthorizedFetch with token: 'access', renewing once on a 401", async () => {
    cognito.on(GetClientTokenCommand).callsFake(() => clientTokenResult());
    const api = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(new Response('expired', { status: 401 }))
      .mockResolvedValue(new Response('ok', { status: 200 }));
    const m2m = clientProvider();
    const authorizedFetch = createAuthorizedFetch(m2m, { token: 'access', scheme: 'Bearer', fetch: api });

    const response = await authorizedFetch('https://api.example.com/orders');

    expect(response.status).toBe(200);
    const sent = api.mock.calls.map(([, init]) => new Headers(init?.headers).get('authorization'));
    expect(sent.map((header) => serialOf(header?.replace(/^Bearer /, '') ?? ''))).toEqual([1, 2]);
  });
});
