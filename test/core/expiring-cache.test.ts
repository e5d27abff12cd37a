import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiringCache } from '../../src/core/expiring-cache.js';
import { renewalPoint } from '../../src/core/token-expiry.js';

interface Fake {
  readonly expiresAt: number;
  readonly renewAt: number;
  readonly serial: number;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('renewalPoint', () => {
  it('is refreshAheadSeconds before expiry, but never later than half the lifetime', () => {
    expect(renewalPoint(0, 3600_000, 300)).toBe(3300_000);
    expect(renewalPoint(0, 300_000, 300)).toBe(150_000);
    expect(renewalPoint(0, 10_000, 0)).toBe(10_000);
    expect(renewalPoint(5_000, 1_000, 300)).toBe(1_000);
  });
});

describe('ExpiringCache', () => {
  it('returns fresh tokens from load() without fetching', async () => {
    let serial = 0;
    const obtain = vi.fn(
      async (): Promise<Fake> => ({ expiresAt: Date.now() + 10_000, renewAt: Date.now() + 5_000, serial: ++serial }),
    );
    const cache = new ExpiringCache(obtain);

    const first = await cache.load();
    const second = await cache.load();

    expect(second).toBe(first);
    expect(obtain).toHaveBeenCalledTimes(1);
  });

  it('logs a failed early renewal by its code, or its name when it has none, and serves the old tokens', async () => {
    const logger = { debug: vi.fn() };
    const obtain = vi
      .fn<(current: Fake | undefined) => Promise<Fake>>()
      .mockResolvedValueOnce({ expiresAt: Date.now() + 10_000, renewAt: Date.now() + 5_000, serial: 1 })
      .mockRejectedValueOnce(Object.assign(new Error('x'), { code: 'ERR_THROTTLED' }))
      .mockRejectedValueOnce(new RangeError('y'));
    const cache = new ExpiringCache(obtain, logger);
    const first = await cache.load();
    vi.advanceTimersByTime(6_000);

    const served = await cache.load();

    expect(served).toBe(first);
    expect(obtain).toHaveBeenLastCalledWith(first);
    expect(logger.debug).toHaveBeenCalledWith(expect.stringContaining('renewal failed'), {
      error: 'ERR_THROTTLED',
      expiresInMs: 4_000,
    });
    vi.advanceTimersByTime(1_000);
    expect((await cache.load()).serial).toBe(1);
    expect(logger.debug).toHaveBeenLastCalledWith(expect.stringContaining('renewal failed'), {
      error: 'RangeError',
      expiresInMs: 3_000,
    });
  });
});
