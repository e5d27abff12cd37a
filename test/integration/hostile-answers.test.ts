// Hostile and broken answers at the HTTP level, through the real SDK clients (endpoint override) and fetch: error
// bodies that echo the request, bodies cut off after 2xx headers, refused connections, empty 404s, outputs that
// are well-formed but unusable, an API that refuses every token. Sources, not dist: nothing here is spawned.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  closedPort,
  echoError,
  emptyStatus,
  type HostileEndpoint,
  hang,
  json,
  partialBody,
  startHostileEndpoint,
} from '../../harness/hostile-endpoint.js';
import { findLeaks, printedForms } from '../../harness/leak-scan.js';
import { runCli } from '../../src/cli/run.js';
import { RETRY_POLICY_OPTION, type RetryPolicy } from '../../src/core/deadline.js';
import {
  type ClientTokenProviderOptions,
  CognitoTokenError,
  computeSecretHash,
  createAuthorizedFetch,
  createClientTokenProvider,
  createTokenProvider,
  type TokenProviderOptions,
} from '../../src/index.js';
import { fromSsm } from '../../src/ssm/index.js';
import { failureOf } from '../helpers/failure-of.js';
import { cognitoTokens, fakeJwt } from '../helpers/fake-jwt.js';
import { CLIENT_ID, REGION, USERNAME } from '../helpers/providers.js';
import { startTokenEndpoint } from '../helpers/token-endpoint-server.js';

// A password with the characters JSON and URL encodings rewrite, so each encoded form differs from the raw one.
const PASSWORD = 'Quote"And\\Backslash P4ss&=/+%';
const CLIENT_SECRET = 'client-secret "quoted" \\ & + / value-31';
const AWS_CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret-access-key' };
const FAST: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

/** Every printed form of each secret: raw, JSON-escaped (once and twice), URL-encoded and form-encoded. */
function encodedForms(label: string, secret: string): Record<string, string> {
  const jsonEscaped = JSON.stringify(secret).slice(1, -1);
  return {
    [label]: secret,
    [`${label} (JSON)`]: jsonEscaped,
    [`${label} (JSON twice)`]: JSON.stringify(jsonEscaped).slice(1, -1),
    [`${label} (URL)`]: encodeURIComponent(secret),
    [`${label} (form)`]: new URLSearchParams({ v: secret }).toString().slice(2),
  };
}

const SECRETS = {
  ...encodedForms('password', PASSWORD),
  ...encodedForms('clientSecret', CLIENT_SECRET),
  ...encodedForms('secretHash', computeSecretHash(USERNAME, CLIENT_ID, CLIENT_SECRET)),
};

let endpoint: HostileEndpoint;

beforeAll(async () => {
  endpoint = await startHostileEndpoint();
});

afterAll(() => endpoint?.stop());

afterEach(() => {
  endpoint.requests.length = 0;
  vi.unstubAllEnvs();
});

function userProvider(overrides: Partial<TokenProviderOptions> = {}, policy: RetryPolicy = FAST) {
  return createTokenProvider({
    clientId: CLIENT_ID,
    credentials: { username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET },
    clientConfig: { endpoint: endpoint.endpoint, region: REGION },
    timeoutMs: 5_000,
    ...overrides,
    [RETRY_POLICY_OPTION]: policy,
  } as unknown as TokenProviderOptions);
}

function m2mProvider(overrides: Record<string, unknown> = {}) {
  return createClientTokenProvider({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    clientConfig: { endpoint: endpoint.endpoint, region: REGION, credentials: AWS_CREDENTIALS },
    timeoutMs: 5_000,
    ...overrides,
    [RETRY_POLICY_OPTION]: FAST,
  } as unknown as ClientTokenProviderOptions);
}

function ssmSource() {
  return fromSsm({
    parameter: '/svc/orders/cognito',
    clientConfig: { endpoint: endpoint.endpoint, region: REGION, credentials: AWS_CREDENTIALS },
  });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const goodTokens = () =>
  json({ AuthenticationResult: cognitoTokens({ username: USERNAME, nowSeconds: nowSeconds() }) });

describe('1. error bodies that echo the request', () => {
  it('keeps nothing of a 500 body but the name, status and fault: no printed form shows the password or hash', async () => {
    endpoint.answer(echoError(500, 'InternalErrorException', (body) => `failed on ${body}`));

    const error = await failureOf(userProvider().getIdToken());

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(error.cause).toMatchObject({ name: 'InternalErrorException', $fault: 'server' });
    expect((error.cause as { $metadata: unknown }).$metadata).toMatchObject({ httpStatusCode: 500 });
    expect(Object.keys(error.cause as object)).not.toContain('detail');
    expect(Object.keys(error.cause as object)).not.toContain('__type');
    expect(findLeaks([error, error.cause, JSON.stringify(error.cause)], SECRETS)).toEqual([]);
  });

  it('keeps nothing of a rejection body either, and sign-in still maps it by name', async () => {
    endpoint.answer(echoError(400, 'NotAuthorizedException', () => 'Incorrect username or password.'));

    const error = await failureOf(userProvider().getIdToken());

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(error.cause).toMatchObject({ name: 'NotAuthorizedException', $fault: 'client' });
    expect(Object.keys(error.cause as object)).not.toContain('detail');
    expect(findLeaks([error, error.cause], SECRETS)).toEqual([]);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('GetClientToken: no printed form of the failure shows the client secret', async () => {
    endpoint.answer(echoError(500, 'InternalErrorException', (body) => `failed on ${body}`));

    const error = await failureOf(m2mProvider().getAccessToken());

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(Object.keys(error.cause as object)).not.toContain('detail');
    expect(findLeaks([error, error.cause], SECRETS)).toEqual([]);
  });

  it('SSM: the cause of a failed read carries no field of the error body', async () => {
    endpoint.answer(echoError(400, 'AccessDeniedException', () => 'not allowed'));

    const error = await failureOf(ssmSource()());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.cause).toMatchObject({ name: 'AccessDeniedException' });
    expect(Object.keys(error.cause as object)).not.toContain('detail');
  });
});

describe('2. secrets in escaped forms', () => {
  const echoEveryForm = (body: string) => {
    const parsed = JSON.parse(body) as { AuthParameters: { PASSWORD: string; SECRET_HASH: string } };
    const { PASSWORD: password, SECRET_HASH: hash } = parsed.AuthParameters;
    return `1 validation error: ${body} url=${encodeURIComponent(password)} form=${new URLSearchParams({ p: password, h: hash })}`;
  };

  it('redacts the JSON-escaped, URL-encoded and form-encoded password and hash from messages and causes', async () => {
    endpoint.answer(echoError(400, 'InvalidParameterException', echoEveryForm));

    const error = await failureOf(userProvider().getIdToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(findLeaks([error, error.cause], SECRETS)).toEqual([]);
  });

  it('the CLI prints none of them on stderr', async () => {
    endpoint.answer(echoError(400, 'InvalidParameterException', echoEveryForm));
    vi.stubEnv('AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER', endpoint.endpoint);
    const out: string[] = [];
    const err: string[] = [];

    const status = await runCli({
      argv: ['--client-id', CLIENT_ID, '--region', REGION, '--username', USERNAME, '--password-stdin'],
      env: {},
      readStdin: async () => `${PASSWORD}\n`,
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
      version: () => '0.0.0',
    });

    expect(status).toBe(2);
    expect(err.join('')).toContain('InvalidParameterException');
    expect(findLeaks([out.join(''), err.join('')], SECRETS)).toEqual([]);
  });
});

describe('3. SRP and challenge parameters in echoes', () => {
  const USER_POOL_ID = 'eu-west-1_Hostile3';
  // Bytes whose base64 holds '+', '/' and '=', which URL and form encodings rewrite.
  const SECRET_BLOCK = Buffer.from('fb'.repeat(40) + 'ff'.repeat(41), 'hex').toString('base64');
  const SESSION = 'hostile-session-AYABeN0tR3al';
  const passwordVerifier = json({
    ChallengeName: 'PASSWORD_VERIFIER',
    Session: SESSION,
    ChallengeParameters: { USER_ID_FOR_SRP: USERNAME, SALT: 'a1b2c3d4e5f60718', SRP_B: '7f'.repeat(256), SECRET_BLOCK },
  });
  /** A message quoting the request raw, and each of its parameters URL- and form-encoded. */
  const echoEveryParameter = (body: string) => {
    const parsed = JSON.parse(body) as {
      AuthParameters?: Record<string, string>;
      ChallengeResponses?: Record<string, string>;
    };
    const parameters = parsed.AuthParameters ?? parsed.ChallengeResponses ?? {};
    const encoded = Object.values(parameters).map(
      (value) => `url=${encodeURIComponent(value)} form=${new URLSearchParams({ v: value })}`,
    );
    return `1 validation error: ${body} ${encoded.join(' ')}`;
  };
  /** Every printed form of every value the request sent, but USERNAME: who signs in is no secret. */
  function sentValues(operation: string, field: 'AuthParameters' | 'ChallengeResponses'): Record<string, string> {
    const request = endpoint.requests.find((each) => each.operation === operation);
    const parameters = (JSON.parse(request?.body ?? '{}') as Record<string, Record<string, string>>)[field] ?? {};
    return Object.fromEntries(
      Object.entries(parameters)
        .filter(([name]) => name !== 'USERNAME')
        .flatMap(([name, value]) => Object.entries(encodedForms(name, value))),
    );
  }
  const srpProvider = (logger: { debug: (...args: unknown[]) => void }) =>
    userProvider({ flow: 'user-srp', userPoolId: USER_POOL_ID, logger } as Partial<TokenProviderOptions>);

  it('redacts PASSWORD_CLAIM_SECRET_BLOCK, the signature and the TIMESTAMP a PASSWORD_VERIFIER answer echoes', async () => {
    endpoint.answer(passwordVerifier, echoError(400, 'InvalidParameterException', echoEveryParameter));
    const logged: unknown[] = [];

    const error = await failureOf(srpProvider({ debug: (...args) => logged.push(args) }).getIdToken());

    const sent = sentValues('RespondToAuthChallenge', 'ChallengeResponses');
    expect(Object.keys(sent)).toEqual(
      expect.arrayContaining(['PASSWORD_CLAIM_SECRET_BLOCK', 'PASSWORD_CLAIM_SIGNATURE', 'TIMESTAMP', 'SECRET_HASH']),
    );
    expect(error.message).toContain('[redacted]');
    expect(findLeaks([error, error.cause, logged], { ...sent, ...encodedForms('session', SESSION) })).toEqual([]);
  });

  it('redacts SRP_A from an InitiateAuth error that echoes it', async () => {
    endpoint.answer(echoError(400, 'InvalidParameterException', echoEveryParameter));
    const logged: unknown[] = [];

    const error = await failureOf(srpProvider({ debug: (...args) => logged.push(args) }).getIdToken());

    const sent = sentValues('InitiateAuth', 'AuthParameters');
    expect(Object.keys(sent)).toContain('SRP_A');
    expect(findLeaks([error, error.cause, logged], sent)).toEqual([]);
  });
});

describe('4. a body cut off after 2xx headers', () => {
  it('sign-in: retried, and the next answer is used', async () => {
    endpoint.answer(partialBody(), goodTokens());

    const tokens = await userProvider().getTokens();

    expect(tokens.username).toBe(USERNAME);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('sign-in: every attempt cut off is ERR_UNAVAILABLE naming the network code, not a configuration error', async () => {
    endpoint.answer(partialBody());

    const error = await failureOf(userProvider().getIdToken());

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(error.message).toMatch(/ECONNRESET/);
    expect(endpoint.requests).toHaveLength(FAST.maxAttempts);
  });

  it('GetClientToken: retried, and the next answer is used', async () => {
    const token = fakeJwt({ iat: nowSeconds(), exp: nowSeconds() + 3600, client_id: CLIENT_ID });
    endpoint.answer(partialBody(), json({ ClientAuthenticationResult: { AccessToken: token, ExpiresIn: 3600 } }));

    expect(await m2mProvider().getAccessToken()).toBe(token);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('SSM: retried, and the next answer is used', async () => {
    endpoint.answer(
      partialBody(),
      json({ Parameters: [{ Name: '/svc/orders/cognito', Value: JSON.stringify({ username: 'u', password: 'p' }) }] }),
    );

    expect(await ssmSource()()).toEqual({ username: 'u', password: 'p' });
    expect(endpoint.requests).toHaveLength(2);
  });

  it('the CLI exits 6 (unavailable), not 2 (configuration)', async () => {
    endpoint.answer(partialBody());
    vi.stubEnv('AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER', endpoint.endpoint);
    const err: string[] = [];

    const status = await runCli({
      argv: ['--client-id', CLIENT_ID, '--region', REGION, '--username', USERNAME, '--password-stdin'],
      env: {},
      readStdin: async () => `${PASSWORD}\n`,
      stdout: () => undefined,
      stderr: (text) => err.push(text),
      version: () => '0.0.0',
    });

    expect(err.join('')).toMatch(/^cognito-token: ERR_UNAVAILABLE: /);
    expect(status).toBe(6);
  });
});

describe('5. transport errors are named', () => {
  it('a refused connection names ECONNREFUSED', async () => {
    const port = await closedPort();

    const error = await failureOf(
      userProvider({ clientConfig: { endpoint: `http://127.0.0.1:${port}`, region: REGION } }).getIdToken(),
    );

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('an empty 404 names the status and the endpoint host', async () => {
    endpoint.answer(emptyStatus(404));

    const error = await failureOf(userProvider().getIdToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.message).toContain('HTTP 404');
    expect(error.message).toContain(endpoint.host);
  });

  it('a hung SSM read names SSM and the parameter when the caller runs out of time', async () => {
    endpoint.answer(hang());
    const provider = userProvider({ credentials: ssmSource(), timeoutMs: 300 });

    const error = await failureOf(provider.getIdToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('SSM parameter "/svc/orders/cognito"');
  });
});

describe('6. unusable answers are typed errors', () => {
  it('an IdToken that is a JSON number is ERR_UNAVAILABLE, not a TypeError', async () => {
    const tokens = cognitoTokens({ username: USERNAME, nowSeconds: nowSeconds() });
    endpoint.answer(json({ AuthenticationResult: { ...tokens, IdToken: 12345 } }));

    const error = await failureOf(userProvider().getIdToken());

    expect(error.code).toBe('ERR_UNAVAILABLE');
  });

  it('fromSsm given {"Parameters":"not-a-list"} is ERR_CREDENTIALS, not a TypeError', async () => {
    endpoint.answer(json({ Parameters: 'not-a-list' }));

    const error = await failureOf(ssmSource()());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('SSM parameter "/svc/orders/cognito"');
  });
});

describe('9. tokens expired on arrival', () => {
  const expiredOnArrival = () => {
    const iat = nowSeconds();
    const claims = { 'cognito:username': USERNAME, iat, exp: iat - 60 };
    return { IdToken: fakeJwt(claims), AccessToken: fakeJwt({ ...claims, token_use: 'access' }), RefreshToken: 'r' };
  };

  it('sign-in: retried within the deadline, then ERR_UNAVAILABLE; never served', async () => {
    endpoint.answer(json({ AuthenticationResult: expiredOnArrival() }));

    const error = await failureOf(userProvider().getIdToken());

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(endpoint.requests).toHaveLength(FAST.maxAttempts);
  });

  it('sign-in: a usable answer after an expired one is served, and cached', async () => {
    endpoint.answer(json({ AuthenticationResult: expiredOnArrival() }), goodTokens());
    const provider = userProvider();

    await provider.getIdToken();
    await provider.getIdToken();

    expect(endpoint.requests).toHaveLength(2);
  });

  it('the OAuth2 token endpoint: retried, then ERR_UNAVAILABLE', async () => {
    const iat = nowSeconds();
    const server = await startTokenEndpoint(() => ({
      status: 200,
      json: { access_token: fakeJwt({ iat, exp: iat - 60 }), token_type: 'Bearer' },
    }));
    try {
      const provider = createClientTokenProvider({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        tokenEndpoint: server.url,
        [RETRY_POLICY_OPTION]: FAST,
      } as unknown as ClientTokenProviderOptions);

      const error = await failureOf(provider.getAccessToken());

      expect(error.code).toBe('ERR_UNAVAILABLE');
      expect(server.requests).toHaveLength(FAST.maxAttempts);
    } finally {
      await server.stop();
    }
  });
});

describe('10. a huge ExpiresIn', () => {
  it('is clamped to 24 hours: expiresAt is a valid date', async () => {
    const claims = { 'cognito:username': USERNAME };
    endpoint.answer(
      json({ AuthenticationResult: { IdToken: fakeJwt(claims), AccessToken: fakeJwt(claims), ExpiresIn: 1e300 } }),
    );

    const { expiresAt } = await userProvider().getTokens();

    expect(Number.isNaN(expiresAt.getTime())).toBe(false);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000);
  });
});

describe('11. an API that refuses every token', () => {
  it('forces one renewal, then hands the 401 back without billing a token request per call', async () => {
    const tokenEndpoint = await startTokenEndpoint(() => ({
      status: 200,
      json: { access_token: `opaque-${Math.random()}`, expires_in: 3600, token_type: 'Bearer' },
    }));
    const api = createServer((_req, res) => {
      res.writeHead(401);
      res.end('no');
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const m2m = createClientTokenProvider({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        tokenEndpoint: tokenEndpoint.url,
      });
      const apiFetch = createAuthorizedFetch(m2m, { token: 'access', scheme: 'Bearer' });
      const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/orders`;

      const statuses: number[] = [];
      for (let call = 0; call < 20; call++) {
        const response = await apiFetch(url);
        await response.text();
        statuses.push(response.status);
      }

      expect(statuses.every((status) => status === 401)).toBe(true);
      expect(tokenEndpoint.requests.length).toBeLessThanOrEqual(2);
    } finally {
      api.closeAllConnections();
      await new Promise<void>((resolve) => api.close(() => resolve()));
      await tokenEndpoint.stop();
    }
  });
});

describe('every failure above is typed', () => {
  it('prints as a CognitoTokenError', async () => {
    endpoint.answer(echoError(500, 'InternalErrorException'));
    const error = await failureOf(userProvider().getIdToken());
    expect(error).toBeInstanceOf(CognitoTokenError);
    expect(printedForms(error).join('\n')).toContain('CognitoTokenError');
  });
});
