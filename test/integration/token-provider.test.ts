// The public API, imported from the built package by its name as a user would, against the cognito-local
// emulator behind the verifying counting proxy (harness/counting-proxy.ts): real HTTP, real SDK
// serialisation and real RS256 JWTs. The proxy checks SECRET_HASH as Cognito does, which the emulator does not.
import { setTimeout as sleep } from 'node:timers/promises';
import { CognitoIdentityProviderClient, RevokeTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import {
  ChallengeRequiredError,
  CognitoTokenError,
  createTokenProvider,
  decodeJwtClaims,
  type TokenProvider,
  type TokenProviderLogger,
} from 'cognito-token-provider';
import { describe, expect, it } from 'vitest';
import { clientConfigFor } from '../../harness/cognito-local.js';
import type { CognitoStack } from '../../harness/cognito-stack.js';
import { findLeaks, secretFragments } from '../../harness/leak-scan.js';
import { hmacSecretHash } from '../../harness/secret-hash-oracle.js';
import { useCognitoStack } from '../helpers/cognito-stack-hooks.js';

let stack: CognitoStack;
useCognitoStack((started) => {
  stack = started;
});

function userProvider(
  clientId: string,
  extra: { clientSecret?: string; password?: string; username?: string; logger?: TokenProviderLogger } = {},
): TokenProvider {
  const { user } = stack.seed;
  return createTokenProvider({
    clientId,
    credentials: {
      username: extra.username ?? user.email,
      password: extra.password ?? user.password,
      ...(extra.clientSecret === undefined ? {} : { clientSecret: extra.clientSecret }),
    },
    clientConfig: stack.clientConfig,
    ...(extra.logger === undefined ? {} : { logger: extra.logger }),
  });
}

/** Calls the cached path until the ID token changes, as a busy service would; no request unless renewal is due. */
async function untilRenewed(tokens: TokenProvider, previous: string, giveUpAt: number): Promise<number> {
  while (Date.now() < giveUpAt) {
    if ((await tokens.getIdToken()) !== previous) return Date.now();
    await sleep(50);
  }
  throw new Error('the tokens were not renewed in time');
}

describe('sign-in', () => {
  it('signs in without a secret, with an email alias, and returns the real ID and access tokens', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const tokens = userProvider(seed.withoutSecret.clientId);

    // Act
    const before = Date.now();
    const result = await tokens.getTokens();
    const after = Date.now();

    // Assert
    const id = decodeJwtClaims(result.idToken);
    const access = decodeJwtClaims(result.accessToken);
    expect(id).toMatchObject({
      token_use: 'id',
      aud: seed.withoutSecret.clientId,
      email: seed.user.email,
      sub: seed.user.sub,
      'cognito:username': seed.user.username,
    });
    expect(access).toMatchObject({
      token_use: 'access',
      client_id: seed.withoutSecret.clientId,
      username: seed.user.username,
      sub: seed.user.sub,
    });
    expect(result.username).toBe(seed.user.username);
    // The emulator omits ExpiresIn, so the expiry comes from the tokens' own lifetime, exp - iat, counted on
    // the local clock from the sign-in.
    const lifetimeMs = ((id.exp as number) - (id.iat as number)) * 1000;
    expect(result.expiresAt.getTime()).toBeGreaterThanOrEqual(before + lifetimeMs);
    expect(result.expiresAt.getTime()).toBeLessThanOrEqual(after + lifetimeMs);
    expect(await tokens.getAccessToken()).toBe(result.accessToken);
    expect(proxy.calls).toEqual([
      expect.objectContaining({
        operation: 'InitiateAuth',
        authFlow: 'USER_PASSWORD_AUTH',
        status: 200,
        signed: false,
      }),
    ]);
  });

  it('signs in with a client secret, the SECRET_HASH over the email as sent passing the check', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const tokens = userProvider(seed.withSecret.clientId, { clientSecret: seed.withSecret.clientSecret });

    // Act
    const idToken = await tokens.getIdToken();

    // Assert
    expect(decodeJwtClaims(idToken)).toMatchObject({ aud: seed.withSecret.clientId, email: seed.user.email });
    expect(proxy.calls).toEqual([expect.objectContaining({ authFlow: 'USER_PASSWORD_AUTH', status: 200 })]);
  });

  it('turns a wrong client secret into ERR_AUTHENTICATION with Cognito’s reason and without the secret', async () => {
    // Prepare
    const { seed } = stack;
    const wrongSecret = `${seed.withSecret.clientSecret}-wrong`;
    const tokens = userProvider(seed.withSecret.clientId, { clientSecret: wrongSecret });

    // Act
    const error = await tokens.getIdToken().catch((caught: unknown) => caught);

    // Assert
    expect(error).toBeInstanceOf(CognitoTokenError);
    expect(error).toMatchObject({
      code: 'ERR_AUTHENTICATION',
      message: expect.stringContaining('Unable to verify secret hash'),
      cause: expect.objectContaining({ name: 'NotAuthorizedException' }),
    });
    expect(findLeaks([error], { wrongSecret, password: seed.user.password })).toEqual([]);
  });

  it('turns a wrong password into ERR_AUTHENTICATION, and does not cache the failure', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const wrongPassword = `${seed.user.password}-wrong`;
    const tokens = userProvider(seed.withoutSecret.clientId, { password: wrongPassword });

    // Act
    const first = await tokens.getIdToken().catch((caught: unknown) => caught);
    const second = await tokens.getIdToken().catch((caught: unknown) => caught);

    // Assert
    // The emulator answers InvalidPasswordException where Cognito says NotAuthorizedException; both map here.
    expect(first).toMatchObject({
      code: 'ERR_AUTHENTICATION',
      cause: expect.objectContaining({ name: 'InvalidPasswordException' }),
    });
    expect(second).toMatchObject({ code: 'ERR_AUTHENTICATION' });
    expect(proxy.count('InitiateAuth')).toBe(2);
    expect(findLeaks([first], { wrongPassword })).toEqual([]);
  });

  it('surfaces NEW_PASSWORD_REQUIRED as a ChallengeRequiredError with code ERR_CHALLENGE_REQUIRED', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const tokens = userProvider(seed.withoutSecret.clientId, {
      username: seed.newPasswordUser.username,
      password: seed.newPasswordUser.password,
    });

    // Act
    const error = await tokens.getIdToken().catch((caught: unknown) => caught);

    // Assert
    expect(error).toBeInstanceOf(ChallengeRequiredError);
    expect(error).toMatchObject({ code: 'ERR_CHALLENGE_REQUIRED', challengeName: 'NEW_PASSWORD_REQUIRED' });
    expect(proxy.calls).toEqual([expect.objectContaining({ authFlow: 'USER_PASSWORD_AUTH', status: 200 })]);
    expect(findLeaks([error], { password: seed.newPasswordUser.password })).toEqual([]);
  });

  it('signs in with the IAM-signed admin flow when asked', async () => {
    // Prepare
    const { seed, proxy } = stack;
    // The emulator's pool IDs ("local_…") carry no Region and it finds the pool by client ID, so a well-formed
    // ID naming the seed Region stands in for it.
    const userPoolId = `${seed.region}_${seed.userPoolId.split('_')[1]}`;
    const tokens = createTokenProvider({
      clientId: seed.withSecret.clientId,
      userPoolId,
      flow: 'admin-user-password',
      credentials: {
        username: seed.user.email,
        password: seed.user.password,
        clientSecret: seed.withSecret.clientSecret,
      },
      clientConfig: stack.clientConfig,
    });

    // Act
    const idToken = await tokens.getIdToken();

    // Assert
    expect(decodeJwtClaims(idToken)['cognito:username']).toBe(seed.user.username);
    expect(proxy.calls).toEqual([
      expect.objectContaining({
        operation: 'AdminInitiateAuth',
        authFlow: 'ADMIN_USER_PASSWORD_AUTH',
        signed: true,
        status: 200,
      }),
    ]);
  });

  it('finds the endpoint in AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, with no code path of its own', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const saved = process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER;
    process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER = proxy.endpoint;
    const tokens = createTokenProvider({
      clientId: seed.withoutSecret.clientId,
      region: seed.region,
      credentials: { username: seed.user.email, password: seed.user.password },
    });

    // Act
    let idToken: string;
    try {
      idToken = await tokens.getIdToken();
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER;
      else process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER = saved;
    }

    // Assert
    expect(decodeJwtClaims(idToken).aud).toBe(seed.withoutSecret.clientId);
    expect(proxy.count('InitiateAuth', 'USER_PASSWORD_AUTH')).toBe(1);
  });
});

describe('caching and single flight against the real server', () => {
  it('shares one sign-in among concurrent callers, then serves every call from the cache', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const tokens = userProvider(seed.withSecret.clientId, { clientSecret: seed.withSecret.clientSecret });

    // Act
    const concurrent = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0 ? tokens.getIdToken() : i % 3 === 1 ? tokens.getAccessToken() : tokens.getTokens(),
      ),
    );
    for (let i = 0; i < 1_000; i++) await tokens.getIdToken();

    // Assert
    const idTokens = new Set(concurrent.filter((_, i) => i % 3 === 0));
    expect(idTokens.size).toBe(1);
    expect(proxy.count()).toBe(1);
    expect(proxy.count('InitiateAuth', 'USER_PASSWORD_AUTH')).toBe(1);
  });
});

describe('renewal', () => {
  it('renews a short-lived session with REFRESH_TOKEN_AUTH ahead of expiry, keeping the refresh token', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const tokens = userProvider(seed.shortLived.clientId);
    const first = await tokens.getTokens();

    // Act
    const renewedAt = await untilRenewed(tokens, first.idToken, first.expiresAt.getTime() + 1_000);
    const second = await tokens.getTokens();
    const renewedAgainAt = await untilRenewed(tokens, second.idToken, second.expiresAt.getTime() + 1_000);

    // Assert
    expect(renewedAt).toBeLessThan(first.expiresAt.getTime());
    expect(renewedAgainAt).toBeLessThan(second.expiresAt.getTime());
    expect(second.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
    expect(decodeJwtClaims(second.idToken)['cognito:username']).toBe(seed.user.username);
    // The second renewal worked with the refresh token from the sign-in: REFRESH_TOKEN_AUTH returns none.
    expect(proxy.calls.map((call) => [call.authFlow, call.status])).toEqual([
      ['USER_PASSWORD_AUTH', 200],
      ['REFRESH_TOKEN_AUTH', 200],
      ['REFRESH_TOKEN_AUTH', 200],
    ]);
  });

  it('hashes cognito:username, not the email alias, when renewing on a client with a secret', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const client = seed.shortLivedWithSecret;
    const tokens = userProvider(client.clientId, { clientSecret: client.clientSecret });
    const first = await tokens.getTokens();

    // Act
    await untilRenewed(tokens, first.idToken, first.expiresAt.getTime() + 1_000);

    // Assert
    // The proxy refuses a hash over the alias (support-endpoints.test.ts shows it), and in 'auto' mode a
    // refusal would show up here as an error status or a GetTokensFromRefreshToken call.
    expect(proxy.calls.map((call) => [call.operation, call.authFlow, call.status])).toEqual([
      ['InitiateAuth', 'USER_PASSWORD_AUTH', 200],
      ['InitiateAuth', 'REFRESH_TOKEN_AUTH', 200],
    ]);
  });

  it('renews on demand with refresh(), by REFRESH_TOKEN_AUTH rather than the password', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const tokens = userProvider(seed.withSecret.clientId, { clientSecret: seed.withSecret.clientSecret });
    const first = await tokens.getTokens();

    // Act
    const refreshed = await tokens.refresh();

    // Assert
    expect(refreshed.idToken).not.toBe(first.idToken);
    expect(await tokens.getIdToken()).toBe(refreshed.idToken);
    expect(proxy.calls.map((call) => [call.authFlow, call.status])).toEqual([
      ['USER_PASSWORD_AUTH', 200],
      ['REFRESH_TOKEN_AUTH', 200],
    ]);
  });

  it("renews with GetTokensFromRefreshToken and the raw client secret in 'get-tokens-from-refresh-token' mode", async () => {
    // Prepare
    const { seed, proxy } = stack;
    const tokens = createTokenProvider({
      clientId: seed.withSecret.clientId,
      refresh: 'get-tokens-from-refresh-token',
      credentials: {
        username: seed.user.email,
        password: seed.user.password,
        clientSecret: seed.withSecret.clientSecret,
      },
      clientConfig: stack.clientConfig,
    });
    const first = await tokens.getTokens();

    // Act
    const refreshed = await tokens.refresh();

    // Assert
    expect(refreshed.idToken).not.toBe(first.idToken);
    expect(proxy.calls.map((call) => [call.operation, call.status])).toEqual([
      ['InitiateAuth', 200],
      ['GetTokensFromRefreshToken', 200],
    ]);
  });

  it('signs in with the password again when the refresh token has been revoked', async () => {
    // Prepare
    const { seed, proxy, emulator } = stack;
    const tokens = userProvider(seed.withoutSecret.clientId);
    const first = await tokens.getTokens();
    // Test-layer knowledge: the emulator's refresh tokens are JWTs without token_use; real ones are opaque.
    const refreshToken = proxy
      .issuedTokens()
      .filter((token) => decodeJwtClaims(token).token_use === undefined)
      .at(-1);
    const admin = new CognitoIdentityProviderClient(clientConfigFor(emulator.endpoint));
    await admin.send(new RevokeTokenCommand({ ClientId: seed.withoutSecret.clientId, Token: refreshToken }));
    admin.destroy();

    // Act
    const refreshed = await tokens.refresh();

    // Assert
    expect(refreshed.idToken).not.toBe(first.idToken);
    // 'auto' mode tries the other renewal method before giving up on the refresh token.
    expect(proxy.calls.map((call) => [call.operation, call.authFlow, call.errorType])).toEqual([
      ['InitiateAuth', 'USER_PASSWORD_AUTH', undefined],
      ['InitiateAuth', 'REFRESH_TOKEN_AUTH', 'NotAuthorizedException'],
      ['GetTokensFromRefreshToken', undefined, 'NotAuthorizedException'],
      ['InitiateAuth', 'USER_PASSWORD_AUTH', undefined],
    ]);
  });
});

describe('secrets', () => {
  it('never shows the password, client secret, SECRET_HASH or any token in what a user can print', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const client = seed.shortLivedWithSecret;
    const events: unknown[] = [];
    const logger: TokenProviderLogger = { debug: (message, details) => events.push(message, details) };
    const tokens = userProvider(client.clientId, { clientSecret: client.clientSecret, logger });
    const wrong = userProvider(client.clientId, {
      clientSecret: client.clientSecret,
      password: 'Wrong-Pass-123',
      logger,
    });

    // Act
    const result = await tokens.getTokens();
    await untilRenewed(tokens, result.idToken, result.expiresAt.getTime() + 1_000);
    const renewed = await tokens.getTokens();
    const failure = await wrong.getIdToken().catch((caught: unknown) => caught);

    // Assert
    const secrets: Record<string, string> = {
      password: seed.user.password,
      wrongPassword: 'Wrong-Pass-123',
      clientSecret: client.clientSecret,
      hashOverEmail: hmacSecretHash(seed.user.email, client),
      hashOverUsername: hmacSecretHash(seed.user.username, client),
    };
    for (const [i, token] of proxy.issuedTokens().entries())
      Object.assign(secrets, secretFragments(`token ${i}`, token));
    expect(proxy.issuedTokens().length).toBeGreaterThanOrEqual(5);
    expect(findLeaks([tokens, wrong, result, renewed, failure, events], secrets)).toEqual([]);
  });
});
