// cognito-token-provider/testing: startLocalCognito and startLocalSsm, as a user's test drives them. The SRP and
// TOTP math behind them is validated with amazon-cognito-identity-js in srp-server.test.ts (through the harness,
// which shares the implementation); here: the public options, a default client, RS256 tokens that aws-jwt-verify
// and node:crypto verify against the served JWKS, M2M, the admin flow, rotation, the clock, counts and faults.
import { createPublicKey, createVerify } from 'node:crypto';
import { inspect } from 'node:util';
import {
  CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtVerifier } from 'aws-jwt-verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../../harness/leak-scan.js';
import { CognitoTokenError, createClientTokenProvider, createTokenProvider, decodeJwtClaims } from '../../src/index.js';
import { fromSsm } from '../../src/ssm/index.js';
import { type LocalCognito, type LocalSsm, startLocalCognito, startLocalSsm } from '../../src/testing/index.js';
import { identityJsUser, sessionOf } from '../helpers/identity-js-user.js';

const ROBOT = { username: 'robot', password: 'Corr3ct-Horse!', email: 'robot@example.com' };
const MFA = { username: 'ops', password: 'Mfa-Passw0rd!', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' };
const M2M_SECRET = 'm2m-client-secret-0123456789abcdef';
const SECRET = 'web-client-secret-0123456789abcdef';

let cognito: LocalCognito;
let ssm: LocalSsm;

beforeAll(async () => {
  [cognito, ssm] = await Promise.all([
    startLocalCognito({
      userPoolId: 'eu-west-1_LocalTest1',
      users: [ROBOT, MFA],
      clients: [
        { clientId: 'web-client' },
        { clientId: 'secret-client', clientSecret: SECRET },
        { clientId: 'password-client', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
        {
          clientId: 'admin-client',
          explicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
        {
          clientId: 'm2m-client',
          clientSecret: M2M_SECRET,
          explicitAuthFlows: ['ALLOW_CLIENT_TOKEN_AUTH'],
          allowedOAuthFlows: ['client_credentials'],
          scopes: ['orders/read', 'orders/write'],
        },
      ],
      tokenLifetimeSeconds: 300,
    }),
    startLocalSsm({ parameters: [{ name: '/svc/cognito', value: JSON.stringify(ROBOT) }] }),
  ]);
});
afterAll(async () => {
  await Promise.all([cognito?.stop(), ssm?.stop()]);
});

const sdk = () => new CognitoIdentityProviderClient(cognito.clientConfig);
const srpProvider = (clientId = 'web-client', extra: Record<string, unknown> = {}) =>
  createTokenProvider({
    userPoolId: cognito.userPoolId,
    clientId,
    flow: 'user-srp',
    credentials: { username: ROBOT.username, password: ROBOT.password },
    clientConfig: cognito.clientConfig,
    ...extra,
  });

/** Verifies an RS256 JWT against the served JWKS with node:crypto alone, independently of aws-jwt-verify. */
async function verifiesAgainstServedJwks(jwt: string): Promise<boolean> {
  const served = (await (await fetch(cognito.jwksUri)).json()) as { keys: { kid: string }[] };
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid: string; alg: string };
  const jwk = served.keys.find((key) => key.kid === kid);
  if (alg !== 'RS256' || jwk === undefined) return false;
  return createVerify('RSA-SHA256')
    .update(`${header}.${payload}`)
    .verify(createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(signature, 'base64url'));
}

describe('a client created with defaults', () => {
  it('allows SRP (amazon-cognito-identity-js signs in) and refuses USER_PASSWORD_AUTH as Cognito does', async () => {
    const library = identityJsUser({
      endpoint: cognito.endpoint,
      userPoolId: cognito.userPoolId,
      clientId: 'web-client',
      username: ROBOT.username,
    });
    const { session } = sessionOf(await library.signIn(ROBOT.password));
    expect(session.getIdToken().payload).toMatchObject({ 'cognito:username': ROBOT.username, email: ROBOT.email });

    await expect(
      sdk().send(
        new InitiateAuthCommand({
          ClientId: 'web-client',
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: ROBOT.username, PASSWORD: ROBOT.password },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'USER_PASSWORD_AUTH flow not enabled for this client',
    });
  });

  it('serves createTokenProvider with flow user-srp through clientConfig, and counts each operation', async () => {
    const before = cognito.requests;
    const tokens = await srpProvider().getTokens();

    expect(decodeJwtClaims(tokens.idToken)).toMatchObject({ token_use: 'id', aud: 'web-client' });
    expect(cognito.requests.InitiateAuth - before.InitiateAuth).toBe(1);
    expect(cognito.requests.RespondToAuthChallenge - before.RespondToAuthChallenge).toBe(1);
  });
});

describe('tokens', () => {
  it("are RS256 JWTs with Cognito's claims, verified by node:crypto against the JWKS served over HTTP", async () => {
    const tokens = await srpProvider().getTokens();
    const id = decodeJwtClaims(tokens.idToken) as Record<string, unknown>;
    const access = decodeJwtClaims(tokens.accessToken) as Record<string, unknown>;

    expect(await verifiesAgainstServedJwks(tokens.idToken)).toBe(true);
    expect(await verifiesAgainstServedJwks(tokens.accessToken)).toBe(true);
    // A changed payload no longer verifies: the signature is real.
    const [header, , signature] = tokens.idToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...id, 'cognito:username': 'admin' })).toString('base64url');
    expect(await verifiesAgainstServedJwks(`${header}.${forged}.${signature}`)).toBe(false);

    expect(cognito.issuer).toBe(`${cognito.endpoint}/eu-west-1_LocalTest1`);
    expect(id).toMatchObject({
      iss: cognito.issuer,
      aud: 'web-client',
      token_use: 'id',
      'cognito:username': ROBOT.username,
      email: ROBOT.email,
    });
    for (const claim of ['sub', 'event_id', 'jti', 'origin_jti']) expect(typeof id[claim]).toBe('string');
    expect(id.exp).toBe((id.iat as number) + 300);
    expect(id.auth_time).toBe(id.iat);
    expect(access).toMatchObject({
      iss: cognito.issuer,
      client_id: 'web-client',
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: ROBOT.username,
      sub: id.sub,
      origin_jti: id.origin_jti,
    });
    expect(access.aud).toBeUndefined();
  });

  it('verify with aws-jwt-verify handed the JWKS (it fetches over https only), and a token of another pool does not', async () => {
    const verifier = JwtVerifier.create({
      issuer: cognito.issuer,
      audience: 'web-client',
      jwksUri: cognito.jwksUri,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== 'id') throw new Error('not an ID token');
      },
    });
    verifier.cacheJwks(cognito.jwks);
    const tokens = await srpProvider().getTokens();

    await expect(verifier.verify(tokens.idToken)).resolves.toMatchObject({ 'cognito:username': ROBOT.username });
    await expect(verifier.verify(tokens.accessToken)).rejects.toThrow();

    const other = await startLocalCognito({
      userPoolId: 'eu-west-1_LocalTest1',
      users: [ROBOT],
      clients: [{ clientId: 'web-client' }],
    });
    try {
      const foreign = await srpProvider('web-client', { clientConfig: other.clientConfig }).getIdToken();
      // Same pool ID, same client: only the key (and the port in iss) differ, and the key alone must refuse it.
      const sameIssuer = JwtVerifier.create({ issuer: null, audience: 'web-client', jwksUri: cognito.jwksUri });
      sameIssuer.cacheJwks(cognito.jwks);
      await expect(sameIssuer.verify(foreign)).rejects.toThrow();
    } finally {
      await other.stop();
    }
  });

  it('follow the server clock: advance() moves iat and exp, and a provider renews with the refresh token', async () => {
    // A pool of its own: the other tests keep a clock that agrees with the TOTP codes they compute.
    const later = await startLocalCognito({ users: [ROBOT], clients: [{ clientId: 'web-client' }] });
    try {
      const provider = srpProvider('web-client', { clientConfig: later.clientConfig, userPoolId: later.userPoolId });
      const first = decodeJwtClaims(await provider.getIdToken());

      later.advance(10 * 60_000);
      const renewed = decodeJwtClaims((await provider.refresh()).idToken);

      expect((renewed.iat ?? 0) - (first.iat ?? 0)).toBeGreaterThanOrEqual(600);
      expect(renewed.auth_time).toBe(first.auth_time);
      expect(later.requests.InitiateAuth).toBe(2); // USER_SRP_AUTH, then REFRESH_TOKEN_AUTH
      expect(later.now() - Date.now()).toBeGreaterThanOrEqual(10 * 60_000 - 1_000);
      // The SRP TIMESTAMP of a client on the real clock is still accepted.
      await expect(
        srpProvider('web-client', { clientConfig: later.clientConfig, userPoolId: later.userPoolId }).getIdToken(),
      ).resolves.toMatch(/^ey/);
      expect(() => later.advance(-1)).toThrow(CognitoTokenError);
    } finally {
      await later.stop();
    }
  });
});

describe('what Cognito enforces', () => {
  it('SECRET_HASH: a provider with the secret signs in, the SDK without it is refused', async () => {
    await expect(
      srpProvider('secret-client', {
        credentials: { username: ROBOT.username, password: ROBOT.password, clientSecret: SECRET },
      }).getIdToken(),
    ).resolves.toMatch(/^ey/);
    await expect(
      sdk().send(
        new InitiateAuthCommand({
          ClientId: 'secret-client',
          AuthFlow: 'USER_SRP_AUTH',
          AuthParameters: { USERNAME: ROBOT.username, SRP_A: 'ab' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('TOTP: a TOTP user meets SOFTWARE_TOKEN_MFA after SRP, and a provider with totpSecret answers it', async () => {
    const tokens = await createTokenProvider({
      userPoolId: cognito.userPoolId,
      clientId: 'web-client',
      flow: 'user-srp',
      credentials: MFA,
      clientConfig: cognito.clientConfig,
    }).getTokens();
    expect(decodeJwtClaims(tokens.idToken)['cognito:username']).toBe(MFA.username);

    const withoutCode = createTokenProvider({
      userPoolId: cognito.userPoolId,
      clientId: 'web-client',
      flow: 'user-srp',
      credentials: { username: MFA.username, password: MFA.password },
      clientConfig: cognito.clientConfig,
    });
    await expect(withoutCode.getIdToken()).rejects.toMatchObject({ code: 'ERR_CHALLENGE_REQUIRED' });
  });

  it('the admin flow: AdminInitiateAuth, signed with the dummy credentials, for an admin-enabled client only', async () => {
    const admin = (clientId: string) =>
      createTokenProvider({
        userPoolId: cognito.userPoolId,
        clientId,
        flow: 'admin-user-password',
        credentials: { username: ROBOT.username, password: ROBOT.password },
        clientConfig: cognito.clientConfig,
      });
    const before = cognito.requests.AdminInitiateAuth;

    await expect(admin('admin-client').getIdToken()).resolves.toMatch(/^ey/);
    await expect(admin('web-client').getIdToken()).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
    expect(cognito.requests.AdminInitiateAuth - before).toBe(2);
  });

  it('rotation: GetTokensFromRefreshToken hands out a new refresh token, and the old one is refused after', async () => {
    const rotating = await startLocalCognito({
      users: [ROBOT],
      clients: [
        {
          clientId: 'app',
          explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          refreshTokenRotation: {},
        },
      ],
    });
    try {
      const local = new CognitoIdentityProviderClient(rotating.clientConfig);
      const signIn = await local.send(
        new InitiateAuthCommand({
          ClientId: 'app',
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: ROBOT.username, PASSWORD: ROBOT.password },
        }),
      );
      const old = signIn.AuthenticationResult?.RefreshToken as string;
      const renewed = await local.send(new GetTokensFromRefreshTokenCommand({ ClientId: 'app', RefreshToken: old }));
      const rotated = renewed.AuthenticationResult?.RefreshToken;
      expect(rotated).toBeDefined();
      expect(rotated).not.toBe(old);
      await expect(
        local.send(new GetTokensFromRefreshTokenCommand({ ClientId: 'app', RefreshToken: old })),
      ).rejects.toMatchObject({ name: 'RefreshTokenReuseException' });
      await expect(
        local.send(
          new InitiateAuthCommand({
            ClientId: 'app',
            AuthFlow: 'REFRESH_TOKEN_AUTH',
            AuthParameters: { REFRESH_TOKEN: rotated as string },
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    } finally {
      await rotating.stop();
    }
  });
});

describe('machine-to-machine', () => {
  it('GetClientToken (signed) and POST /oauth2/token give access tokens with client_id and the scopes', async () => {
    const viaSdk = createClientTokenProvider({
      clientId: 'm2m-client',
      clientSecret: M2M_SECRET,
      scopes: ['orders/read'],
      clientConfig: cognito.clientConfig,
    });
    const viaEndpoint = createClientTokenProvider({
      clientId: 'm2m-client',
      clientSecret: M2M_SECRET,
      tokenEndpoint: cognito.tokenEndpoint,
    });
    const [sdkToken, endpointToken] = await Promise.all([viaSdk.getAccessToken(), viaEndpoint.getAccessToken()]);

    expect(decodeJwtClaims(sdkToken)).toMatchObject({
      client_id: 'm2m-client',
      token_use: 'access',
      scope: 'orders/read',
    });
    expect(decodeJwtClaims(endpointToken)).toMatchObject({
      client_id: 'm2m-client',
      scope: 'orders/read orders/write',
    });
    expect(await verifiesAgainstServedJwks(endpointToken)).toBe(true);

    const wrongSecret = createClientTokenProvider({
      clientId: 'm2m-client',
      clientSecret: 'not-the-secret-0123456789',
      tokenEndpoint: cognito.tokenEndpoint,
    });
    await expect(wrongSecret.getAccessToken()).rejects.toMatchObject({ code: 'ERR_AUTHENTICATION' });
    const unknownScope = createClientTokenProvider({
      clientId: 'm2m-client',
      clientSecret: M2M_SECRET,
      scopes: ['billing/read'],
      tokenEndpoint: cognito.tokenEndpoint,
    });
    await expect(unknownScope.getAccessToken()).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
  });
});

describe('faults', () => {
  it('throttling and a 5xx for the next requests: the provider retries through them', async () => {
    const before = cognito.requests.InitiateAuth;
    cognito.fault({ operation: 'InitiateAuth', kind: 'throttle' });
    cognito.fault({ operation: 'InitiateAuth', kind: 'server-error' });

    await expect(srpProvider().getIdToken()).resolves.toMatch(/^ey/);
    expect(cognito.requests.InitiateAuth - before).toBe(3);
  });

  it('a hang: the provider gives up at timeoutMs, and the token endpoint throttles with HTTP 429', async () => {
    cognito.fault({ operation: '*', kind: 'hang' });
    await expect(srpProvider('web-client', { timeoutMs: 300 }).getIdToken()).rejects.toMatchObject({
      code: 'ERR_UNAVAILABLE',
      message: expect.stringContaining('300 ms'),
    });

    cognito.fault({ operation: 'oauth2/token', kind: 'throttle' });
    const response = await fetch(cognito.tokenEndpoint, { method: 'POST' });
    expect(response.status).toBe(429);
    expect(() => cognito.fault({ operation: 'Nope' as never, kind: 'hang' })).toThrow(/fault.operation/);
  });
});

describe('options and secrets', () => {
  it('refuses bad options naming them, without quoting a password or a TOTP secret', async () => {
    const failures = await Promise.all([
      startLocalCognito({ clients: [] }).catch((error: unknown) => error),
      startLocalCognito({ userPoolId: 'eu-west-1', clients: [{ clientId: 'a' }] }).catch((error: unknown) => error),
      startLocalCognito({ clients: [{ clientId: 'a', explicitAuthFlows: ['USER_SRP_AUTH' as never] }] }).catch(
        (error: unknown) => error,
      ),
      startLocalCognito({
        clients: [{ clientId: 'a' }],
        users: [{ username: 'u', password: 'pw-Secret-1', totpSecret: 'not base32 pw-Secret-1!' }],
      }).catch((error: unknown) => error),
      startLocalCognito({ clients: [{ clientId: 'a' }], usres: [] } as never).catch((error: unknown) => error),
    ]);
    expect(failures.map((error) => (error as CognitoTokenError).code)).toEqual(Array(5).fill('ERR_CONFIGURATION'));
    expect(failures.map((error) => (error as Error).message.match(/^"([^"]+)"/)?.[1])).toEqual([
      'clients',
      'userPoolId',
      'clients[].explicitAuthFlows',
      'users',
      'usres',
    ]);
    expect(findLeaks(failures, { password: 'pw-Secret-1' })).toEqual([]);
  });

  it('shows no password, secret or private key when printed', () => {
    const printed = `${inspect(cognito, { depth: 10 })}${JSON.stringify(cognito)}`;
    expect(findLeaks([printed], { password: ROBOT.password, mfa: MFA.totpSecret, secret: M2M_SECRET })).toEqual([]);
    expect(printed).not.toContain('PRIVATE');
  });
});

describe('startLocalSsm', () => {
  it('serves fromSsm: GetParameters with decryption, signed; an unsigned request is refused', async () => {
    const tokens = createTokenProvider({
      userPoolId: cognito.userPoolId,
      clientId: 'web-client',
      flow: 'user-srp',
      credentials: fromSsm({ parameter: '/svc/cognito', clientConfig: ssm.clientConfig }),
      clientConfig: cognito.clientConfig,
    });
    await expect(tokens.getIdToken()).resolves.toMatch(/^ey/);
    expect(ssm.requests.GetParameters).toBe(1);

    const unsigned = await fetch(ssm.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSSM.GetParameters', 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ Names: ['/svc/cognito'], WithDecryption: true }),
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.text()).not.toContain(ROBOT.password);
  });
});

describe('edges', () => {
  const post = (url: string, target: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1', ...headers },
      body,
    }).then(async (response) => ({
      status: response.status,
      type: response.headers.get('x-amzn-errortype'),
      json: JSON.parse((await response.text()) || '{}') as Record<string, unknown>,
    }));
  const signed = { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/ssm/aws4_request, x' };

  it('answers discovery, unknown paths, bad bodies and unknown operations as AWS does', async () => {
    const discovery = (await (await fetch(`${cognito.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery).toMatchObject({ issuer: cognito.issuer, jwks_uri: cognito.jwksUri });
    expect((await fetch(`${cognito.endpoint}/nowhere`)).status).toBe(404);

    const target = 'AWSCognitoIdentityProviderService.InitiateAuth';
    expect(await post(cognito.endpoint, target, '{not json')).toMatchObject({ type: 'SerializationException' });
    expect(await post(cognito.endpoint, target, '[1]')).toMatchObject({ type: 'SerializationException' });
    expect(await post(cognito.endpoint, 'AWSCognitoIdentityProviderService.SignUp', '{}')).toMatchObject({
      type: 'UnknownOperationException',
    });
    expect(await post(cognito.endpoint, 'AWSCognitoIdentityProviderService.GetClientToken', '{}')).toMatchObject({
      type: 'MissingAuthenticationTokenException',
    });
    cognito.fault({ operation: 'oauth2/token', kind: 'server-error' });
    expect((await fetch(cognito.tokenEndpoint, { method: 'POST' })).status).toBe(500);
    const basic = (secret: string) => `Basic ${Buffer.from(`m2m-client:${secret}`).toString('base64')}`;
    const grant = (body: string, secret = M2M_SECRET) =>
      fetch(cognito.tokenEndpoint, {
        method: 'POST',
        headers: { authorization: basic(secret), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }).then(async (response) => [response.status, ((await response.json()) as { error?: string }).error]);
    expect(await grant('grant_type=password')).toEqual([400, 'unsupported_grant_type']);
    expect(await grant('grant_type=client_credentials', 'wrong')).toEqual([401, 'invalid_client']);
    expect(await grant('grant_type=client_credentials&scope=orders%2Fread')).toEqual([200, undefined]);
  });

  it('refuses every malformed option by name', async () => {
    const refused = async (options: unknown) =>
      ((await startLocalCognito(options as never).catch((error: unknown) => error)) as Error).message.match(
        /^"([^"]+)"/,
      )?.[1];
    const client = { clientId: 'a' };
    expect(await refused(null)).toBe('options');
    expect(await refused({ clients: [client], tokenLifetimeSeconds: 0 })).toBe('tokenLifetimeSeconds');
    expect(await refused({ clients: [client], users: {} })).toBe('users');
    expect(await refused({ clients: [client], deviceTracking: { remember: 'never' } })).toBe('deviceTracking.remember');
    expect(await refused({ clients: [client], deviceTracking: { remembr: 'always' } })).toBe('deviceTracking.remembr');
    expect(await refused({ clients: [{ clientId: '' }] })).toBe('clients[].clientId');
    expect(await refused({ clients: [{ clientId: 'a', clientSecret: '' }] })).toBe('clients[].clientSecret');
    expect(await refused({ clients: [client, client] })).toBe('clients');
    expect(await refused({ clients: [client], users: [{ username: '', password: 'p' }] })).toBe('users[].username');
    expect(await refused({ clients: [client], users: [{ username: 'u', password: '' }] })).toBe('users[].password');
    expect(
      await refused({
        clients: [client],
        users: [
          { username: 'u', password: 'p' },
          { username: 'v', password: 'p', aliases: ['u'] },
        ],
      }),
    ).toBe('users');
    expect(() => cognito.fault({ operation: '*', kind: 'boom' as never })).toThrow(/fault.kind/);
    expect(() => cognito.fault({ operation: '*', kind: 'hang', times: 0 })).toThrow(/fault.times/);
    await expect(startLocalSsm({ region: 'nowhere' })).rejects.toThrow(/"region"/);
    await expect(startLocalSsm({ parameters: [{ name: '', value: 'v' }] })).rejects.toThrow(/"parameters\[\]"/);
  });

  it('the Parameter Store: GetParameter, SecureString without decryption, refusals, and put()', async () => {
    const local = await startLocalSsm({ parameters: [{ name: 'plain', value: 'v', type: 'String' }] });
    try {
      local.put({ name: '/secret', value: 'hidden-value' });
      const one = await post(local.endpoint, 'AmazonSSM.GetParameter', '{"Name":"plain"}', signed);
      expect(one.json).toMatchObject({ Parameter: { Name: 'plain', Value: 'v', Version: 1 } });
      const sealed = await post(local.endpoint, 'AmazonSSM.GetParameters', '{"Names":["/secret","nope"]}', signed);
      expect(JSON.stringify(sealed.json)).not.toContain('hidden-value');
      expect(sealed.json).toMatchObject({ InvalidParameters: ['nope'] });
      expect(await post(local.endpoint, 'AmazonSSM.GetParameter', '{"Name":"nope"}', signed)).toMatchObject({
        type: 'ParameterNotFound',
      });
      const eleven = JSON.stringify({ Names: Array.from({ length: 11 }, (_, i) => `p${i}`) });
      expect(await post(local.endpoint, 'AmazonSSM.GetParameters', eleven, signed)).toMatchObject({
        type: 'ValidationException',
      });
      expect(await post(local.endpoint, 'AmazonSSM.GetParameters', '{bad', signed)).toMatchObject({
        type: 'SerializationException',
      });
      expect(await post(local.endpoint, 'AmazonSSM.PutParameter', '{}', signed)).toMatchObject({
        type: 'UnknownOperationException',
      });
      expect(local.requests).toEqual({ GetParameters: 3, GetParameter: 2 });
    } finally {
      await local.stop();
    }
  });
});
