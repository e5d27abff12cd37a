import {
  CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  InvalidParameterException,
  RefreshTokenReuseException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CognitoTokenError } from '../../src/errors.js';
import { createTokenProvider } from '../../src/user/token-provider.js';
import { internalError, notAuthorized, throttled } from '../helpers/cognito-errors.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const clientId = '4rtbp1kcm0example';
const clientSecret = 'rotation-client-secret-value';
const password = 'Pa55word-of-the-service';
const credentials = { username: 'svc-orders', password, clientSecret };
const nowSeconds = () => Math.floor(Date.now() / 1000);
const result = (serial: number, withRefreshToken = true) => {
  const { RefreshToken, ...rest } = cognitoTokens({ username: 'svc-orders', nowSeconds: nowSeconds(), serial });
  return { AuthenticationResult: withRefreshToken ? { ...rest, RefreshToken } : rest };
};
const refreshTokenOf = (serial: number) => `opaque-refresh-token-${serial}-ZXhhbXBsZQ`;
const rotationCalls = () => cognito.commandCalls(GetTokensFromRefreshTokenCommand);
const flowCalls = (flow: string) =>
  cognito.commandCalls(InitiateAuthCommand).filter((call) => call.args[0].input.AuthFlow === flow);
const serialOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()).serial as number;

beforeEach(() => {
  cognito.reset();
  vi.useFakeTimers({ now: new Date('2026-11-26T09:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("refresh: 'get-tokens-from-refresh-token'", () => {
  it('renews three times in a row, each time with the newest refresh token, sending the raw secret', async () => {
    let serial = 1;
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(GetTokensFromRefreshTokenCommand)
      .callsFake(() => result(++serial));
    const tokens = createTokenProvider({
      clientId,
      region: 'eu-west-1',
      refresh: 'get-tokens-from-refresh-token',
      credentials,
    });
    await tokens.getIdToken();

    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(3600_000);
      expect(serialOf(await tokens.getIdToken())).toBe(i + 2);
    }

    expect(rotationCalls().map((call) => call.args[0].input)).toEqual([
      { ClientId: clientId, RefreshToken: refreshTokenOf(1), ClientSecret: clientSecret },
      { ClientId: clientId, RefreshToken: refreshTokenOf(2), ClientSecret: clientSecret },
      { ClientId: clientId, RefreshToken: refreshTokenOf(3), ClientSecret: clientSecret },
    ]);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(1);
    expect(flowCalls('REFRESH_TOKEN_AUTH')).toHaveLength(0);
  });

  it('keeps the old refresh token when the response carries none, and sends no ClientSecret without a secret', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(GetTokensFromRefreshTokenCommand)
      .callsFake(() => result(2, false));
    const tokens = createTokenProvider({
      clientId,
      region: 'eu-west-1',
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
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(GetTokensFromRefreshTokenCommand)
      .rejects(failure());
    const tokens = createTokenProvider({
      clientId,
      region: 'eu-west-1',
      refresh: 'get-tokens-from-refresh-token',
      credentials,
    });
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);
    const idToken = await tokens.getIdToken();

    expect(serialOf(idToken)).toBe(1);
    expect(rotationCalls()).toHaveLength(1);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(2);
  });

  it('makes exactly one renewal call for 200 concurrent callers at expiry', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(GetTokensFromRefreshTokenCommand)
      .callsFake(async () => {
        await new Promise((resolve) => setTimeout(resolve, 80));
        return result(2);
      });
    const tokens = createTokenProvider({
      clientId,
      region: 'eu-west-1',
      refresh: 'get-tokens-from-refresh-token',
      credentials,
    });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3600_000);

    const callers = Promise.all(Array.from({ length: 200 }, () => tokens.getIdToken()));
    await vi.advanceTimersByTimeAsync(100);
    const idTokens = await callers;

    expect(new Set(idTokens.map(serialOf))).toEqual(new Set([2]));
    expect(rotationCalls()).toHaveLength(1);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(1);
  });
});

describe('a rotated refresh token is never sent twice', () => {
  it('does not retry GetTokensFromRefreshToken after a 5xx, and signs in with the password instead of resending', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(GetTokensFromRefreshTokenCommand)
      .rejects(internalError());
    const tokens = createTokenProvider({
      clientId,
      region: 'eu-west-1',
      refresh: 'get-tokens-from-refresh-token',
      credentials,
    });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3400_000);

    await tokens.getIdToken();
    expect(rotationCalls()).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(30_000);
    await tokens.getIdToken();

    expect(rotationCalls()).toHaveLength(1);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(2);
  });

  it('keeps a refresh token that was only throttled: Cognito did not act on it, so it may be sent again', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(GetTokensFromRefreshTokenCommand)
      .rejects(throttled());
    const tokens = createTokenProvider({
      clientId,
      region: 'eu-west-1',
      timeoutMs: 60_000,
      refresh: 'get-tokens-from-refresh-token',
      credentials,
    });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3400_000);
    const served = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(20_000);
    await served;
    cognito.on(GetTokensFromRefreshTokenCommand).callsFake(() => result(2));

    await vi.advanceTimersByTimeAsync(30_000);
    const renewed = await tokens.getIdToken();

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
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .resolves({})
      .on(GetTokensFromRefreshTokenCommand)
      .resolves({});
    const tokens = createTokenProvider({ clientId, region: 'eu-west-1', refresh, credentials });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3600_000);

    await expect(tokens.getIdToken()).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
  });

  it('still retries throttling, which Cognito answers before acting on the request', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(GetTokensFromRefreshTokenCommand)
      .rejectsOnce(throttled())
      .callsFake(() => result(2));
    const tokens = createTokenProvider({
      clientId,
      region: 'eu-west-1',
      refresh: 'get-tokens-from-refresh-token',
      credentials,
    });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(3600_000);

    const pending = tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(1_000);

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
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejects(notAuthorized('Refresh token rotation is enabled for this client'))
      .on(GetTokensFromRefreshTokenCommand)
      .callsFake(() => result(++serial));
    const logger = { debug: vi.fn() };
    const tokens = createTokenProvider({ clientId, region: 'eu-west-1', credentials, logger });
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
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejects(notAuthorized('Refresh Token has expired'))
      .on(GetTokensFromRefreshTokenCommand)
      .rejects(notAuthorized('Refresh Token has expired'));
    const tokens = createTokenProvider({ clientId, region: 'eu-west-1', credentials });
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
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejects(throttled());
    const tokens = createTokenProvider({ clientId, region: 'eu-west-1', timeoutMs: 2000, credentials });
    await tokens.getIdToken();
    await vi.advanceTimersByTimeAsync(4000_000);

    const pending = tokens.getIdToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2000);

    expect((await pending) as CognitoTokenError).toMatchObject({ code: 'ERR_THROTTLED' });
    expect(rotationCalls()).toHaveLength(0);
  });

  it('switches on other client errors too, since Cognito does not document the refusal', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejects(new InvalidParameterException({ message: 'REFRESH_TOKEN_AUTH is not supported', $metadata: {} }))
      .on(GetTokensFromRefreshTokenCommand)
      .callsFake(() => result(2));
    const tokens = createTokenProvider({ clientId, region: 'eu-west-1', credentials });
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);

    expect(serialOf(await tokens.getIdToken())).toBe(2);
    expect(rotationCalls()).toHaveLength(1);
  });
});

describe('an installed SDK without GetTokensFromRefreshTokenCommand', () => {
  afterEach(() => {
    vi.doUnmock('@aws-sdk/client-cognito-identity-provider');
    vi.resetModules();
  });

  async function providerModuleWithOldSdk() {
    vi.resetModules();
    vi.doMock('@aws-sdk/client-cognito-identity-provider', async (importOriginal) => {
      const { GetTokensFromRefreshTokenCommand: _missing, ...older } =
        await importOriginal<typeof import('@aws-sdk/client-cognito-identity-provider')>();
      // Vitest's module mock throws on reading an export it lacks, where a real namespace object gives
      // undefined; an explicit undefined reproduces what the package sees with an older SDK.
      return { ...older, GetTokensFromRefreshTokenCommand: undefined };
    });
    return import('../../src/user/token-provider.js');
  }

  it("fails at construction with ERR_CONFIGURATION for refresh: 'get-tokens-from-refresh-token'", async () => {
    const { createTokenProvider: create } = await providerModuleWithOldSdk();

    expect(() =>
      create({ clientId, region: 'eu-west-1', refresh: 'get-tokens-from-refresh-token', credentials }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringContaining('"refresh"') }));
  });

  it("never switches in 'auto': a refused REFRESH_TOKEN_AUTH falls back to the password", async () => {
    const { createTokenProvider: create } = await providerModuleWithOldSdk();
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .callsFake(() => result(1))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejects(notAuthorized('Refresh token rotation is enabled for this client'));
    const tokens = create({ clientId, region: 'eu-west-1', credentials });
    await tokens.getIdToken();

    await vi.advanceTimersByTimeAsync(3600_000);
    await tokens.getIdToken();

    expect(rotationCalls()).toHaveLength(0);
    expect(flowCalls('USER_PASSWORD_AUTH')).toHaveLength(2);
  });
});
