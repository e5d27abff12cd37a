import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, DEFAULT_RETRY_POLICY, Deadline, withRetries } from '../../src/core/deadline.js';
import { CognitoTokenError } from '../../src/index.js';

const transient = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('backoffMs', () => {
  it('doubles from the base delay up to the cap, with half of each wait random', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(DEFAULT_RETRY_POLICY, n))).toEqual([
      100, 200, 400, 800, 1600, 1600, 1600,
    ]);
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    expect(backoffMs(DEFAULT_RETRY_POLICY, 1)).toBe(200);
    expect(backoffMs(DEFAULT_RETRY_POLICY, 9)).toBe(3200);
  });
});

describe('withRetries', () => {
  it('passes a CognitoTokenError from an attempt straight through', async () => {
    const deadline = new Deadline(10_000);
    const own = new CognitoTokenError('ERR_CREDENTIALS', 'no');
    const attempt = vi.fn().mockRejectedValue(own);

    await expect(
      withRetries({ deadline, policy: DEFAULT_RETRY_POLICY, logger: undefined, operation: 'Op' }, attempt),
    ).rejects.toBe(own);
    expect(attempt).toHaveBeenCalledTimes(1);
    deadline.dispose();
  });

  it('gives up with the last failure when the budget runs out during a back-off', async () => {
    // remainingMs() says there is time, as it can when timers fire late on a busy machine.
    class OptimisticDeadline extends Deadline {
      override remainingMs(): number {
        return Number.POSITIVE_INFINITY;
      }
    }
    const deadline = new OptimisticDeadline(50);
    const attempt = vi.fn().mockRejectedValue(transient());

    const failure = withRetries(
      { deadline, policy: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 1000 }, logger: undefined, operation: 'Op' },
      attempt,
    ).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(50);

    expect(await failure).toMatchObject({
      code: 'ERR_UNAVAILABLE',
      message: 'Op failed (ECONNRESET); gave up after the 50 ms timeout ran out',
    });
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});
