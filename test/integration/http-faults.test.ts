// Faults injected at the HTTP level, below the real SDK stack (serialisation, error parsing, node-http-handler,
// abort signals), by the counting proxy in front of cognito-local. Real timers with small timeouts: these tests
// measure attempts and elapsed-time bounds, which is what the provider promises. Back-off is the provider's
// default (200 ms base, doubling, "equal jitter": the n-th wait is between 100·2^(n-1) and 200·2^(n-1) ms).
import { CognitoTokenError, createTokenProvider, type TokenProvider } from 'cognito-token-provider';
import { describe, expect, it, vi } from 'vitest';
import type { CognitoStack } from '../../harness/cognito-stack.js';
import { closedPort as freePortNobodyListensOn } from '../../harness/hostile-endpoint.js';
import { useCognitoStack } from '../helpers/cognito-stack-hooks.js';

// Headroom for the requests themselves and a loaded CI machine; the bounds below are far apart enough for it.
const SLACK_MS = 750;

let stack: CognitoStack;
useCognitoStack((started) => {
  stack = started;
});

function provider(timeoutMs: number, endpoint = stack.proxy.endpoint): TokenProvider {
  const { seed } = stack;
  return createTokenProvider({
    clientId: seed.withoutSecret.clientId,
    credentials: { username: seed.user.email, password: seed.user.password },
    clientConfig: { ...stack.clientConfig, endpoint },
    timeoutMs,
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ outcome: T | unknown; elapsedMs: number }> {
  const started = performance.now();
  const outcome = await work().catch((error: unknown) => error);
  return { outcome, elapsedMs: performance.now() - started };
}

const faultsSeen = () => stack.proxy.calls.map((call) => call.fault ?? call.status);

describe('faults through the real SDK stack', () => {
  it('retries TooManyRequestsException twice, then succeeds on the third attempt', async () => {
    // Prepare
    stack.proxy.setFaults([{ fault: 'throttle', times: 2 }]);
    const tokens = provider(5_000);

    // Act
    const { outcome, elapsedMs } = await timed(() => tokens.getIdToken());

    // Assert
    expect(outcome).toMatch(/^ey/);
    expect(faultsSeen()).toEqual(['throttle', 'throttle', 200]);
    expect(elapsedMs).toBeGreaterThanOrEqual(100 + 200);
    expect(elapsedMs).toBeLessThan(200 + 400 + SLACK_MS);
  });

  it('gives up on endless throttling with ERR_THROTTLED after 5 attempts', async () => {
    // Prepare
    stack.proxy.setFaults([{ fault: 'throttle' }]);
    const tokens = provider(10_000);

    // Act
    const { outcome, elapsedMs } = await timed(() => tokens.getIdToken());

    // Assert
    expect(outcome).toBeInstanceOf(CognitoTokenError);
    expect(outcome).toMatchObject({
      code: 'ERR_THROTTLED',
      message: expect.stringContaining('5 attempt(s)'),
      cause: expect.objectContaining({ name: 'TooManyRequestsException' }),
    });
    expect(stack.proxy.count('InitiateAuth')).toBe(5);
    expect(elapsedMs).toBeGreaterThanOrEqual(100 + 200 + 400 + 800);
    expect(elapsedMs).toBeLessThan(200 + 400 + 800 + 1_600 + SLACK_MS);
  });

  it('gives up on endless throttling within timeoutMs when that comes first, without a pointless last wait', async () => {
    // Prepare
    stack.proxy.setFaults([{ fault: 'throttle' }]);
    const tokens = provider(700);

    // Act
    const { outcome, elapsedMs } = await timed(() => tokens.getIdToken());

    // Assert
    expect(outcome).toMatchObject({ code: 'ERR_THROTTLED' });
    // Waits of 100–200, 200–400 and 400–800 ms cannot all fit in 700 ms.
    expect(stack.proxy.count('InitiateAuth')).toBeGreaterThanOrEqual(2);
    expect(stack.proxy.count('InitiateAuth')).toBeLessThanOrEqual(3);
    expect(elapsedMs).toBeLessThan(700 + SLACK_MS);
  });

  it.each([
    ['a 500', 'server-error'],
    ['a connection reset', 'reset'],
  ] as const)('retries %s once, after the first back-off, and succeeds', async (_label, fault) => {
    // Prepare
    stack.proxy.setFaults([{ fault, times: 1 }]);
    const tokens = provider(5_000);

    // Act
    const { outcome, elapsedMs } = await timed(() => tokens.getIdToken());

    // Assert
    expect(outcome).toMatch(/^ey/);
    expect(faultsSeen()).toEqual([fault, 200]);
    expect(elapsedMs).toBeGreaterThanOrEqual(100);
    expect(elapsedMs).toBeLessThan(200 + SLACK_MS);
  });

  it('gives up on a server that never answers with ERR_UNAVAILABLE when timeoutMs runs out', async () => {
    // Prepare
    stack.proxy.setFaults([{ fault: 'hang' }]);
    const tokens = provider(1_500);

    // Act
    const { outcome, elapsedMs } = await timed(() => tokens.getIdToken());

    // Assert
    expect(outcome).toBeInstanceOf(CognitoTokenError);
    expect(outcome).toMatchObject({ code: 'ERR_UNAVAILABLE', message: expect.stringContaining('1500 ms') });
    expect(faultsSeen()).toEqual(['hang']);
    expect(elapsedMs).toBeGreaterThanOrEqual(1_500 - 20);
    expect(elapsedMs).toBeLessThan(1_500 + SLACK_MS);
  });

  it('gives up on a refused connection with ERR_UNAVAILABLE after 5 attempts', async () => {
    // Prepare
    const closedPort = await freePortNobodyListensOn();
    const tokens = provider(10_000, `http://127.0.0.1:${closedPort}`);

    // Act
    const { outcome, elapsedMs } = await timed(() => tokens.getIdToken());

    // Assert
    expect(outcome).toMatchObject({ code: 'ERR_UNAVAILABLE', message: expect.stringContaining('5 attempt(s)') });
    expect(elapsedMs).toBeGreaterThanOrEqual(100 + 200 + 400 + 800);
    expect(elapsedMs).toBeLessThan(200 + 400 + 800 + 1_600 + SLACK_MS);
  });

  it('recovers on the next call after an outage: the failure is not cached', async () => {
    // Prepare
    stack.proxy.setFaults([{ fault: 'server-error' }]);
    const tokens = provider(1_000);
    const during = await tokens.getIdToken().catch((error: unknown) => error);
    const attemptsDuringOutage = stack.proxy.count();
    stack.proxy.setFaults([]);

    // Act
    const after = await tokens.getIdToken();

    // Assert
    expect(during).toMatchObject({ code: 'ERR_UNAVAILABLE' });
    expect(attemptsDuringOutage).toBeGreaterThanOrEqual(2);
    expect(after).toMatch(/^ey/);
    expect(stack.proxy.count()).toBe(attemptsDuringOutage + 1);
  });
});

describe('an outage during an early renewal', () => {
  it('keeps serving the still-valid tokens at once while the renewal hangs, and renews after a short pause once Cognito is back', async () => {
    // Prepare
    const { seed, proxy } = stack;
    const tokens = createTokenProvider({
      clientId: seed.shortLived.clientId,
      credentials: { username: seed.user.email, password: seed.user.password },
      clientConfig: stack.clientConfig,
      timeoutMs: 600,
    });
    const signedInAt = Date.now();
    const first = await tokens.getTokens();
    const expiresAt = first.expiresAt.getTime();
    // Past the renewal point (half the lifetime, these tokens being shorter than refreshAheadSeconds).
    await sleepUntil(expiresAt - (expiresAt - signedInAt) / 2 + 100);
    proxy.setFaults([{ fault: 'hang' }]);

    // Act
    // Served from memory: the renewal it starts runs in the background and gives up at timeoutMs.
    const { outcome: duringOutage, elapsedMs } = await timed(() => tokens.getIdToken());
    await sleepUntil(Date.now() + 600 + 100);
    const failedBy = Date.now();
    proxy.setFaults([]);
    // The provider waits a quarter of the remaining lifetime (at most 30 s) before asking a failing Cognito again.
    const duringPause = await tokens.getIdToken();
    await sleepUntil(failedBy + (expiresAt - failedBy) / 4 + 50);
    const startingRenewal = await tokens.getIdToken();
    const afterOutage = await vi.waitFor(
      async () => {
        const idToken = await tokens.getIdToken();
        expect(idToken).not.toBe(first.idToken);
        return idToken;
      },
      { timeout: 2_000, interval: 20 },
    );

    // Assert
    expect(duringOutage).toBe(first.idToken);
    expect(elapsedMs).toBeLessThan(50);
    expect(duringPause).toBe(first.idToken);
    expect(startingRenewal).toBe(first.idToken);
    expect(failedBy).toBeLessThan(expiresAt);
    expect(afterOutage).not.toBe(first.idToken);
    expect(proxy.calls.map((call) => [call.authFlow, call.fault ?? call.status])).toEqual([
      ['USER_PASSWORD_AUTH', 200],
      ['REFRESH_TOKEN_AUTH', 'hang'],
      ['REFRESH_TOKEN_AUTH', 200],
    ]);
  });
});

async function sleepUntil(time: number): Promise<void> {
  const wait = time - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
