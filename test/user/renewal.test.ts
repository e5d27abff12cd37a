import {
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  InvalidParameterException,
  RefreshTokenReuseException,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CognitoTokenError } from '../../src/index.js';
import { internalError, notAuthorized, throttled } from '../helpers/cognito-errors.js';
import {
  authResult,
  CLIENT_SECRET,
  CLIENT_ID as clientId,
  FAST_RETRIES,
  forgetOldSdk,
  initiateAuthCalls,
  mockCognitoOnFakeClock,
  packageWithOldSdk,
  PASSWORD as password,
  REGION,
  refreshTokenOf,
  serialOf,
  USERNAME,
  userProvider,
} from '../helpers/providers.js';

const cognito = mockCognitoOnFakeClock();
const credentials = { username: USERNAME, password, clientSecret: CLIENT_SECRET };
const result = (serial: number, withRefreshToken = true) =>
  authResult({ serial, withoutRefreshToken: !withRefreshToken });
const rotationCalls = () => cognito.commandCalls(GetTokensFromRefreshTokenCommand);
const flowCalls = (flow: string) => initiateAuthCalls(cognito, flow);
/** A provider whose app client has a secret; `overrides` replace any option. */
const provider = (overrides: Parameters<typeof userProvider>[0] = {}) => userProvider({ credentials, ...overrides });

/** Answers password sign-ins with serial 1; returns the mock, to set how the renewal answers. */
const afterSignIn = () =>
  cognito.on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' }).callsFake(() => result(1));
const rotationAfterSignIn = () => afterSignIn().on(GetTokensFromRefreshTokenCommand);
const refreshTokenAuthAfterSignIn = () => afterSignIn().on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' });

describe("refresh: 'get-tokens-from-refresh-token'", () => {
  it('renews three times in a row, each time with the newest refresh token, sending the raw secret', async () => {
    let serial = 1;
    rotationAfterSignIn().callsFake(() => result(++serial));
    const tokens = provider({ refresh: 'get-tokens-from-refresh-token' });
    await tokens.getIdToken();

    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(3600_000);
      expect(serialOf(await tokens.getIdToken())).toBe(i + 2);
    }

    expect(rotationCalls().map((call) => call.args[0].input)).toEqual([
      { ClientId: clientId, RefreshToken: refreshTokenOf(1), ClientSecret: CLIENT_SECRET },
      { ClientId: clientId, RefreshToken: refreshTokenOf(2), ClientSecret: CLIENT_SECRET },
      { ClientId: clientId, RefreshToken: refreshTokenOf(3), ClientSecret: CLIENT_SECRET },
    ]);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(1);
    expect(flowCalls('REFRESH_TOKEN_AUTH')).toHaveLength(0);
  });

  it('keeps the old refresh token when the response carries none, and sends no ClientSecret without a secret', async () => {
    rotationAfterSignIn().callsFake(() => result(2, false));
    const tokens = provider({
      refresh: 'get-tokens-from-refresh-token',
      credentials: { username: 'svc-orders', password },
    });
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3600_000);
    await tokens.getIdToken();

    expect(rotationCalls().map((call) => call.args[0].input)).toEqual([
      { ClientId: clientId, RefreshToken: refreshTokenOf(1) },
      { ClientId: clientId, RefreshToken: refreshTokenOf(1) },
    ]);
  });

  it.each([
    [
      'a reused refresh token',
      () => new RefreshTokenReuseException({ message: 'Refresh token reuse detected', $metadata: {} }),
    ],
    ['an expired refresh token', () => notAuthorized('Refresh Token has expired')],
  ])('falls back to password sign-in on %s', async (_, failure) => {
    rotationAfterSignIn().rejects(failure());
    const tokens = provider({ refresh: 'get-tokens-from-refresh-token' });
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);
    const idToken = await tokens.getIdToken();

    expect(serialOf(idToken)).toBe(1);
    expect(rotationCalls()).toHaveLength(1);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(2);
  });
});

describe('a rotated refresh token is never sent twice', () => {
  it('does not retry GetTokensFromRefreshToken after a 5xx, and signs in with the password instead of resending', async () => {
    rotationAfterSignIn().rejects(internalError());
    const tokens = provider({ refresh: 'get-tokens-from-refresh-token' });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3400_000);

    // Each call past the renewal point is served the current tokens and renews in the background.
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(0);
    expect(rotationCalls()).toHaveLength(1);

    // After the pause that follows a failed renewal (min(30 s, a quarter of the 200 s left)).
    await vi.advanceTimersByTimeAsync(30_000);
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(0);

    expect(rotationCalls()).toHaveLength(1);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(2);
  });

  it('keeps a refresh token that was only throttled: Cognito did not act on it, so it may be sent again', async () => {
    rotationAfterSignIn().rejects(throttled());
    const tokens = provider({ timeoutMs: 60_000, refresh: 'get-tokens-from-refresh-token' });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3400_000);
    const served = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(20_000);
    await served;
    cognito.on(GetTokensFromRefreshTokenCommand).callsFake(() => result(2));

    await vi.advanceTimersByTimeAsync(30_000);
    const stale = await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(0);
    const renewed = await tokens.getIdToken();

    expect(serialOf(stale)).toBe(1);
    expect(serialOf(renewed)).toBe(2);
    expect(new Set(rotationCalls().map((call) => call.args[0].input.RefreshToken))).toEqual(
      new Set([refreshTokenOf(1)]),
    );
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(1);
  });

  it.each([
    ['REFRESH_TOKEN_AUTH', 'refresh-token-auth' as const],
    ['GetTokensFromRefreshToken', 'get-tokens-from-refresh-token' as const],
  ])('reports a %s answer without tokens as ERR_UNAVAILABLE once the old tokens are gone', async (_, refresh) => {
    refreshTokenAuthAfterSignIn().resolves({}).on(GetTokensFromRefreshTokenCommand).resolves({});
    const tokens = provider({ refresh });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3600_000);

    await expect(tokens.getIdToken()).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
  });

  it('still retries throttling, which Cognito answers before acting on the request', async () => {
    rotationAfterSignIn()
      .rejectsOnce(throttled())
      .callsFake(() => result(2));
    const tokens = provider({ refresh: 'get-tokens-from-refresh-token', retryPolicy: FAST_RETRIES });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3600_000);

    const pending = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(10);

    expect(serialOf(await pending)).toBe(2);
    expect(rotationCalls().map((call) => call.args[0].input.RefreshToken)).toEqual([
      refreshTokenOf(1),
      refreshTokenOf(1),
    ]);
  });
});

describe("refresh: 'auto'", () => {
  it('switches once to GetTokensFromRefreshToken when REFRESH_TOKEN_AUTH is refused, with no failed caller', async () => {
    let serial = 1;
    refreshTokenAuthAfterSignIn()
      .rejects(notAuthorized('Refresh token rotation is enabled for this client'))
      .on(GetTokensFromRefreshTokenCommand)
      .callsFake(() => result(++serial));
    const logger = { debug: vi.fn() };
    const tokens = provider({ logger });
    await tokens.getIdToken();

    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(3600_000);
      expect(serialOf(await tokens.getIdToken())).toBe(i + 2);
    }

    expect(flowCalls('REFRESH_TOKEN_AUTH')).toHaveLength(1);
    expect(rotationCalls().map((call) => call.args[0].input.RefreshToken)).toEqual([
      refreshTokenOf(1),
      refreshTokenOf(2),
      refreshTokenOf(3),
    ]);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(1);
    const switches = logger.debug.mock.calls.filter(([message]) => String(message).includes('switched renewal'));
    expect(switches).toHaveLength(1);
  });

  it('falls back to the password when the switch fails too, and stays on REFRESH_TOKEN_AUTH', async () => {
    refreshTokenAuthAfterSignIn()
      .rejects(notAuthorized('Refresh Token has expired'))
      .on(GetTokensFromRefreshTokenCommand)
      .rejects(notAuthorized('Refresh Token has expired'));
    const tokens = provider();
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3600_000);
    await tokens.getIdToken();

    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(3);
    expect(flowCalls('REFRESH_TOKEN_AUTH')).toHaveLength(2);
    expect(rotationCalls()).toHaveLength(2);
  });

  it('does not switch on throttling: throttling says nothing about the renewal method', async () => {
    refreshTokenAuthAfterSignIn().rejects(throttled());
    const tokens = provider({ timeoutMs: 2000 });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(4000_000);

    const pending = tokens.getIdToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2000);

    expect((await pending) as CognitoTokenError).toMatchObject({ code: 'ERR_THROTTLED' });
    expect(rotationCalls()).toHaveLength(0);
  });

  it('switches on other client errors too, since Cognito does not document the refusal', async () => {
    refreshTokenAuthAfterSignIn()
      .rejects(new InvalidParameterException({ message: 'REFRESH_TOKEN_AUTH is not supported', $metadata: {} }))
      .on(GetTokensFromRefreshTokenCommand)
      .callsFake(() => result(2));
    const tokens = provider();
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);

    expect(serialOf(await tokens.getIdToken())).toBe(2);
    expect(rotationCalls()).toHaveLength(1);
  });
});

describe('an installed SDK without GetTokensFromRefreshTokenCommand', () => {
  afterEach(() => {
    forgetOldSdk();
  });

  const providerModuleWithOldSdk = () => packageWithOldSdk('GetTokensFromRefreshTokenCommand');

  it("fails at construction with ERR_CONFIGURATION for refresh: 'get-tokens-from-refresh-token'", async () => {
    const { createTokenProvider: create } = await providerModuleWithOldSdk();

    expect(() => create({ clientId, region: REGION, refresh: 'get-tokens-from-refresh-token', credentials })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringContaining('"refresh"') }),
    );
  });

  it("never switches in 'auto': a refused REFRESH_TOKEN_AUTH falls back to the password", async () => {
    const { createTokenProvider: create } = await providerModuleWithOldSdk();
    refreshTokenAuthAfterSignIn().rejects(notAuthorized('Refresh token rotation is enabled for this client'));
    const tokens = create({ clientId, region: REGION, credentials });
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);
    await tokens.getIdToken();

    expect(rotationCalls()).toHaveLength(0);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(2);
  });
});
