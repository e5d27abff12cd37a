import { GetClientTokenCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it, vi } from 'vitest';
import { shareTokenStore, type TokenStore } from '../../src/index.js';
import { internalError, notAuthorized, throttled } from '../helpers/cognito-errors.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';
import {
  authResult,
  clientProvider,
  FAST_RETRIES,
  M2M_CLIENT_SECRET,
  mockCognitoOnFakeClock,
  nowSeconds,
  PASSWORD,
  USERNAME,
  userProvider,
} from '../helpers/providers.js';

const cognito = mockCognitoOnFakeClock();

interface LoggedEvent {
  readonly message: string;
  readonly details: Record<string, unknown> | undefined;
}

function collectingLogger() {
  const events: LoggedEvent[] = [];
  return {
    events,
    logger: { debug: (message: string, details?: Record<string, unknown>) => events.push({ message, details }) },
  };
}

/** Every value an event must never carry: the password, the client secret and every token Cognito issued. */
function secretsIssued(): string[] {
  const issued = cognito.calls().flatMap((call) => {
    const output = JSON.stringify(call.returnValue ?? '');
    return [...output.matchAll(/"(eyJ[\w-]+\.[\w-]+\.[\w-]+|opaque-refresh-token-[\w-]+)"/g)].map((match) => match[1]);
  });
  return [PASSWORD, M2M_CLIENT_SECRET, ...issued];
}

describe('logger events', () => {
  it('every event of a sign-in, a renewal, retries and failures carries details, and no secret', async () => {
    // Prepare: a throttled sign-in (a retry), a rejected one (a credentials reload), a success; a renewal; a
    // renewal that fails (served stale); an M2M token; a shared cache that fails.
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .rejectsOnce(throttled())
      .rejectsOnce(notAuthorized())
      .resolves(authResult({ serial: 1 }))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .resolvesOnce(authResult({ serial: 2, withoutRefreshToken: true }))
      .rejects(internalError());
    const { RefreshToken: _, ...m2mTokens } = cognitoTokens({
      username: USERNAME,
      nowSeconds: nowSeconds(),
      serial: 9,
    });
    cognito.on(GetClientTokenCommand).resolves({
      ClientAuthenticationResult: { AccessToken: m2mTokens.AccessToken, ExpiresIn: 3600, TokenType: 'Bearer' },
    } as never);
    const failingStore: TokenStore = {
      read: () => Promise.reject(new Error(`store down; ${PASSWORD}`)),
      put: () => Promise.reject(new Error('store down')),
      acquireLease: () => Promise.reject(new Error('store down')),
      releaseLease: () => Promise.reject(new Error('store down')),
      refuse: () => Promise.reject(new Error('store down')),
      // The user's app client has no secret: the fleet needs an explicit key.
      encryptionKey: () => new Uint8Array(32).fill(5),
    };
    const { events, logger } = collectingLogger();
    const credentials = vi.fn(async () => ({ username: USERNAME, password: PASSWORD }));
    const tokens = userProvider({ credentials, logger, retryPolicy: FAST_RETRIES, timeoutMs: 1_000 });
    const shared = userProvider({ logger, sharedCache: shareTokenStore(failingStore), retryPolicy: FAST_RETRIES });
    const m2m = clientProvider({ logger, retryPolicy: FAST_RETRIES });

    // Act: the back-off runs on the fake clock, so each call is awaited while the clock moves.
    const settled = async (call: () => Promise<unknown>) => {
      const pending = call();
      await vi.advanceTimersByTimeAsync(100);
      await pending;
    };
    await settled(() => tokens.getIdToken());
    await vi.advanceTimersByTimeAsync(3_400_000);
    await settled(() => tokens.getIdToken());
    await vi.advanceTimersByTimeAsync(3_400_000);
    await settled(() => tokens.getIdToken());
    await settled(() => shared.getIdToken());
    await settled(() => m2m.getAccessToken());

    // Assert
    const messages = events.map((event) => event.message.replace('cognito-token-provider: ', ''));
    expect(messages).toEqual(
      expect.arrayContaining([
        'retrying',
        'sign-in rejected, reloading credentials',
        'signed in',
        'renewed',
        'renewal failed, serving tokens until they expire',
        'shared cache unavailable, using Cognito directly',
        'client token issued',
      ]),
    );
    for (const { message, details } of events) {
      expect(details, message).toBeTypeOf('object');
      expect(Object.keys(details ?? {}), message).not.toHaveLength(0);
    }
    const logged = JSON.stringify(events);
    for (const secret of secretsIssued()) expect(logged).not.toContain(secret);
    const detailsOf = (message: string) => events.find((event) => event.message.endsWith(message))?.details;
    expect(detailsOf('signed in')).toEqual({ flow: 'user-password', durationMs: expect.any(Number) });
    expect(detailsOf('renewed')).toEqual({ method: 'REFRESH_TOKEN_AUTH', durationMs: expect.any(Number) });
    expect(detailsOf('retrying')).toEqual({
      operation: 'InitiateAuth',
      attempt: 1,
      error: 'TooManyRequestsException',
      delayMs: expect.any(Number),
    });
    expect(detailsOf('client token issued')).toEqual({
      source: 'get-client-token',
      scopes: expect.any(Array),
      expiresAt: expect.any(Date),
      durationMs: expect.any(Number),
    });
  });
});
