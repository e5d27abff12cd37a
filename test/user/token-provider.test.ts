import {
  CognitoIdentityProviderClient,
  ForbiddenException,
  InitiateAuthCommand,
  InvalidParameterException,
  PasswordResetRequiredException,
  UserNotConfirmedException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it, vi } from 'vitest';
import { ChallengeRequiredError, CognitoTokenError, computeSecretHash } from '../../src/index.js';
import { connectionReset, internalError, notAuthorized, throttled } from '../helpers/cognito-errors.js';
import { failureOf } from '../helpers/failure-of.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';
import {
  answerAfter,
  authResult,
  CLIENT_SECRET,
  CLIENT_ID as clientId,
  FAST_RETRIES,
  flushPendingWork,
  initiateAuthCalls,
  mockCognitoOnFakeClock,
  nowSeconds,
  PASSWORD as password,
  serialOf,
  signInAndRefresh,
  userProvider,
} from '../helpers/providers.js';

const cognito = mockCognitoOnFakeClock();
const passwordAuthCalls = () => initiateAuthCalls(cognito, 'USER_PASSWORD_AUTH');
const refreshAuthCalls = () => initiateAuthCalls(cognito, 'REFRESH_TOKEN_AUTH');

/** Answers password sign-ins with `signIn` (serial 1 by default); returns the REFRESH_TOKEN_AUTH behaviour to set. */
const renewalAfterSignIn = (answer = authResult({ serial: 1 })) => {
  const { signIn, refresh } = signInAndRefresh(cognito, InitiateAuthCommand, 'USER_PASSWORD_AUTH');
  signIn.resolves(answer);
  return refresh;
};
/** A Cognito answer that takes `ms`, then fails with a 5xx. */
const failingAfter = (ms: number) =>
  answerAfter(ms, () => {
    throw internalError();
  });

describe('construction', () => {
  it('does no I/O: no request and no credentials read, even once pending work has run', async () => {
    const source = vi.fn(async () => ({ username: 'svc-orders', password }));

    userProvider({ credentials: source });
    userProvider({ userPoolId: 'eu-west-1_AbC123', flow: 'admin-user-password' });
    await flushPendingWork();

    expect(source).not.toHaveBeenCalled();
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('sign-in', () => {
  it('signs in with USER_PASSWORD_AUTH and no SECRET_HASH when the client has no secret', async () => {
    cognito.on(InitiateAuthCommand).resolves(authResult());
    const tokens = userProvider();

    const idToken = await tokens.getIdToken();

    expect(idToken).toBe(authResult().AuthenticationResult.IdToken);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'svc-orders', PASSWORD: password },
    });
  });

  it('sends SECRET_HASH over the username as sent when a client secret is given', async () => {
    cognito.on(InitiateAuthCommand).resolves(authResult({ username: '7d8c5a52-uuid' }));
    const tokens = userProvider({
      credentials: { username: 'svc@example.com', password, clientSecret: CLIENT_SECRET },
    });

    await tokens.getIdToken();

    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
      AuthParameters: {
        USERNAME: 'svc@example.com',
        PASSWORD: password,
        SECRET_HASH: computeSecretHash('svc@example.com', clientId, CLIENT_SECRET),
      },
    });
  });

  it('returns both tokens, the expiry and the cognito:username claim from getTokens', async () => {
    const result = authResult({ username: '7d8c5a52-uuid', lifetimeSeconds: 3600 });
    cognito.on(InitiateAuthCommand).resolves(result);
    const tokens = userProvider({ credentials: { username: 'a@example.com', password } });

    const set = await tokens.getTokens();

    expect(set.idToken).toBe(result.AuthenticationResult.IdToken);
    expect(set.accessToken).toBe(result.AuthenticationResult.AccessToken);
    expect(await tokens.getAccessToken()).toBe(result.AuthenticationResult.AccessToken);
    expect(set.username).toBe('7d8c5a52-uuid');
    expect(set.expiresAt.getTime()).toBe(Date.now() + 3600_000);
  });

  it('hands each caller its own expiresAt: a caller that changes it changes nothing for the next', async () => {
    cognito.on(InitiateAuthCommand).resolves(authResult({ lifetimeSeconds: 3600 }));
    const tokens = userProvider();
    const expiry = Date.now() + 3600_000;

    const first = await tokens.getTokens();
    first.expiresAt.setTime(0);
    const second = await tokens.getTokens();
    second.expiresAt.setFullYear(1999);
    const refreshed = await tokens.refresh();
    refreshed.expiresAt.setTime(1);

    expect((await tokens.getTokens()).expiresAt.getTime()).toBe(expiry);
    expect((await tokens.refresh()).expiresAt.getTime()).toBe(expiry);
    // The object itself stays frozen, and its tokens readable.
    expect(Object.isFrozen(second)).toBe(true);
    expect(second.idToken).toBe(await tokens.getIdToken());
  });

  it('falls back on the sign-in username when the ID token has no cognito:username claim', async () => {
    const result = authResult();
    const { IdToken } = result.AuthenticationResult;
    const payload = JSON.parse(Buffer.from(IdToken.split('.')[1] as string, 'base64url').toString());
    delete payload['cognito:username'];
    const parts = IdToken.split('.');
    parts[1] = Buffer.from(JSON.stringify(payload)).toString('base64url');
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { ...result.AuthenticationResult, IdToken: parts.join('.') } });
    const tokens = userProvider();

    expect((await tokens.getTokens()).username).toBe('svc-orders');
  });

  it('takes the expiry from the ID token exp claim when ExpiresIn is missing', async () => {
    const result = authResult({ lifetimeSeconds: 1800 });
    const { ExpiresIn: _omitted, ...withoutExpiresIn } = result.AuthenticationResult;
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: withoutExpiresIn });
    const tokens = userProvider();

    const set = await tokens.getTokens();

    expect(set.expiresAt.getTime()).toBe((nowSeconds() + 1800) * 1000);
  });

  it('works with no AWS credentials in the environment, taking the Region from userPoolId', async () => {
    cognito.on(InitiateAuthCommand).resolves(authResult());
    const tokens = userProvider({ region: undefined, userPoolId: 'ap-southeast-2_AbC123' });

    await tokens.getIdToken();

    const client = cognito.send.getCall(0).thisValue as CognitoIdentityProviderClient;
    expect(await client.config.region()).toBe('ap-southeast-2');
    expect(await client.config.maxAttempts()).toBe(1);
  });

  it('uses a client passed in instead of creating one', async () => {
    const own = new CognitoIdentityProviderClient({ region: 'us-west-2' });
    cognito.on(InitiateAuthCommand).resolves(authResult());
    const tokens = userProvider({ region: undefined, client: own });

    await tokens.getIdToken();

    expect(cognito.send.getCall(0).thisValue).toBe(own);
  });

  it('applies clientConfig to the client it creates', async () => {
    cognito.on(InitiateAuthCommand).resolves(authResult());
    const tokens = userProvider({
      region: undefined,
      clientConfig: { region: 'eu-north-1', endpoint: 'http://127.0.0.1:9229' },
    });

    await tokens.getIdToken();

    const client = cognito.send.getCall(0).thisValue as CognitoIdentityProviderClient;
    expect(await client.config.region()).toBe('eu-north-1');
  });
});

describe('caching and single flight', () => {
  it('serves later calls from the cache without another request', async () => {
    cognito.on(InitiateAuthCommand).resolves(authResult());
    const tokens = userProvider();

    const first = await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(60_000);
    const later = await Promise.all([tokens.getIdToken(), tokens.getAccessToken(), tokens.getTokens()]);

    expect(later[0]).toBe(first);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
  });

  it('makes one InitiateAuth for 1,000 parallel calls on a cold provider', async () => {
    cognito.on(InitiateAuthCommand).callsFake(answerAfter(50, () => authResult()));
    const tokens = userProvider();

    const all = Promise.all(
      Array.from({ length: 1000 }, (_, i) => (i % 2 ? tokens.getIdToken() : tokens.getAccessToken())),
    );
    await vi.advanceTimersByTimeAsync(100);
    const results = await all;

    expect(new Set(results).size).toBe(2);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
  });

  it('renews refreshAheadSeconds before expiry with REFRESH_TOKEN_AUTH', async () => {
    renewalAfterSignIn().callsFake(() => authResult({ serial: 2, withoutRefreshToken: true }));
    const tokens = userProvider({ refreshAheadSeconds: 300 });
    const first = await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync((3600 - 300) * 1000 - 1);
    expect(await tokens.getIdToken()).toBe(first);
    expect(refreshAuthCalls()).toHaveLength(0);

    // The call that crosses the renewal point gets the current token at once and renews in the background.
    await vi.advanceTimersByTimeAsync(1);
    const crossing = await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(0);
    const renewed = await tokens.getIdToken();

    expect(crossing).toBe(first);
    expect(renewed).not.toBe(first);
    expect(refreshAuthCalls()).toHaveLength(1);
    expect(refreshAuthCalls()[0]?.args[0].input.AuthParameters).toEqual({
      REFRESH_TOKEN: 'opaque-refresh-token-1-ZXhhbXBsZQ',
    });
    expect(passwordAuthCalls()).toHaveLength(1);
  });

  it('keeps the old refresh token when REFRESH_TOKEN_AUTH returns none, across several renewals', async () => {
    let serial = 1;
    renewalAfterSignIn().callsFake(() => authResult({ serial: ++serial, withoutRefreshToken: true }));
    const tokens = userProvider();
    await tokens.getIdToken();

    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(3600_000);
      await tokens.getIdToken();
    }

    expect(refreshAuthCalls().map((call) => call.args[0].input.AuthParameters?.REFRESH_TOKEN)).toEqual([
      'opaque-refresh-token-1-ZXhhbXBsZQ',
      'opaque-refresh-token-1-ZXhhbXBsZQ',
      'opaque-refresh-token-1-ZXhhbXBsZQ',
    ]);
    expect(passwordAuthCalls()).toHaveLength(1);
  });

  it('renews a five-minute token at half its lifetime even with the default 300 s margin', async () => {
    renewalAfterSignIn(authResult({ lifetimeSeconds: 300 })).resolves(authResult({ lifetimeSeconds: 300, serial: 2 }));
    const tokens = userProvider();
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(150_000 - 1);
    await tokens.getIdToken();
    expect(refreshAuthCalls()).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(1);
    await tokens.getIdToken();
    expect(refreshAuthCalls()).toHaveLength(1);
  });

  it('computes the renewal SECRET_HASH over cognito:username, not the email alias used to sign in', async () => {
    const realUsername = '7d8c5a52-2a3f-4c7e-9f61-1f0a2b3c4d5e';
    renewalAfterSignIn(authResult({ username: realUsername })).resolves(
      authResult({ username: realUsername, serial: 2 }),
    );
    const tokens = userProvider({
      credentials: { username: 'svc@example.com', password, clientSecret: CLIENT_SECRET },
    });
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);
    await tokens.getIdToken();

    expect(refreshAuthCalls()[0]?.args[0].input.AuthParameters).toEqual({
      REFRESH_TOKEN: 'opaque-refresh-token-1-ZXhhbXBsZQ',
      SECRET_HASH: computeSecretHash(realUsername, clientId, CLIENT_SECRET),
    });
    expect(computeSecretHash(realUsername, clientId, CLIENT_SECRET)).not.toBe(
      computeSecretHash('svc@example.com', clientId, CLIENT_SECRET),
    );
  });

  it('signs in with the password again, unnoticed by the caller, when the refresh token is rejected', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .resolvesOnce(authResult({ serial: 1 }))
      .callsFake(() => authResult({ serial: 3 }))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejects(notAuthorized('Refresh Token has expired'));
    const logger = { debug: vi.fn() };
    const tokens = userProvider({ refresh: 'refresh-token-auth', logger });
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);
    const idToken = await tokens.getIdToken();

    expect(serialOf(idToken)).toBe(3);
    expect(passwordAuthCalls()).toHaveLength(2);
    expect(refreshAuthCalls()).toHaveLength(1);
    expect(logger.debug).toHaveBeenCalledWith(
      expect.stringContaining('REFRESH_TOKEN_AUTH rejected'),
      expect.any(Object),
    );
  });

  it('serves still-valid tokens when an early renewal fails, and waits before asking Cognito again', async () => {
    renewalAfterSignIn()
      .rejectsOnce(internalError())
      .callsFake(() => authResult({ serial: 2 }));
    const logger = { debug: vi.fn() };
    const tokens = userProvider({ timeoutMs: 100, logger });
    const first = await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3400_000);

    expect(await tokens.getIdToken()).toBe(first);
    await vi.advanceTimersByTimeAsync(200);
    expect(await tokens.getIdToken()).toBe(first);

    // 200 s of life left: the next attempt waits min(30 s, a quarter of that).
    await vi.advanceTimersByTimeAsync(29_000);
    expect(await tokens.getIdToken()).toBe(first);
    expect(refreshAuthCalls()).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1_000);
    expect(await tokens.getIdToken()).toBe(first);
    await vi.advanceTimersByTimeAsync(0);
    expect(await tokens.getIdToken()).not.toBe(first);
    expect(refreshAuthCalls()).toHaveLength(2);
    expect(cognito.calls()).toHaveLength(3);
    // The 5xx is not retried within the 100 ms budget: it fails at once, with 200 s of life left.
    const failures = logger.debug.mock.calls.filter(([message]) => String(message).includes('renewal failed'));
    expect(failures).toEqual([
      [expect.any(String), { error: 'ERR_UNAVAILABLE', expiresInMs: 200_000, retryInMs: 30_000 }],
    ]);
  });

  it('fails refresh() that joins a failing background renewal, instead of returning the rejected tokens', async () => {
    renewalAfterSignIn().callsFake(failingAfter(50));
    const tokens = userProvider({ timeoutMs: 60 });
    const first = await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3400_000);

    const background = tokens.getIdToken();
    const forced = failureOf(tokens.refresh());
    await vi.advanceTimersByTimeAsync(100);

    expect(await background).toBe(first);
    expect((await forced).code).toBe('ERR_UNAVAILABLE');
    expect(refreshAuthCalls()).toHaveLength(1);
  });

  it('does not hand pre-invalidate tokens to callers waiting on a renewal that fails', async () => {
    renewalAfterSignIn().callsFake(failingAfter(50));
    const tokens = userProvider({ timeoutMs: 60 });
    await tokens.getIdToken();

    // Callers that arrive during refresh() wait for its renewal (see below), and would fall back on the old tokens.
    const refreshing = failureOf(tokens.refresh());
    const waiting = failureOf(tokens.getIdToken());
    tokens.invalidate();
    await vi.advanceTimersByTimeAsync(100);

    expect((await waiting).code).toBe('ERR_UNAVAILABLE');
    expect((await refreshing).code).toBe('ERR_UNAVAILABLE');
  });

  it('does not bring back pre-invalidate tokens when a background renewal started before invalidate() fails', async () => {
    renewalAfterSignIn().callsFake(failingAfter(50));
    const tokens = userProvider({ timeoutMs: 60 });
    const first = await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3400_000);

    const served = await tokens.getIdToken();
    tokens.invalidate();
    await vi.advanceTimersByTimeAsync(100);
    const next = await tokens.getIdToken();

    expect(served).toBe(first);
    expect(next).toBe(first);
    expect(refreshAuthCalls()).toHaveLength(1);
    // Signed in again with the password rather than serving the cleared session.
    expect(passwordAuthCalls()).toHaveLength(2);
  });

  it('expires the session with the ID token when it lives shorter than ExpiresIn (the access token)', async () => {
    const now = nowSeconds();
    const shortId = cognitoTokens({ username: 'svc-orders', nowSeconds: now, lifetimeSeconds: 300 }).IdToken;
    const longAccess = cognitoTokens({ username: 'svc-orders', nowSeconds: now, lifetimeSeconds: 3600 });
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { ...longAccess, IdToken: shortId } });
    const tokens = userProvider();

    const set = await tokens.getTokens();

    expect(set.expiresAt.getTime()).toBe(Date.now() + 300_000);
  });

  it('takes the expiry from ExpiresIn and the ID token when the access token is not a JWT', async () => {
    const result = authResult({ lifetimeSeconds: 3600 });
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: { ...result.AuthenticationResult, AccessToken: 'opaque' } });
    const tokens = userProvider();

    expect((await tokens.getTokens()).expiresAt.getTime()).toBe(Date.now() + 3600_000);
  });

  it('measures a token lifetime as exp - iat on the local clock, so a skewed clock does not expire it at once', async () => {
    const serverNow = nowSeconds() - 7200; // the local clock runs two hours ahead of Cognito's
    const result = cognitoTokens({ username: 'svc-orders', nowSeconds: serverNow, lifetimeSeconds: 3600 });
    const { ExpiresIn: _omitted, ...withoutExpiresIn } = result;
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: withoutExpiresIn });
    const tokens = userProvider();

    const set = await tokens.getTokens();
    await tokens.getIdToken();

    expect(set.expiresAt.getTime()).toBe(Date.now() + 3600_000);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
  });

  it('does not serve expired tokens when renewal fails after expiry', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .resolvesOnce(authResult())
      .rejects(throttled())
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejects(throttled());
    const tokens = userProvider({ timeoutMs: 500 });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3600_000);

    const failure = failureOf(tokens.getIdToken());
    await vi.advanceTimersByTimeAsync(1000);

    expect((await failure).code).toBe('ERR_THROTTLED');
  });
});

describe('refresh() and invalidate()', () => {
  it('refresh() renews with the refresh token even when the cached tokens are fresh', async () => {
    renewalAfterSignIn().resolves(authResult({ serial: 2 }));
    const tokens = userProvider();
    await tokens.getIdToken();

    const [a, b] = await Promise.all([tokens.refresh(), tokens.refresh()]);

    expect(a.idToken).toBe(authResult({ serial: 2 }).AuthenticationResult.IdToken);
    // The same renewal, in a copy of its own for each caller.
    expect([b.idToken, b.accessToken, b.expiresAt]).toEqual([a.idToken, a.accessToken, a.expiresAt]);
    expect(await tokens.getIdToken()).toBe(a.idToken);
    expect(refreshAuthCalls()).toHaveLength(1);
    expect(passwordAuthCalls()).toHaveLength(1);
  });

  it('calls made while refresh() is renewing wait for the new tokens instead of getting the refused ones', async () => {
    let answerRenewal = (_value: ReturnType<typeof authResult>) => {};
    renewalAfterSignIn().callsFake(() => new Promise((resolve) => (answerRenewal = resolve)));
    const tokens = userProvider();
    const refused = await tokens.getIdToken();

    const refreshed = tokens.refresh();
    const during = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(0);
    answerRenewal(authResult({ serial: 2 }));

    const renewed = authResult({ serial: 2 }).AuthenticationResult.IdToken;
    expect(await during).toBe(renewed);
    expect((await refreshed).idToken).toBe(renewed);
    expect(renewed).not.toBe(refused);
    expect(refreshAuthCalls()).toHaveLength(1);
    expect(passwordAuthCalls()).toHaveLength(1);
  });

  it('refresh() fails rather than returning the old tokens when the renewal fails', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .resolvesOnce(authResult({ serial: 1 }))
      .rejects(internalError())
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejects(internalError());
    const tokens = userProvider({ timeoutMs: 300 });
    await tokens.getIdToken();

    const failure = failureOf(tokens.refresh());
    await vi.advanceTimersByTimeAsync(1000);

    expect((await failure).code).toBe('ERR_UNAVAILABLE');
  });

  it('invalidate() forgets the refresh token too, so the next call signs in with the password', async () => {
    cognito.on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' }).resolves(authResult());
    const tokens = userProvider();
    await tokens.getIdToken();

    tokens.invalidate();
    await tokens.getIdToken();

    expect(passwordAuthCalls()).toHaveLength(2);
    expect(refreshAuthCalls()).toHaveLength(0);
  });

  it('invalidate() during a sign-in keeps that sign-in from filling the cache', async () => {
    cognito.on(InitiateAuthCommand).callsFake(answerAfter(50, () => authResult()));
    const tokens = userProvider();

    const pending = tokens.getIdToken();
    tokens.invalidate();
    await vi.advanceTimersByTimeAsync(50);
    await pending;
    const next = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(50);
    await next;

    expect(passwordAuthCalls()).toHaveLength(2);
  });
});

describe('credentials sources', () => {
  it('calls the source once with forceRefresh after a rejected sign-in, then retries once', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthParameters: { USERNAME: 'svc-orders', PASSWORD: 'old-password-1' } })
      .rejects(notAuthorized())
      .on(InitiateAuthCommand, { AuthParameters: { USERNAME: 'svc-orders', PASSWORD: 'new-password-2' } })
      .resolves(authResult());
    const source = vi.fn(async (options?: { forceRefresh?: boolean }) => ({
      username: 'svc-orders',
      password: options?.forceRefresh ? 'new-password-2' : 'old-password-1',
    }));
    const tokens = userProvider({ credentials: source });

    await tokens.getIdToken();

    expect(source.mock.calls).toEqual([
      [{ signal: expect.any(AbortSignal) }],
      [{ forceRefresh: true, signal: expect.any(AbortSignal) }],
    ]);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 2);
  });

  it('gives up after one reload when the reloaded password is rejected too', async () => {
    cognito.on(InitiateAuthCommand).rejects(notAuthorized());
    const source = vi.fn(async () => ({ username: 'svc-orders', password }));
    const tokens = userProvider({ credentials: source });

    const failure = await failureOf(tokens.getIdToken());

    expect(failure.code).toBe('ERR_AUTHENTICATION');
    expect(source).toHaveBeenCalledTimes(2);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 2);
  });

  it('does not retry static credentials after a rejected sign-in', async () => {
    cognito.on(InitiateAuthCommand).rejects(notAuthorized());
    const tokens = userProvider();

    expect((await failureOf(tokens.getIdToken())).code).toBe('ERR_AUTHENTICATION');
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
  });

  it.each([
    [
      'a configuration error',
      () => ({
        error: new InvalidParameterException({ message: 'USER_PASSWORD_AUTH flow not enabled', $metadata: {} }),
      }),
      'ERR_CONFIGURATION',
    ],
    [
      'a challenge',
      () => ({ response: { ChallengeName: 'NEW_PASSWORD_REQUIRED' as const, Session: 's' } }),
      'ERR_CHALLENGE_REQUIRED',
    ],
  ])('does not reload credentials after %s', async (_, outcome, code) => {
    const { error, response } = outcome() as { error?: Error; response?: object };
    if (error) cognito.on(InitiateAuthCommand).rejects(error);
    else cognito.on(InitiateAuthCommand).resolves(response as never);
    const source = vi.fn(async () => ({ username: 'svc-orders', password }));
    const tokens = userProvider({ credentials: source });

    expect((await failureOf(tokens.getIdToken())).code).toBe(code);
    expect(source).toHaveBeenCalledTimes(1);
  });

  it.each([
    [
      'throws',
      async () => Promise.reject(new Error('AccessDenied on the parameter')),
      'The credentials source failed (Error)',
    ],
    ['returns nothing', async () => undefined, 'The credentials source returned no credentials object'],
    [
      'returns an object whose getter throws',
      async () => ({
        get username(): string {
          throw new RangeError('getter boom');
        },
      }),
      'The credentials source failed (RangeError)',
    ],
    ['has no username', async () => ({ password }), `The credentials source's "username" must be a non-empty string`],
    [
      'has no password',
      async () => ({ username: 'svc-orders' }),
      `The credentials source's "password" must be a non-empty string`,
    ],
    [
      'has an empty client secret',
      async () => ({ username: 'svc-orders', password, clientSecret: '' }),
      `The credentials source's "clientSecret" must be a non-empty string when given`,
    ],
  ])('fails with ERR_CREDENTIALS when the source %s', async (_, source, message) => {
    const tokens = userProvider({ credentials: source as unknown as () => Promise<{ username: string }> });

    const failure = await failureOf(tokens.getIdToken());

    expect(failure.code).toBe('ERR_CREDENTIALS');
    expect(failure.message).toBe(message);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 0);
  });

  it('passes a CognitoTokenError from the source through unchanged', async () => {
    const own = new CognitoTokenError('ERR_CREDENTIALS', 'parameter /svc/password not found');
    const tokens = userProvider({ credentials: () => Promise.reject(own) });

    expect(await failureOf(tokens.getIdToken())).toBe(own);
  });

  it('bounds a source that never answers by timeoutMs', async () => {
    const tokens = userProvider({ timeoutMs: 2000, credentials: () => new Promise(() => {}) });

    const failure = failureOf(tokens.getIdToken());
    await vi.advanceTimersByTimeAsync(2000);

    expect((await failure).code).toBe('ERR_CREDENTIALS');
    expect((await failure).message).toContain('timed out after 2000 ms');
  });
});

describe('errors', () => {
  it.each([
    ['NotAuthorizedException', notAuthorized()],
    ['UserNotFoundException', new UserNotFoundException({ message: 'User does not exist.', $metadata: {} })],
    ['UserNotConfirmedException', new UserNotConfirmedException({ message: 'User is not confirmed.', $metadata: {} })],
    [
      'PasswordResetRequiredException',
      new PasswordResetRequiredException({ message: 'Password reset required for the user', $metadata: {} }),
    ],
  ])('maps %s to ERR_AUTHENTICATION with the SDK error as cause', async (name, error) => {
    cognito.on(InitiateAuthCommand).rejects(error);
    const tokens = userProvider();

    const failure = await failureOf(tokens.getIdToken());

    expect(failure.code).toBe('ERR_AUTHENTICATION');
    expect(failure.name).toBe('CognitoTokenError');
    expect(failure.cause).toMatchObject({ name: error.name });
    expect(failure.message).toContain(name);
  });

  it.each([
    'NEW_PASSWORD_REQUIRED',
    'SMS_MFA',
    'SOFTWARE_TOKEN_MFA',
    'SELECT_MFA_TYPE',
    'MFA_SETUP',
    'CUSTOM_CHALLENGE',
  ] as const)('maps the %s challenge to ERR_CHALLENGE_REQUIRED with challengeName', async (challengeName) => {
    cognito
      .on(InitiateAuthCommand)
      .resolves({ ChallengeName: challengeName, Session: 'session-blob-value', ChallengeParameters: {} });
    const tokens = userProvider({ credentials: async () => ({ username: 'svc-orders', password }) });

    const failure = await failureOf(tokens.getIdToken());

    expect(failure).toBeInstanceOf(ChallengeRequiredError);
    expect(failure.code).toBe('ERR_CHALLENGE_REQUIRED');
    expect(failure.name).toBe('ChallengeRequiredError');
    expect((failure as ChallengeRequiredError).challengeName).toBe(challengeName);
    expect(failure.message).not.toContain('session-blob-value');
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
  });

  it('maps a refused request (flow not enabled) to ERR_CONFIGURATION', async () => {
    const error = new InvalidParameterException({
      message: 'USER_PASSWORD_AUTH flow not enabled for this client',
      $metadata: {},
    });
    cognito.on(InitiateAuthCommand).rejects(error);
    const tokens = userProvider();

    const failure = await failureOf(tokens.getIdToken());

    expect(failure.code).toBe('ERR_CONFIGURATION');
    expect(failure.cause).toMatchObject({ name: error.name, message: error.message });
    expect(failure.message).toContain('USER_PASSWORD_AUTH flow not enabled');
  });

  it('maps a WAF block (ForbiddenException) to ERR_CONFIGURATION, not to bad credentials', async () => {
    cognito
      .on(InitiateAuthCommand)
      .rejects(new ForbiddenException({ message: 'Request blocked by AWS WAF', $metadata: {} }));
    const source = vi.fn(async () => ({ username: 'svc-orders', password }));
    const tokens = userProvider({ credentials: source });

    expect((await failureOf(tokens.getIdToken())).code).toBe('ERR_CONFIGURATION');
    expect(source).toHaveBeenCalledTimes(1);
  });

  it('maps a missing Region to ERR_CONFIGURATION at the first call', async () => {
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent');
    cognito.restore();
    try {
      const tokens = userProvider({ region: undefined });
      const failure = await failureOf(tokens.getIdToken());
      expect(failure.code).toBe('ERR_CONFIGURATION');
      expect(failure.message).toMatch(/region/i);
    } finally {
      vi.unstubAllEnvs();
      cognito.reset();
    }
  });

  it('reports a response without tokens as ERR_UNAVAILABLE', async () => {
    cognito.on(InitiateAuthCommand).resolves({});
    const tokens = userProvider();

    expect((await failureOf(tokens.getIdToken())).code).toBe('ERR_UNAVAILABLE');
  });

  it('reports tokens with neither ExpiresIn nor exp as ERR_UNAVAILABLE', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = `${encode({ alg: 'none' })}.${encode({ 'cognito:username': 'x' })}.sig`;
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: jwt, AccessToken: jwt } });
    const tokens = userProvider();

    expect((await failureOf(tokens.getIdToken())).code).toBe('ERR_UNAVAILABLE');
  });
});

describe('retries and the timeout bound', () => {
  it('retries throttling on the default back-off (100–200 ms, then 200–400 ms), then succeeds', async () => {
    const result = authResult();
    cognito.on(InitiateAuthCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves(result);
    const logger = { debug: vi.fn() };
    const tokens = userProvider({ logger });
    const attempts = () => cognito.commandCalls(InitiateAuthCommand).length;

    const pending = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(99);
    const before100 = attempts();
    await vi.advanceTimersByTimeAsync(101);
    const at200 = attempts();
    await vi.advanceTimersByTimeAsync(99);
    const at299 = attempts();
    await vi.advanceTimersByTimeAsync(301);

    expect([before100, at200, at299, attempts()]).toEqual([1, 2, 2, 3]);
    expect(await pending).toBe(result.AuthenticationResult.IdToken);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 3);
    expect(logger.debug.mock.calls.filter(([message]) => String(message).includes('retrying'))).toHaveLength(2);
  });

  it.each([
    ['a 5xx', internalError],
    ['a connection reset', connectionReset],
  ])('retries %s, then succeeds', async (_, failure) => {
    const result = authResult();
    cognito.on(InitiateAuthCommand).rejectsOnce(failure()).resolves(result);
    const tokens = userProvider({ retryPolicy: FAST_RETRIES });

    const pending = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(10);

    expect(await pending).toBe(result.AuthenticationResult.IdToken);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 2);
  });

  it('gives ERR_THROTTLED after a bounded number of attempts when throttling never ends', async () => {
    cognito.on(InitiateAuthCommand).rejects(throttled());
    const tokens = userProvider({ retryPolicy: FAST_RETRIES });

    const failure = failureOf(tokens.getIdToken());
    await vi.advanceTimersByTimeAsync(100);

    expect((await failure).code).toBe('ERR_THROTTLED');
    expect((await failure).message).toContain('5 attempt(s)');
    expect((await failure).cause).toMatchObject({ name: 'TooManyRequestsException' });
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 5);
  });

  it('stops retrying when the time budget runs out, reporting the last failure', async () => {
    cognito.on(InitiateAuthCommand).rejects(throttled());
    const tokens = userProvider({ timeoutMs: 700 });

    const failure = failureOf(tokens.getIdToken());
    await vi.advanceTimersByTimeAsync(700);

    expect((await failure).code).toBe('ERR_THROTTLED');
    expect(cognito.commandCalls(InitiateAuthCommand).length).toBeLessThan(5);
  });

  it('gives ERR_UNAVAILABLE within timeoutMs when Cognito never answers', async () => {
    let aborted = false;
    const hanging = {
      send: (_command: unknown, options?: { abortSignal?: AbortSignal }) => {
        options?.abortSignal?.addEventListener('abort', () => {
          aborted = true;
        });
        return new Promise(() => {});
      },
    } as unknown as CognitoIdentityProviderClient;
    const tokens = userProvider({ region: undefined, client: hanging, timeoutMs: 3000 });

    const failure = failureOf(tokens.getIdToken());
    await vi.advanceTimersByTimeAsync(2999);
    let settled = false;
    void failure.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect((await failure).code).toBe('ERR_UNAVAILABLE');
    expect((await failure).message).toContain('3000 ms timeout');
    expect(aborted).toBe(true);
  });

  it('never caches a failure: the next call tries again', async () => {
    cognito.on(InitiateAuthCommand).rejectsOnce(notAuthorized()).resolves(authResult());
    const tokens = userProvider();

    expect((await failureOf(tokens.getIdToken())).code).toBe('ERR_AUTHENTICATION');
    expect(await tokens.getIdToken()).toBe(authResult().AuthenticationResult.IdToken);
    expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 2);
  });

  it('keeps working when the logger throws', async () => {
    cognito.on(InitiateAuthCommand).rejectsOnce(throttled()).resolves(authResult());
    const logger = {
      debug: () => {
        throw new Error('logger down');
      },
    };
    const tokens = userProvider({ logger, retryPolicy: FAST_RETRIES });

    const pending = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(10);

    await expect(pending).resolves.toBeTypeOf('string');
  });
});
