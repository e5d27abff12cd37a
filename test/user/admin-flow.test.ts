import { createHmac } from 'node:crypto';
import {
  AdminInitiateAuthCommand,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it, vi } from 'vitest';
import { ChallengeRequiredError } from '../../src/index.js';
import { notAuthorized, throttled } from '../helpers/cognito-errors.js';
import { failureOf } from '../helpers/failure-of.js';
import {
  CLIENT_SECRET,
  CLIENT_ID as clientId,
  FAST_RETRIES,
  flushPendingWork,
  mockCognitoOnFakeClock,
  PASSWORD,
  refreshTokenOf,
  serialOf,
  signInAndRefresh,
  authResult as signInResult,
  USER_ID,
  userProvider,
} from '../helpers/providers.js';

const cognito = mockCognitoOnFakeClock();
// In another Region than the provider helpers' default, so that the requests can be seen to follow the pool's.
const userPoolId = 'eu-central-1_AdMiN42';
// Users who sign in with an email alias have a UUID as their real username (USER_ID), the cognito:username claim.
const alias = 'svc@example.com';

const authResult = (serial: number, withRefreshToken = true) =>
  signInResult({ username: USER_ID, serial, withoutRefreshToken: !withRefreshToken });

// Computed here with node:crypto, independently of the package's computeSecretHash.
const expectedSecretHash = (username: string) =>
  createHmac('sha256', CLIENT_SECRET)
    .update(username + clientId)
    .digest('base64');

const adminCalls = (flow: string) =>
  cognito.commandCalls(AdminInitiateAuthCommand).filter((call) => call.args[0].input.AuthFlow === flow);

/** The provider under test: admin flow in the pool's own Region, signing in with the alias. */
const adminProvider = (overrides: Parameters<typeof userProvider>[0] = {}) =>
  userProvider({
    region: undefined,
    userPoolId,
    flow: 'admin-user-password',
    credentials: { username: alias, password: PASSWORD, clientSecret: CLIENT_SECRET },
    ...overrides,
  });

/** The AdminInitiateAuth behaviours: the password sign-in and REFRESH_TOKEN_AUTH. */
const adminSignInAndRefresh = () => signInAndRefresh(cognito, AdminInitiateAuthCommand, 'ADMIN_USER_PASSWORD_AUTH');

/** Answers admin sign-ins with serial 1; returns the AdminInitiateAuth REFRESH_TOKEN_AUTH behaviour to set. */
const renewalAfterSignIn = () => {
  const { signIn, refresh } = adminSignInAndRefresh();
  signIn.resolves(authResult(1));
  return refresh;
};

describe("flow: 'admin-user-password' sign-in", () => {
  it('signs in with AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH in the user pool, never with InitiateAuth', async () => {
    cognito.on(AdminInitiateAuthCommand).resolves(authResult(1));

    const idToken = await adminProvider().getIdToken();

    expect(serialOf(idToken)).toBe(1);
    expect(cognito).toHaveReceivedCommandTimes(AdminInitiateAuthCommand, 1);
    expect(cognito).not.toHaveReceivedCommand(InitiateAuthCommand);
    expect(cognito).toHaveReceivedCommandWith(AdminInitiateAuthCommand, {
      UserPoolId: userPoolId,
      ClientId: clientId,
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    });
  });

  it('sends SECRET_HASH computed over the username exactly as sent', async () => {
    cognito.on(AdminInitiateAuthCommand).resolves(authResult(1));

    await adminProvider().getIdToken();

    expect(adminCalls('ADMIN_USER_PASSWORD_AUTH')[0]?.args[0].input.AuthParameters).toEqual({
      USERNAME: alias,
      PASSWORD,
      SECRET_HASH: expectedSecretHash(alias),
    });
  });

  it('sends no SECRET_HASH when the app client has no secret', async () => {
    cognito.on(AdminInitiateAuthCommand).resolves(authResult(1));

    await adminProvider({ credentials: { username: alias, password: PASSWORD } }).getIdToken();

    expect(adminCalls('ADMIN_USER_PASSWORD_AUTH')[0]?.args[0].input.AuthParameters).toEqual({
      USERNAME: alias,
      PASSWORD,
    });
  });

  it("sends the request to the user pool's Region, taken from userPoolId", async () => {
    cognito.on(AdminInitiateAuthCommand).resolves(authResult(1));

    await adminProvider().getIdToken();

    const client = cognito.call(0).thisValue as CognitoIdentityProviderClient;
    expect(await client.config.region()).toBe('eu-central-1');
  });

  it('keeps the default flow as InitiateAuth USER_PASSWORD_AUTH even when userPoolId is given', async () => {
    cognito.on(InitiateAuthCommand).resolves(authResult(1));

    await adminProvider({ flow: undefined, credentials: { username: alias, password: PASSWORD } }).getIdToken();

    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' });
    expect(cognito).not.toHaveReceivedCommand(AdminInitiateAuthCommand);
  });
});

describe("flow: 'admin-user-password' renewal", () => {
  it('renews with AdminInitiateAuth REFRESH_TOKEN_AUTH and a SECRET_HASH over cognito:username, not the alias', async () => {
    renewalAfterSignIn().resolves(authResult(2, false));
    const tokens = adminProvider();
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);

    expect(serialOf(await tokens.getIdToken())).toBe(2);
    expect(adminCalls('ADMIN_USER_PASSWORD_AUTH')).toHaveLength(1);
    expect(adminCalls('REFRESH_TOKEN_AUTH')[0]?.args[0].input).toEqual({
      UserPoolId: userPoolId,
      ClientId: clientId,
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: {
        REFRESH_TOKEN: refreshTokenOf(1),
        SECRET_HASH: expectedSecretHash(USER_ID),
      },
    });
    expect(cognito).not.toHaveReceivedCommand(InitiateAuthCommand);
  });

  it('keeps the refresh token across renewals, since REFRESH_TOKEN_AUTH returns none', async () => {
    let serial = 1;
    renewalAfterSignIn().callsFake(() => authResult(++serial, false));
    const tokens = adminProvider();
    await tokens.getIdToken();

    for (let renewal = 0; renewal < 2; renewal++) {
      await vi.advanceTimersByTimeAsync(3600_000);
      await tokens.getIdToken();
    }

    const sent = adminCalls('REFRESH_TOKEN_AUTH').map((call) => call.args[0].input.AuthParameters?.REFRESH_TOKEN);
    expect(sent).toEqual([refreshTokenOf(1), refreshTokenOf(1)]);
  });

  it('refresh() renews through AdminInitiateAuth while the tokens are still fresh', async () => {
    renewalAfterSignIn().resolves(authResult(2, false));
    const tokens = adminProvider();
    await tokens.getIdToken();

    const renewed = await tokens.refresh();

    expect(serialOf(renewed.idToken)).toBe(2);
    expect(adminCalls('REFRESH_TOKEN_AUTH')).toHaveLength(1);
  });

  it('signs in with the password again through AdminInitiateAuth when the refresh token is rejected', async () => {
    let serial = 0;
    const { signIn, refresh } = adminSignInAndRefresh();
    signIn.callsFake(() => authResult(++serial));
    refresh.rejects(notAuthorized('Refresh Token has been revoked'));
    const tokens = adminProvider({ refresh: 'refresh-token-auth' });
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);

    expect(serialOf(await tokens.getIdToken())).toBe(2);
    expect(adminCalls('ADMIN_USER_PASSWORD_AUTH')).toHaveLength(2);
    expect(cognito).not.toHaveReceivedCommand(InitiateAuthCommand);
  });
});

describe("flow: 'admin-user-password' failures", () => {
  it('maps NotAuthorizedException to ERR_AUTHENTICATION with the SDK error as cause', async () => {
    const rejection = notAuthorized();
    cognito.on(AdminInitiateAuthCommand).rejects(rejection);

    const error = await failureOf(adminProvider().getIdToken());

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(error.cause).toMatchObject({ name: rejection.name, $metadata: rejection.$metadata });
  });

  it('maps an IAM denial to ERR_CONFIGURATION pointing at the cognito-idp:AdminInitiateAuth permission', async () => {
    const message = 'User is not authorized to perform this action';
    cognito.on(AdminInitiateAuthCommand).rejects(Object.assign(new Error(message), { name: 'AccessDeniedException' }));

    const error = await failureOf(adminProvider().getIdToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.cause).toMatchObject({ name: 'AccessDeniedException', message });
    expect(error.message).toContain('IAM permission cognito-idp:AdminInitiateAuth');
    expect(error.message).not.toContain('no AWS credentials were found');
  });

  it('says no AWS credentials were found, and where the SDK looks, not IAM advice, without any', async () => {
    const message = 'Could not load credentials from any providers';
    cognito
      .on(AdminInitiateAuthCommand)
      .rejects(Object.assign(new Error(message), { name: 'CredentialsProviderError' }));

    const error = await failureOf(adminProvider().getIdToken());

    expect(error.code).toBe('ERR_CONFIGURATION');
    expect(error.cause).toMatchObject({ name: 'CredentialsProviderError', message });
    expect(error.message).toContain(
      `Could not send AdminInitiateAuth (CredentialsProviderError: ${message}): AdminInitiateAuth is signed with ` +
        'AWS credentials, and no AWS credentials were found',
    );
    expect(error.message).toMatch(/AWS_ACCESS_KEY_ID.*AWS_PROFILE.*~\/\.aws.*instance role/);
    expect(error.message).not.toContain('IAM permission cognito-idp:AdminInitiateAuth');
  });

  it('fails with ERR_CHALLENGE_REQUIRED when Cognito answers with a challenge', async () => {
    cognito
      .on(AdminInitiateAuthCommand)
      .resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'admin-session-x' });

    const error = await failureOf(adminProvider().getIdToken());

    expect(error).toBeInstanceOf(ChallengeRequiredError);
    expect(error.code).toBe('ERR_CHALLENGE_REQUIRED');
    expect(error.message).not.toContain('admin-session-x');
  });

  it('retries throttling, then fails with ERR_THROTTLED', async () => {
    cognito.on(AdminInitiateAuthCommand).callsFake(() => Promise.reject(throttled()));

    const pending = failureOf(adminProvider({ retryPolicy: FAST_RETRIES }).getIdToken());
    await vi.advanceTimersByTimeAsync(100);

    expect((await pending).code).toBe('ERR_THROTTLED');
    expect(cognito).toHaveReceivedCommandTimes(AdminInitiateAuthCommand, 5);
  });

  it('quotes no password, secret or SECRET_HASH in its errors', async () => {
    cognito.on(AdminInitiateAuthCommand).rejects(notAuthorized(`Incorrect password ${PASSWORD}`));

    const error = await failureOf(adminProvider().getIdToken());

    for (const secret of [PASSWORD, CLIENT_SECRET, expectedSecretHash(alias)]) {
      expect(error.message).not.toContain(secret);
    }
  });
});

describe("flow: 'admin-user-password' options", () => {
  it('requires userPoolId: ERR_CONFIGURATION naming it, at construction', () => {
    const create = () => adminProvider({ userPoolId: undefined });

    expect(create).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIGURATION',
        message: expect.stringContaining('"userPoolId" is required'),
      }),
    );
  });

  it('refuses a malformed userPoolId, naming it', () => {
    expect(() => adminProvider({ userPoolId: 'eu-central-1' })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringContaining('"userPoolId"') }),
    );
  });

  it('refuses an unknown flow, naming it', () => {
    expect(() => adminProvider({ flow: 'admin' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringContaining('"flow"') }),
    );
  });

  it('makes no request at construction, even once pending work has run', async () => {
    adminProvider();
    await flushPendingWork();

    expect(cognito.calls()).toHaveLength(0);
  });
});
