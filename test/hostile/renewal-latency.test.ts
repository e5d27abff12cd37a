// What a caller of a provider pays while its tokens are being renewed, and what it is served when the clocks
// disagree: the provider-level half of the stale-while-revalidate issue (the cache's own contract is
// test/core/expiring-cache.test.ts).
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it, vi } from 'vitest';
import {
  authResult,
  flushPendingWork,
  initiateAuthCalls,
  mockCognitoOnFakeClock,
  serialOf,
  userProvider,
} from '../helpers/providers.js';

const cognito = mockCognitoOnFakeClock();
const refreshAuthCalls = () => initiateAuthCalls(cognito, 'REFRESH_TOKEN_AUTH');
const never = () => new Promise<never>(() => {});

/**
 * Whether every one of `calls` settles before the event loop's next turn: what a value served from memory
 * does, and what a call waiting on a request (or on any timer) cannot. The real setImmediate of
 * node:timers/promises marks that turn; fake timers leave it alone.
 */
async function allSettleInThisMacrotask(calls: readonly Promise<unknown>[]): Promise<boolean> {
  const outcome = await Promise.race([Promise.allSettled(calls).then(() => 'settled'), nextMacrotask('waiting')]);
  return outcome === 'settled';
}

describe("a caller's latency", () => {
  it('stays at cached-path cost while fresh: 1,000 calls settle in this macrotask, with no request', async () => {
    cognito.on(InitiateAuthCommand).resolves(authResult({ serial: 1 }));
    const tokens = userProvider();
    await tokens.getIdToken();

    const calls = Array.from({ length: 1_000 }, () => tokens.getIdToken());

    expect(await allSettleInThisMacrotask(calls)).toBe(true);
    expect(new Set((await Promise.all(calls)).map(serialOf))).toEqual(new Set([1]));
    expect(cognito.calls()).toHaveLength(1);
  });

  it('stays at cached-path cost under a hanging renewal: 1,000 calls get the old token at once, one renewal in flight', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .resolves(authResult({ serial: 1 }))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .callsFake(never);
    const tokens = userProvider();
    const first = await tokens.getIdToken();
    // Past the renewal point (300 s before the hour's expiry), well before expiry.
    await vi.advanceTimersByTimeAsync(3_400_000);

    const calls = Array.from({ length: 1_000 }, () => tokens.getIdToken());
    const settledAtOnce = await allSettleInThisMacrotask(calls);
    // The renewal request goes out through the SDK's async middleware; let it get there, moving no clock.
    await vi.advanceTimersByTimeAsync(0);

    expect(settledAtOnce).toBe(true);
    expect(new Set(await Promise.all(calls))).toEqual(new Set([first]));
    expect(refreshAuthCalls()).toHaveLength(1);
    expect(cognito.calls()).toHaveLength(2);
  });
});

describe('a wall clock stepped back', () => {
  it('does not keep 4-second tokens alive: past their expiry on the monotonic clock, the provider fetches new ones', async () => {
    const start = Date.now();
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
      .resolves(authResult({ serial: 1, lifetimeSeconds: 4 }))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .callsFake(async () => authResult({ serial: 2, lifetimeSeconds: 4, withoutRefreshToken: true }));
    const tokens = userProvider();
    const first = await tokens.getIdToken();
    await flushPendingWork();

    // Both clocks move past expiry; then NTP (or a restored VM snapshot) steps the wall clock back 10 minutes.
    vi.advanceTimersByTime(5_000);
    vi.setSystemTime(start - 600_000);
    const afterStep = await tokens.getIdToken();

    expect(serialOf(first)).toBe(1);
    expect(serialOf(afterStep)).toBe(2);
    expect(refreshAuthCalls()).toHaveLength(1);
  });
});
