// What the local user pool refuses, and how: the Cognito error type a client of cognito-token-provider/testing
// sees for each wrong request, driven over HTTP as the SDK sends it (AWS JSON 1.1 bodies, x-amz-target). The
// server clock is frozen where a test depends on it, so no answer hangs on wall-clock speed.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSecretHash } from '../../src/index.js';
import { type LocalCognito, startLocalCognito } from '../../src/testing/index.js';
import { startUserPoolServer, type UserPoolServer } from '../../src/testing/local-cognito.js';
import { N } from '../../src/testing/srp-math.js';
import { modPow, passwordAuthenticationKey, srpTimestamp } from '../../src/user/srp.js';
import { totpCode } from '../../src/user/totp.js';

const PASSWORD = 'Corr3ct-Horse!';
const SECRET = 'client-secret-0123456789abcdef';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const SIGNED = { authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/cognito-idp/aws4_request, x' };
const FROZEN_AT = Date.UTC(2026, 0, 5, 12, 0, 10);

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly json: Record<string, unknown>;
}

async function call(
  endpoint: string,
  operation: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
      'content-type': 'application/x-amz-json-1.1',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('x-amzn-errortype'),
    json: JSON.parse((await response.text()) || '{}') as Record<string, unknown>,
  };
}

let cognito: LocalCognito;
const api = (operation: string, body: unknown, headers?: Record<string, string>) =>
  call(cognito.endpoint, operation, body, headers);
const passwordAuth = (clientId: string, parameters: Record<string, unknown>) =>
  api('InitiateAuth', { ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: parameters });
const refused = (type: string, message?: string | RegExp) =>
  expect.objectContaining({
    status: 400,
    type,
    ...(message === undefined ? {} : { json: expect.objectContaining({ message: expect.stringMatching(message) }) }),
  });

beforeAll(async () => {
  cognito = await startLocalCognito({
    users: [
      { username: 'robot', password: PASSWORD, aliases: ['robot@example.com'] },
      { username: 'other', password: 'Other-Passw0rd!' },
    ],
    clients: [
      { clientId: 'web-client' },
      {
        clientId: 'password-client',
        explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        userAuthChallenges: ['PASSWORD'],
      },
      {
        clientId: 'secret-client',
        clientSecret: SECRET,
        explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'],
      },
      { clientId: 'no-refresh-client', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] },
      {
        clientId: 'rotating-client',
        explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        refreshTokenRotation: {},
      },
      {
        clientId: 'm2m-client',
        clientSecret: SECRET,
        explicitAuthFlows: ['ALLOW_CLIENT_TOKEN_AUTH'],
        allowedOAuthFlows: ['client_credentials'],
        scopes: ['orders/read'],
      },
      { clientId: 'secret-no-m2m-client', clientSecret: SECRET, explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] },
      { clientId: 'public-m2m-client', explicitAuthFlows: ['ALLOW_CLIENT_TOKEN_AUTH'] },
      { clientId: 'token-api-only-client', clientSecret: SECRET, explicitAuthFlows: ['ALLOW_CLIENT_TOKEN_AUTH'] },
    ],
  });
});
afterAll(async () => {
  await cognito?.stop();
});

describe('malformed requests', () => {
  it('refuses a body that is not a JSON object, and an operation it does not implement', async () => {
    expect(await api('InitiateAuth', 'null')).toEqual(refused('SerializationException'));
    expect(await api('InitiateAuth', '"text"')).toEqual(refused('SerializationException'));
    // An empty body reads as {}: the missing client is what is wrong then.
    expect(await api('InitiateAuth', '')).toEqual(refused('ResourceNotFoundException', /client undefined/));
    expect(await api('AdminCreateUser', {})).toEqual(refused('UnknownOperationException', /AdminCreateUser/));
    const untargeted = await call(cognito.endpoint, '', {}, { 'x-amz-target': 'SomethingElse.InitiateAuth' });
    expect(untargeted).toEqual(refused('UnknownOperationException', /SomethingElse\.InitiateAuth/));
    const noTarget = await fetch(cognito.endpoint, { method: 'POST', body: '{}' });
    expect(noTarget.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await noTarget.json()).toMatchObject({ message: expect.stringContaining('that operation') });
  });

  it('refuses a method other than POST on the API, and unknown paths for GET', async () => {
    const put = await fetch(cognito.endpoint, {
      method: 'PUT',
      headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: '{}',
    });
    expect([put.status, put.headers.get('x-amzn-errortype')]).toEqual([400, 'UnknownOperationException']);
    const jwks = await fetch(cognito.jwksUri);
    expect(await jwks.json()).toEqual(cognito.jwks);
    expect((await fetch(`${cognito.endpoint}/eu-west-1_Other/.well-known/jwks.json`)).status).toBe(404);
  });

  it('refuses missing and empty parameters, naming them', async () => {
    expect(await passwordAuth('password-client', {})).toEqual(refused('InvalidParameterException', /USERNAME$/));
    expect(await passwordAuth('password-client', { USERNAME: 'robot', PASSWORD: '' })).toEqual(
      refused('InvalidParameterException', /PASSWORD$/),
    );
    expect(await api('InitiateAuth', { ClientId: 'web-client', AuthFlow: 'USER_SRP_AUTH' })).toEqual(
      refused('InvalidParameterException', /USERNAME$/),
    );
    expect(
      await api('InitiateAuth', {
        ClientId: 'web-client',
        AuthFlow: 'USER_SRP_AUTH',
        AuthParameters: { USERNAME: 'robot' },
      }),
    ).toEqual(refused('InvalidParameterException', /SRP_A$/));
  });

  it('refuses an SRP_A that is not hex, or is 0 mod N', async () => {
    const srp = (srpA: string) =>
      api('InitiateAuth', {
        ClientId: 'web-client',
        AuthFlow: 'USER_SRP_AUTH',
        AuthParameters: { USERNAME: 'robot', SRP_A: srpA },
      });
    const invalid = refused('InvalidParameterException', /SRP_A is not a valid/);
    expect(await srp('not-hex')).toEqual(invalid);
    expect(await srp('0')).toEqual(invalid);
    expect(await srp(N.toString(16))).toEqual(invalid);
    expect(await srp((2n * N).toString(16))).toEqual(invalid);
  });
});

describe('clients, users and passwords', () => {
  it('refuses an unknown client, a flow the client does not allow, and an unknown flow', async () => {
    expect(await passwordAuth('nobody', { USERNAME: 'robot', PASSWORD })).toEqual(
      refused('ResourceNotFoundException', 'User pool client nobody does not exist.'),
    );
    expect(await passwordAuth('web-client', { USERNAME: 'robot', PASSWORD })).toEqual(
      refused('InvalidParameterException', 'USER_PASSWORD_AUTH flow not enabled for this client'),
    );
    expect(await api('InitiateAuth', { ClientId: 'web-client', AuthFlow: 'MAGIC_LINK' })).toEqual(
      refused('InvalidParameterException', 'MAGIC_LINK flow not enabled for this client'),
    );
    expect(await api('InitiateAuth', { ClientId: 'web-client' })).toEqual(
      refused('InvalidParameterException', /^ flow not enabled/),
    );
  });

  it('refuses an unknown user and a wrong password, with the messages Cognito gives', async () => {
    expect(await passwordAuth('password-client', { USERNAME: 'ghost', PASSWORD })).toEqual(
      refused('UserNotFoundException', 'User does not exist.'),
    );
    expect(await passwordAuth('password-client', { USERNAME: 'robot', PASSWORD: `${PASSWORD}x` })).toEqual(
      refused('NotAuthorizedException', 'Incorrect username or password.'),
    );
    expect(await passwordAuth('password-client', { USERNAME: 'robot', PASSWORD: 'short' })).toEqual(
      refused('NotAuthorizedException', 'Incorrect username or password.'),
    );
    // An alias signs in as the user it names.
    const byAlias = await passwordAuth('password-client', { USERNAME: 'robot@example.com', PASSWORD });
    expect(byAlias.status).toBe(200);
  });

  it('SECRET_HASH: refuses it missing or wrong, and over the alias accepts the hash of the name as typed', async () => {
    expect(await passwordAuth('secret-client', { USERNAME: 'robot', PASSWORD })).toEqual(
      refused('NotAuthorizedException', 'Client secret-client is configured for secret but secret was not received'),
    );
    const wrong = computeSecretHash('robot', 'secret-client', `${SECRET}x`);
    expect(await passwordAuth('secret-client', { USERNAME: 'robot', PASSWORD, SECRET_HASH: wrong })).toEqual(
      refused('NotAuthorizedException', 'Unable to verify secret hash for client secret-client'),
    );
    const overUsername = computeSecretHash('robot', 'secret-client', SECRET);
    expect(
      await passwordAuth('secret-client', { USERNAME: 'robot@example.com', PASSWORD, SECRET_HASH: overUsername }),
    ).toEqual(refused('NotAuthorizedException', /secret hash/));
    const overAlias = computeSecretHash('robot@example.com', 'secret-client', SECRET);
    const signedIn = await passwordAuth('secret-client', {
      USERNAME: 'robot@example.com',
      PASSWORD,
      SECRET_HASH: overAlias,
    });
    expect(signedIn.status).toBe(200);
    expect(JSON.stringify(signedIn)).not.toContain(SECRET);
  });
});

describe('USER_AUTH', () => {
  const userAuth = (parameters: Record<string, unknown>) =>
    api('InitiateAuth', { ClientId: 'password-client', AuthFlow: 'USER_AUTH', AuthParameters: parameters });

  it('offers only the challenges the client allows, and refuses any other answer', async () => {
    const offered = await userAuth({ USERNAME: 'robot', PREFERRED_CHALLENGE: 'PASSWORD_SRP' });
    expect(offered.json).toMatchObject({ ChallengeName: 'SELECT_CHALLENGE', AvailableChallenges: ['PASSWORD'] });
    const answer = (responses: Record<string, unknown>) =>
      api('RespondToAuthChallenge', {
        ClientId: 'password-client',
        ChallengeName: 'SELECT_CHALLENGE',
        Session: offered.json.Session,
        ChallengeResponses: { USERNAME: 'robot', ...responses },
      });
    expect(await answer({ ANSWER: 'PASSWORD_SRP', SRP_A: 'ab' })).toEqual(
      refused('InvalidParameterException', 'ANSWER PASSWORD_SRP is not an available challenge'),
    );
    // The session was spent by the refused answer.
    expect(await answer({ ANSWER: 'PASSWORD', PASSWORD })).toEqual(
      refused('NotAuthorizedException', 'Invalid session for the user.'),
    );
  });

  it('with PREFERRED_CHALLENGE PASSWORD signs in at once, and checks the password', async () => {
    expect((await userAuth({ USERNAME: 'robot', PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD })).json).toHaveProperty(
      'AuthenticationResult.AccessToken',
    );
    expect(await userAuth({ USERNAME: 'robot', PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD: 'nope' })).toEqual(
      refused('NotAuthorizedException', 'Incorrect username or password.'),
    );
  });

  it('refuses the answer of another user, and a session answered as another challenge or by another client', async () => {
    const start = async () => (await userAuth({ USERNAME: 'robot' })).json.Session;
    const respond = async (body: Record<string, unknown>) =>
      api('RespondToAuthChallenge', {
        ClientId: 'password-client',
        ChallengeName: 'SELECT_CHALLENGE',
        Session: await start(),
        ...body,
      });
    expect(await respond({ ChallengeResponses: { USERNAME: 'other', ANSWER: 'PASSWORD', PASSWORD } })).toEqual(
      refused('NotAuthorizedException', 'Incorrect username or password.'),
    );
    expect(await respond({ ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: { USERNAME: 'robot' } })).toEqual(
      refused('NotAuthorizedException', 'Invalid session for the user.'),
    );
    expect(await respond({ ClientId: 'web-client', ChallengeResponses: { USERNAME: 'robot' } })).toEqual(
      refused('NotAuthorizedException', 'Invalid session for the user.'),
    );
    expect(await respond({ ChallengeResponses: { USERNAME: 'ghost' } })).toEqual(refused('UserNotFoundException'));
    expect(await respond({ ChallengeResponses: { USERNAME: 'robot' } })).toEqual(
      refused('InvalidParameterException', /ANSWER$/),
    );
    expect(
      await api('RespondToAuthChallenge', {
        ClientId: 'password-client',
        ChallengeName: 'SELECT_CHALLENGE',
        ChallengeResponses: { USERNAME: 'robot' },
      }),
    ).toEqual(refused('NotAuthorizedException', 'Invalid session for the user.'));
  });

  it('refuses a session used after its 3 minutes, on the server clock', async () => {
    const { Session } = (await userAuth({ USERNAME: 'robot' })).json;
    cognito.advance(3 * 60_000 + 1_000);
    expect(
      await api('RespondToAuthChallenge', {
        ClientId: 'password-client',
        ChallengeName: 'SELECT_CHALLENGE',
        Session,
        ChallengeResponses: { USERNAME: 'robot', ANSWER: 'PASSWORD', PASSWORD },
      }),
    ).toEqual(refused('NotAuthorizedException', 'Invalid session for the user, session is expired.'));
  });
});

describe('PASSWORD_VERIFIER answers, on a frozen clock far from the real one', () => {
  // 2 minutes before midnight on 30 April: "Apr 31 00:00:00" would be near the server clock but is no date.
  const FROZEN = Date.UTC(2099, 3, 30, 23, 58, 0);
  let server: UserPoolServer;
  // The client side of the SRP math (src/user/srp.ts), with a fixed secret a instead of a random draw.
  const a = BigInt(`0x${Buffer.alloc(128, 7).toString('hex')}`);
  const largeA = modPow(2n, a);

  beforeAll(async () => {
    server = await startUserPoolServer({
      userPoolId: 'eu-west-1_Srp1',
      tokenLifetimeSeconds: 300,
      clients: [{ clientId: 'c', explicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] }],
      users: [{ username: 'robot', password: PASSWORD }],
    });
    server.setNow(FROZEN);
  });
  afterAll(async () => {
    await server?.handle.stop();
  });

  /** Answers a fresh challenge with a claim signed over `timestamp`, with one part changed by `change`. */
  const answer = async (
    timestamp: string,
    change: { password?: string; block?: string; signature?: string } = {},
  ): Promise<Answer> => {
    const challenge = await call(server.handle.endpoint, 'InitiateAuth', {
      ClientId: 'c',
      AuthFlow: 'USER_SRP_AUTH',
      AuthParameters: { USERNAME: 'robot', SRP_A: largeA.toString(16) },
    });
    const parameters = challenge.json.ChallengeParameters as { SALT: string; SRP_B: string; SECRET_BLOCK: string };
    const block = change.block ?? parameters.SECRET_BLOCK;
    const key = passwordAuthenticationKey({
      a,
      largeA,
      largeB: BigInt(`0x${parameters.SRP_B}`),
      salt: BigInt(`0x${parameters.SALT}`),
      poolName: 'Srp1',
      userIdForSrp: 'robot',
      password: change.password ?? PASSWORD,
    });
    const signature = createHmac('sha256', key)
      .update(Buffer.concat([Buffer.from('Srp1robot'), Buffer.from(block, 'base64'), Buffer.from(timestamp)]))
      .digest('base64');
    return call(server.handle.endpoint, 'RespondToAuthChallenge', {
      ClientId: 'c',
      ChallengeName: 'PASSWORD_VERIFIER',
      Session: challenge.json.Session,
      ChallengeResponses: {
        USERNAME: 'robot',
        PASSWORD_CLAIM_SECRET_BLOCK: block,
        TIMESTAMP: timestamp,
        PASSWORD_CLAIM_SIGNATURE: change.signature ?? signature,
      },
    });
  };
  const at = (offsetMs: number) => srpTimestamp(new Date(FROZEN + offsetMs));
  const wrongPassword = refused('NotAuthorizedException', 'Incorrect username or password.');

  it('accepts a claim signed with the password at a time within 5 minutes of the server clock', async () => {
    expect((await answer(at(0))).json).toHaveProperty('AuthenticationResult.AccessToken');
    expect((await answer(at(-4 * 60_000))).status).toBe(200);
  });

  it('refuses a wrong password, a foreign secret block, a garbled signature, and a missing part', async () => {
    expect(await answer(at(0), { password: `${PASSWORD}x` })).toEqual(wrongPassword);
    expect(await answer(at(0), { block: Buffer.from('another block').toString('base64') })).toEqual(wrongPassword);
    expect(await answer(at(0), { signature: Buffer.alloc(32).toString('base64') })).toEqual(wrongPassword);
    expect(await answer('')).toEqual(refused('InvalidParameterException', /TIMESTAMP$/));
  });

  it('refuses a correctly signed TIMESTAMP that is malformed, no date, on the wrong weekday or too far', async () => {
    expect(await answer(new Date(FROZEN).toISOString())).toEqual(wrongPassword);
    // Zero-padded day, as a client formatting with %d would send it.
    expect(await answer(at(0).replace(' 30 ', ' 030 '))).toEqual(wrongPassword);
    const mayFirst = srpTimestamp(new Date(Date.UTC(2099, 4, 1, 0, 0, 0)));
    expect((await answer(mayFirst)).status).toBe(200);
    expect(await answer(mayFirst.replace('May 1', 'Apr 31'))).toEqual(wrongPassword);
    const weekday = at(0).slice(0, 3);
    expect(await answer(`${weekday === 'Mon' ? 'Tue' : 'Mon'}${at(0).slice(3)}`)).toEqual(wrongPassword);
    expect(await answer(at(6 * 60_000))).toEqual(wrongPassword);
    expect(await answer(at(-6 * 60_000))).toEqual(wrongPassword);
  });
});

describe('refresh tokens', () => {
  const signIn = async (clientId: string) =>
    (
      (await passwordAuth(clientId, { USERNAME: 'robot', PASSWORD })).json.AuthenticationResult as {
        RefreshToken: string;
      }
    ).RefreshToken;
  const refreshAuth = (clientId: string, parameters: Record<string, unknown>) =>
    api('InitiateAuth', { ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: parameters });

  it('REFRESH_TOKEN_AUTH refuses an unknown token, one of another client, and a missing SECRET_HASH', async () => {
    const token = await signIn('password-client');
    expect(await refreshAuth('password-client', { REFRESH_TOKEN: 'forged' })).toEqual(
      refused('NotAuthorizedException', 'Invalid Refresh Token'),
    );
    expect(await refreshAuth('rotating-client', { REFRESH_TOKEN: token })).toEqual(
      refused('InvalidParameterException', /rotation is enabled/),
    );
    expect(await refreshAuth('secret-client', { REFRESH_TOKEN: token })).toEqual(
      refused('NotAuthorizedException', 'Invalid Refresh Token'),
    );
    const hash = computeSecretHash('robot', 'secret-client', SECRET);
    const secretToken = (
      (await passwordAuth('secret-client', { USERNAME: 'robot', PASSWORD, SECRET_HASH: hash })).json
        .AuthenticationResult as { RefreshToken: string }
    ).RefreshToken;
    expect(await refreshAuth('secret-client', { REFRESH_TOKEN: secretToken })).toEqual(
      refused('NotAuthorizedException', /secret was not received/),
    );
    expect((await refreshAuth('secret-client', { REFRESH_TOKEN: secretToken, SECRET_HASH: hash })).status).toBe(200);
    expect((await refreshAuth('password-client', { REFRESH_TOKEN: token })).json).toHaveProperty(
      'AuthenticationResult.IdToken',
    );
  });

  it('GetTokensFromRefreshToken: needs the refresh flow, the raw client secret, and a token not yet rotated', async () => {
    expect(await api('GetTokensFromRefreshToken', { ClientId: 'no-refresh-client', RefreshToken: 'x' })).toEqual(
      refused('InvalidParameterException', 'REFRESH_TOKEN_AUTH flow not enabled for this client'),
    );
    expect(await api('GetTokensFromRefreshToken', { ClientId: 'password-client' })).toEqual(
      refused('InvalidParameterException', /RefreshToken$/),
    );

    const hash = computeSecretHash('robot', 'secret-client', SECRET);
    const secretToken = (
      (await passwordAuth('secret-client', { USERNAME: 'robot', PASSWORD, SECRET_HASH: hash })).json
        .AuthenticationResult as { RefreshToken: string }
    ).RefreshToken;
    const renew = (extra: Record<string, unknown>) =>
      api('GetTokensFromRefreshToken', { ClientId: 'secret-client', RefreshToken: secretToken, ...extra });
    expect(await renew({})).toEqual(refused('NotAuthorizedException', /secret was not received/));
    expect(await renew({ ClientSecret: `${SECRET}x` })).toEqual(
      refused('NotAuthorizedException', 'Unable to verify secret for client secret-client'),
    );
    const renewed = await renew({ ClientSecret: SECRET });
    expect(renewed.status).toBe(200);
    // Without rotation, the same refresh token keeps working and no new one is handed out.
    expect(renewed.json).not.toHaveProperty('AuthenticationResult.RefreshToken');

    const rotating = await signIn('rotating-client');
    const first = await api('GetTokensFromRefreshToken', { ClientId: 'rotating-client', RefreshToken: rotating });
    expect(first.json).toHaveProperty('AuthenticationResult.RefreshToken');
    expect(await api('GetTokensFromRefreshToken', { ClientId: 'rotating-client', RefreshToken: rotating })).toEqual(
      refused('RefreshTokenReuseException', 'Refresh token has already been used'),
    );
  });
});

describe('refresh token rotation on a frozen clock', () => {
  let server: UserPoolServer;
  const flows = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

  beforeAll(async () => {
    server = await startUserPoolServer({
      userPoolId: 'eu-west-1_Rotate1',
      tokenLifetimeSeconds: 300,
      clients: [
        { clientId: 'no-grace', explicitAuthFlows: flows, refreshTokenRotation: {} },
        { clientId: 'grace', explicitAuthFlows: flows, refreshTokenRotation: { retryGracePeriodSeconds: 10 } },
      ],
      users: [{ username: 'robot', password: PASSWORD }],
    });
    server.setNow(FROZEN_AT);
  });
  afterAll(async () => {
    await server?.handle.stop();
  });

  const signIn = async (clientId: string) =>
    (
      (
        await call(server.handle.endpoint, 'InitiateAuth', {
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: 'robot', PASSWORD },
        })
      ).json.AuthenticationResult as { RefreshToken: string }
    ).RefreshToken;
  const renew = (clientId: string, refreshToken: string) =>
    call(server.handle.endpoint, 'GetTokensFromRefreshToken', { ClientId: clientId, RefreshToken: refreshToken });
  const reused = refused('RefreshTokenReuseException', 'Refresh token has already been used');

  it('without a grace period, refuses the replaced token at the very instant it was replaced', async () => {
    const token = await signIn('no-grace');
    const replaced = await renew('no-grace', token);
    expect(replaced.json).toHaveProperty('AuthenticationResult.RefreshToken');
    expect(await renew('no-grace', token)).toEqual(reused);
    // The new token works, once.
    const next = (replaced.json.AuthenticationResult as { RefreshToken: string }).RefreshToken;
    expect((await renew('no-grace', next)).status).toBe(200);
  });

  it('with retryGracePeriodSeconds, the replaced token works until the period ends, counted from the first use', async () => {
    const token = await signIn('grace');
    expect((await renew('grace', token)).status).toBe(200);
    server.handle.advance(9_999);
    expect((await renew('grace', token)).status).toBe(200);
    server.handle.advance(1);
    expect(await renew('grace', token)).toEqual(reused);
  });
});

describe('admin operations', () => {
  const adminAuth = (body: Record<string, unknown>, headers: Record<string, string> = SIGNED) =>
    api(
      'AdminInitiateAuth',
      {
        UserPoolId: cognito.userPoolId,
        ClientId: 'secret-client',
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: {
          USERNAME: 'robot',
          PASSWORD,
          SECRET_HASH: computeSecretHash('robot', 'secret-client', SECRET),
        },
        ...body,
      },
      headers,
    );

  it('refuses an unsigned request, another pool, a flow the client lacks, and a wrong password', async () => {
    expect(await adminAuth({}, {})).toEqual(refused('MissingAuthenticationTokenException'));
    expect(await adminAuth({ UserPoolId: 'eu-west-1_Other' })).toEqual(
      refused('ResourceNotFoundException', 'User pool eu-west-1_Other does not exist.'),
    );
    expect(await adminAuth({ ClientId: 'password-client' })).toEqual(
      refused('InvalidParameterException', 'Auth flow not enabled for this client'),
    );
    expect(await adminAuth({ AuthFlow: 'USER_PASSWORD_AUTH' })).toEqual(
      refused('InvalidParameterException', 'Auth flow not enabled for this client'),
    );
    expect(await adminAuth({ AuthParameters: { USERNAME: 'robot', PASSWORD: 'nope', SECRET_HASH: 'x' } })).toEqual(
      refused('NotAuthorizedException', /secret hash/),
    );
    expect(
      await adminAuth({
        AuthParameters: {
          USERNAME: 'robot',
          PASSWORD: 'nope',
          SECRET_HASH: computeSecretHash('robot', 'secret-client', SECRET),
        },
      }),
    ).toEqual(refused('NotAuthorizedException', 'Incorrect username or password.'));
  });

  it('renews with REFRESH_TOKEN_AUTH, and AdminRespondToAuthChallenge checks the signature and the pool', async () => {
    const signedIn = (await adminAuth({})).json.AuthenticationResult as { RefreshToken: string };
    const renewed = await adminAuth({
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: {
        REFRESH_TOKEN: signedIn.RefreshToken,
        SECRET_HASH: computeSecretHash('robot', 'secret-client', SECRET),
      },
    });
    expect(renewed.json).toHaveProperty('AuthenticationResult.AccessToken');
    expect(await api('AdminRespondToAuthChallenge', { UserPoolId: cognito.userPoolId })).toEqual(
      refused('MissingAuthenticationTokenException'),
    );
    expect(await api('AdminRespondToAuthChallenge', { UserPoolId: 'eu-west-1_Other' }, SIGNED)).toEqual(
      refused('ResourceNotFoundException'),
    );
    expect(
      await api(
        'AdminRespondToAuthChallenge',
        { UserPoolId: cognito.userPoolId, ClientId: 'secret-client', ChallengeName: 'SOFTWARE_TOKEN_MFA' },
        SIGNED,
      ),
    ).toEqual(refused('NotAuthorizedException', 'Invalid session for the user.'));
  });
});

describe('machine-to-machine', () => {
  const clientToken = (body: Record<string, unknown>) =>
    api('GetClientToken', { ClientId: 'm2m-client', Secret: SECRET, ...body }, SIGNED);

  it('GetClientToken refuses a wrong or missing secret, a client without one or without the flow, unknown scopes', async () => {
    const unverified = (clientId: string) =>
      refused('NotAuthorizedException', `Unable to verify secret for client ${clientId}`);
    expect(await clientToken({ Secret: 'wrong' })).toEqual(unverified('m2m-client'));
    expect(await clientToken({ Secret: undefined })).toEqual(unverified('m2m-client'));
    expect(await clientToken({ ClientId: 'public-m2m-client' })).toEqual(unverified('public-m2m-client'));
    expect(await clientToken({ ClientId: 'secret-no-m2m-client' })).toEqual(
      refused('InvalidParameterException', 'CLIENT_TOKEN_AUTH flow not enabled for this client'),
    );
    expect(await clientToken({ ClientId: 'nobody' })).toEqual(refused('ResourceNotFoundException'));
    expect(await clientToken({ Scopes: ['orders/read', 'orders/delete'] })).toEqual(
      refused('InvalidParameterException', 'Invalid scope requested'),
    );
    const granted = await clientToken({ Scopes: ['orders/read'] });
    expect(granted.json).toMatchObject({ ClientAuthenticationResult: { TokenType: 'Bearer' } });
    // A client with no scopes configured is granted none when it asks for none.
    const bare = await clientToken({ ClientId: 'token-api-only-client' });
    const token = (bare.json.ClientAuthenticationResult as { AccessToken: string }).AccessToken;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ client_id: 'token-api-only-client', scope: '', token_use: 'access' });
  });

  it('POST /oauth2/token refuses bad Basic auth, the wrong grant, a client without the flow, unknown scopes', async () => {
    const grant = async (authorization: string | undefined, body: string) => {
      const response = await fetch(cognito.tokenEndpoint, {
        method: 'POST',
        headers: {
          ...(authorization === undefined ? {} : { authorization }),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      const json = (await response.json()) as { error?: string };
      return [response.status, json.error, response.headers.get('cache-control')];
    };
    const basic = (credential: string) => `Basic ${Buffer.from(credential).toString('base64')}`;
    const ok = 'grant_type=client_credentials';
    expect(await grant(undefined, ok)).toEqual([401, 'invalid_client', 'no-store']);
    expect(await grant('Bearer abc', ok)).toEqual([401, 'invalid_client', 'no-store']);
    expect(await grant(basic('m2m-client'), ok)).toEqual([401, 'invalid_client', 'no-store']);
    expect(await grant(basic(`nobody:${SECRET}`), ok)).toEqual([401, 'invalid_client', 'no-store']);
    expect(await grant(basic(`public-m2m-client:${SECRET}`), ok)).toEqual([401, 'invalid_client', 'no-store']);
    // RFC 6749 form-encodes both halves; a malformed escape is taken as written, and so does not match.
    expect(await grant(basic(`m2m-client:%E0%A4%A${SECRET}`), ok)).toEqual([401, 'invalid_client', 'no-store']);
    expect(await grant(basic(`m2m%2Dclient:${encodeURIComponent(SECRET)}`), ok)).toEqual([200, undefined, 'no-store']);
    expect(await grant(basic(`m2m-client:${SECRET}`), '')).toEqual([400, 'unsupported_grant_type', 'no-store']);
    expect(await grant(basic(`token-api-only-client:${SECRET}`), ok)).toEqual([400, 'unauthorized_client', 'no-store']);
    expect(await grant(basic(`m2m-client:${SECRET}`), `${ok}&scope=orders%2Fread+orders%2Fdelete`)).toEqual([
      400,
      'invalid_scope',
      'no-store',
    ]);
    expect(await grant(basic(`m2m-client:${SECRET}`), `${ok}&scope=+orders%2Fread+`)).toEqual([
      200,
      undefined,
      'no-store',
    ]);
  });
});

describe('faults', () => {
  it('hit the named operation only, for `times` requests, in the order queued, and are counted', async () => {
    const before = cognito.requests;
    cognito.fault({ operation: 'GetTokensFromRefreshToken', kind: 'server-error', times: 2 });
    cognito.fault({ operation: '*', kind: 'throttle' });
    const ask = () => api('GetTokensFromRefreshToken', { ClientId: 'password-client', RefreshToken: 'forged' });
    // '*' was queued after, so another operation meets it first.
    expect(await passwordAuth('nobody', {})).toEqual(refused('TooManyRequestsException', 'Rate exceeded'));
    expect(await ask()).toMatchObject({ status: 500, type: 'InternalErrorException' });
    expect(await ask()).toMatchObject({ status: 500, type: 'InternalErrorException' });
    expect(await ask()).toEqual(refused('NotAuthorizedException', 'Invalid Refresh Token'));
    const after = cognito.requests;
    expect(after.GetTokensFromRefreshToken - before.GetTokensFromRefreshToken).toBe(3);
    expect(after.InitiateAuth - before.InitiateAuth).toBe(1);
  });

  it('on /oauth2/token: throttle answers HTTP 429, and the count includes faulted requests', async () => {
    const before = cognito.requests['oauth2/token'];
    cognito.fault({ operation: 'oauth2/token', kind: 'throttle' });
    const response = await fetch(cognito.tokenEndpoint, { method: 'POST', body: 'grant_type=client_credentials' });
    expect([response.status, await response.json()]).toEqual([429, { error: 'too_many_requests' }]);
    expect(cognito.requests['oauth2/token'] - before).toBe(1);
  });

  it('refuses a fault that is not an object, names an unknown operation, or has a fractional count', () => {
    expect(() => cognito.fault(undefined as never)).toThrow(/"fault.kind"/);
    expect(() => cognito.fault({ operation: 'SignUp' as never, kind: 'throttle' })).toThrow(/"fault.operation"/);
    expect(() => cognito.fault({ operation: '*', kind: 'throttle', times: 1.5 })).toThrow(/"fault.times"/);
  });
});

describe('the clock and the lifecycle', () => {
  it('advance() moves now() by exactly its argument, and refuses negative, infinite and non-numbers', () => {
    const before = cognito.now();
    cognito.advance(0);
    expect(() => cognito.advance(-1)).toThrow(/"advance\(ms\)"/);
    expect(() => cognito.advance(Number.POSITIVE_INFINITY)).toThrow(/"advance\(ms\)"/);
    expect(() => cognito.advance(Number.NaN)).toThrow(/"advance\(ms\)"/);
    expect(() => cognito.advance('5' as never)).toThrow(/"advance\(ms\)"/);
    cognito.advance(86_400_000);
    expect(cognito.now() - before).toBeGreaterThanOrEqual(86_400_000);
  });

  it('stop() twice resolves both times with the same promise, and the server no longer answers', async () => {
    const local = await startLocalCognito({ clients: [{ clientId: 'c' }], userPoolId: 'us-east-1_Stop1' });
    expect(local.region).toBe('us-east-1');
    const first = local.stop();
    expect(local.stop()).toBe(first);
    await first;
    await expect(fetch(local.jwksUri)).rejects.toThrow();
  });
});

describe('options', () => {
  it('refuses a totpSecret that is not base32 without quoting it, and an unknown flow, cut short', async () => {
    const failure = await startLocalCognito({
      clients: [{ clientId: 'c' }],
      users: [{ username: 'u', password: 'p', totpSecret: 'not-base32-secret!' }],
    }).catch((error: unknown) => error as Error);
    expect(failure).toMatchObject({ code: 'ERR_CONFIGURATION', message: expect.stringContaining('"users"') });
    expect(JSON.stringify(failure) + String((failure as Error).message)).not.toContain('not-base32-secret!');
    const longFlow = `ALLOW_${'X'.repeat(100)}`;
    const flows = await startLocalCognito({
      clients: [{ clientId: 'c', explicitAuthFlows: [longFlow as never] }],
    }).catch((error: unknown) => error as Error);
    expect((flows as Error).message).toMatch(/"clients\[\]\.explicitAuthFlows"/);
    expect((flows as Error).message).not.toContain(longFlow);
    await expect(startLocalCognito({ clients: [] })).rejects.toThrow(/"clients"/);
    await expect(startLocalCognito({ clients: [{ clientId: 'c' }], userPoolId: 'Local1' })).rejects.toThrow(
      /"userPoolId"/,
    );
    await expect(startLocalCognito({ clients: [{ clientId: 'c' }], unknownOption: 1 } as never)).rejects.toThrow(
      /unknownOption/,
    );
  });
});

describe('TOTP on a frozen clock', () => {
  let server: UserPoolServer;
  const mfaCognito = () => server.handle;

  beforeAll(async () => {
    server = await startUserPoolServer({
      userPoolId: 'eu-west-1_Totp1',
      tokenLifetimeSeconds: 300,
      clients: [{ clientId: 'c', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }],
      users: [
        { username: 'ops', password: PASSWORD, totpSecret: TOTP_SECRET, mfa: 'SOFTWARE_TOKEN_MFA' },
        // MFA asked for, but no secret to check a code against: every code is refused.
        { username: 'lost', password: PASSWORD, mfa: 'SOFTWARE_TOKEN_MFA' },
      ],
    });
    server.setNow(FROZEN_AT);
  });
  afterAll(async () => {
    await server?.handle.stop();
  });

  const challenge = async (username = 'ops') =>
    (
      await call(mfaCognito().endpoint, 'InitiateAuth', {
        ClientId: 'c',
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD },
      })
    ).json.Session as string;
  const answer = (session: string, code: string, username = 'ops') =>
    call(mfaCognito().endpoint, 'RespondToAuthChallenge', {
      ClientId: 'c',
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: session,
      ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code },
    });
  const step = () => Math.floor(mfaCognito().now() / 30_000);

  it('accepts a code of the current step once; the same step again is CodeMismatchException', async () => {
    const code = totpCode(TOTP_SECRET, step());
    expect((await answer(await challenge(), code)).json).toHaveProperty('AuthenticationResult.AccessToken');
    expect(await answer(await challenge(), code)).toEqual(refused('CodeMismatchException'));
    // The next step's code (within the one-step window) is still good.
    expect((await answer(await challenge(), totpCode(TOTP_SECRET, step() + 1))).status).toBe(200);
  });

  it('lets a wrong code be retried twice on the same session, then ends it', async () => {
    mfaCognito().advance(5 * 60_000);
    const session = await challenge();
    expect(await answer(session, '000000')).toEqual(refused('CodeMismatchException'));
    expect(await answer(session, '000001')).toEqual(refused('CodeMismatchException'));
    expect(await answer(session, '000002')).toEqual(refused('CodeMismatchException'));
    expect(await answer(session, totpCode(TOTP_SECRET, step()))).toEqual(
      refused('NotAuthorizedException', 'Invalid session for the user.'),
    );
  });

  it('refuses a code two steps away, a missing code, and any code of a user with no secret', async () => {
    mfaCognito().advance(5 * 60_000);
    expect(await answer(await challenge(), totpCode(TOTP_SECRET, step() + 2))).toEqual(
      refused('CodeMismatchException'),
    );
    expect(await answer(await challenge(), '')).toEqual(refused('InvalidParameterException', /MFA_CODE$/));
    expect(await answer(await challenge('lost'), '123456', 'lost')).toEqual(
      refused('CodeMismatchException', 'Invalid code received for user'),
    );
  });
});

describe('device tracking refusals', () => {
  let tracked: LocalCognito;
  const deviceApi = (operation: string, body: unknown) => call(tracked.endpoint, operation, body);
  const signIn = async (deviceKey?: string) =>
    (
      await deviceApi('InitiateAuth', {
        ClientId: 'c',
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'robot', PASSWORD, ...(deviceKey === undefined ? {} : { DEVICE_KEY: deviceKey }) },
      })
    ).json;
  // Any salt and verifier that are valid SRP values: the tests below stop before the device proves itself.
  const verifierConfig = { Salt: Buffer.from('salt').toString('base64'), PasswordVerifier: 'AQID' };
  /** A sign-in that names no device, so the pool registers a new one: its access token and the device's key. */
  const signInWithNewDevice = async () => {
    const result = (await signIn()).AuthenticationResult as {
      AccessToken: string;
      NewDeviceMetadata: { DeviceKey: string };
    };
    return { accessToken: result.AccessToken, key: result.NewDeviceMetadata.DeviceKey };
  };
  const confirmDevice = (accessToken: string, key: string) =>
    deviceApi('ConfirmDevice', {
      AccessToken: accessToken,
      DeviceKey: key,
      DeviceSecretVerifierConfig: verifierConfig,
    });

  beforeAll(async () => {
    tracked = await startLocalCognito({
      userPoolId: 'eu-west-1_Devices1',
      users: [{ username: 'robot', password: PASSWORD }],
      clients: [{ clientId: 'c', explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
      deviceTracking: { remember: 'always' },
      tokenLifetimeSeconds: 60,
    });
  });
  afterAll(async () => {
    await tracked?.stop();
  });

  it('ConfirmDevice refuses an unknown device and a verifier config that is not an SRP verifier', async () => {
    const { accessToken, key } = await signInWithNewDevice();
    const confirm = (DeviceKey: string, config: Record<string, unknown>) =>
      deviceApi('ConfirmDevice', { AccessToken: accessToken, DeviceKey, DeviceSecretVerifierConfig: config });
    expect(await confirm('eu-west-1_nope', verifierConfig)).toEqual(
      refused('ResourceNotFoundException', 'Device does not exist.'),
    );
    const notVerifier = refused('InvalidParameterException', /not a valid SRP verifier/);
    expect(await confirm(key, { ...verifierConfig, Salt: 'A' })).toEqual(notVerifier);
    expect(await confirm(key, { ...verifierConfig, Salt: 42 })).toEqual(notVerifier);
    expect(await confirm(key, { ...verifierConfig, PasswordVerifier: 'not base64!' })).toEqual(notVerifier);
    expect(
      await confirm(key, { ...verifierConfig, PasswordVerifier: Buffer.from('00', 'hex').toString('base64') }),
    ).toEqual(notVerifier);
    expect(await deviceApi('ConfirmDevice', { AccessToken: 'forged', DeviceKey: key })).toEqual(
      refused('NotAuthorizedException', 'Invalid Access Token'),
    );
  });

  it('UpdateDeviceStatus and ListDevices: unconfirmed devices, bad statuses, and an expired access token', async () => {
    const { accessToken, key } = await signInWithNewDevice();
    const update = (status: unknown, DeviceKey = key) =>
      deviceApi('UpdateDeviceStatus', { AccessToken: accessToken, DeviceKey, DeviceRememberedStatus: status });
    expect(await update('remembered')).toEqual(refused('ResourceNotFoundException', 'Device does not exist.'));
    expect(await update('remembered', 'eu-west-1_nope')).toEqual(refused('ResourceNotFoundException'));
    await confirmDevice(accessToken, key);
    expect(await update('forgotten')).toEqual(refused('InvalidParameterException', /DeviceRememberedStatus/));
    expect((await update('not_remembered')).status).toBe(200);
    // A sign-in that names no device registers another one, unconfirmed.
    await signIn();
    const listed = await deviceApi('ListDevices', { AccessToken: accessToken, Limit: 10 });
    const statuses = (listed.json.Devices as { DeviceKey: string; DeviceAttributes: { Value: string }[] }[]).map(
      (device) => [device.DeviceKey === key, device.DeviceAttributes.map((attribute) => attribute.Value).join(' ')],
    );
    expect(statuses).toContainEqual([true, 'valid not_remembered']);
    expect(statuses).toContainEqual([false, 'unconfirmed not_remembered']);
    tracked.advance(61_000);
    expect(await deviceApi('ListDevices', { AccessToken: accessToken })).toEqual(
      refused('NotAuthorizedException', 'Access Token has expired'),
    );
  });

  it('a remembered device must name its own key at each device step, with a valid SRP_A', async () => {
    const { accessToken, key } = await signInWithNewDevice();
    await confirmDevice(accessToken, key);
    const deviceChallenge = async () => {
      const answer = await signIn(key);
      expect(answer.ChallengeName).toBe('DEVICE_SRP_AUTH');
      return answer.Session;
    };
    const respond = async (ChallengeName: string, Session: unknown, responses: Record<string, unknown>) =>
      deviceApi('RespondToAuthChallenge', {
        ClientId: 'c',
        ChallengeName,
        Session,
        ChallengeResponses: { USERNAME: 'robot', ...responses },
      });
    const noDevice = refused('ResourceNotFoundException', 'Device does not exist.');
    expect(
      await respond('DEVICE_SRP_AUTH', await deviceChallenge(), { DEVICE_KEY: 'eu-west-1_other', SRP_A: 'ab' }),
    ).toEqual(noDevice);
    expect(await respond('DEVICE_SRP_AUTH', await deviceChallenge(), { DEVICE_KEY: key, SRP_A: '00' })).toEqual(
      refused('InvalidParameterException', /SRP_A is not a valid/),
    );
    const verifier = await respond('DEVICE_SRP_AUTH', await deviceChallenge(), { DEVICE_KEY: key, SRP_A: 'abcdef' });
    expect(verifier.json.ChallengeName).toBe('DEVICE_PASSWORD_VERIFIER');
    expect(await respond('DEVICE_PASSWORD_VERIFIER', verifier.json.Session, {})).toEqual(noDevice);
  });
});

describe('the server beneath startLocalCognito', () => {
  it('refuses a malformed pool ID before taking a port', async () => {
    await expect(
      startUserPoolServer({ userPoolId: 'no-underscore', tokenLifetimeSeconds: 60, clients: [], users: [] }),
    ).rejects.toMatchObject({ code: 'ERR_CONFIGURATION', message: expect.stringContaining('"userPoolId"') });
  });

  it('shows its hook every request, a body that is not JSON as {}', async () => {
    const seen: [string, Record<string, unknown>][] = [];
    const server = await startUserPoolServer(
      { userPoolId: 'eu-west-1_Hooks1', tokenLifetimeSeconds: 60, clients: [], users: [] },
      { onRequest: (operation, body) => seen.push([operation, body]) },
    );
    try {
      await call(server.handle.endpoint, 'InitiateAuth', '{broken');
      await call(server.handle.endpoint, 'ListDevices', { AccessToken: 'x' });
      expect(seen).toEqual([
        ['InitiateAuth', {}],
        ['ListDevices', { AccessToken: 'x' }],
      ]);
    } finally {
      await server.handle.stop();
    }
  });
});

describe('answers beyond the refusals', () => {
  it('a request that trips an error of its own answers InternalErrorException 500, echoing nothing', async () => {
    // A ClientId that cannot be turned into a string: the pool fails with a TypeError, never shown to the caller.
    const answer = await api('InitiateAuth', { ClientId: { toString: 1, valueOf: 1, secret: 'echo-me' } });
    expect(answer).toEqual({
      status: 500,
      type: 'InternalErrorException',
      json: { __type: 'InternalErrorException', message: 'Internal error' },
    });
  });

  it('a hang on /oauth2/token answers nothing until stop() closes the connection', async () => {
    const local = await startLocalCognito({ clients: [{ clientId: 'c' }] });
    local.fault({ operation: 'oauth2/token', kind: 'hang' });
    let settled = false;
    const pending = fetch(local.tokenEndpoint, { method: 'POST', body: 'grant_type=client_credentials' }).finally(
      () => {
        settled = true;
      },
    );
    while (local.requests['oauth2/token'] === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await local.stop();
    await expect(pending).rejects.toThrow();
  });

  it('RespondToAuthChallenge without ChallengeName or AdminInitiateAuth without AuthFlow are refused', async () => {
    expect(await api('RespondToAuthChallenge', { ClientId: 'web-client', Session: 'x' })).toEqual(
      refused('NotAuthorizedException', 'Invalid session for the user.'),
    );
    expect(
      await api('AdminInitiateAuth', { UserPoolId: cognito.userPoolId, ClientId: 'secret-client' }, SIGNED),
    ).toEqual(refused('InvalidParameterException', 'Auth flow not enabled for this client'));
  });
});
