// The caching contract every provider and fromSsm relies on, tested here once and directly: the provider tests
// keep one end-to-end single-flight test each and otherwise test their own wiring.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiringCache } from '../../src/core/expiring-cache.js';

interface Fake {
  readonly expiresAt: number;
  readonly renewAt: number;
  readonly serial: number;
}

interface Pending {
  readonly current: Fake | undefined;
  resolve(value: Fake): void;
  reject(error: unknown): void;
}

/** A value that dies in `lifetimeMs` and is due for renewal halfway through. */
const cached = (serial: number, lifetimeMs = 10_000): Fake => ({
  expiresAt: Date.now() + lifetimeMs,
  renewAt: Date.now() + lifetimeMs / 2,
  serial,
});

/** An obtain() whose fetches stay pending until the test settles them, in order. */
function controlledObtain() {
  const pending: Pending[] = [];
  const obtain = vi.fn(
    (current: Fake | undefined) =>
      new Promise<Fake>((resolve, reject) => {
        pending.push({ current, resolve, reject });
      }),
  );
  return { obtain, pending };
}

/** A cache already holding serial 1 (10 s lifetime, due for renewal at 5 s), and its controlled obtain. */
async function warmCache(logger?: { debug: (message: string, details?: unknown) => void }) {
  const { obtain, pending } = controlledObtain();
  const cache = new ExpiringCache(obtain, logger);
  const first = cache.load();
  pending[0]?.resolve(cached(1));
  return { cache, obtain, pending, first: await first };
}

const settle = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ExpiringCache: the cached path', () => {
  it('serves fresh() only between a load and the renewal point, with no fetch', async () => {
    const { cache, obtain, first } = await warmCache();

    const before = cache.fresh();
    vi.advanceTimersByTime(4_999);
    const stillFresh = cache.fresh();
    vi.advanceTimersByTime(1);
    const due = cache.fresh();

    expect(new ExpiringCache(obtain).fresh()).toBeUndefined();
    expect(before).toBe(first);
    expect(stillFresh).toBe(first);
    expect(due).toBeUndefined();
    expect(obtain).toHaveBeenCalledTimes(1);
  });

  it('returns fresh values from load() without fetching', async () => {
    const { cache, obtain, first } = await warmCache();

    const second = await cache.load();

    expect(second).toBe(first);
    expect(obtain).toHaveBeenCalledTimes(1);
  });
});

describe('ExpiringCache: single flight', () => {
  it('makes one fetch for 1,000 concurrent loads on a cold cache, and hands all of them its value', async () => {
    const { obtain, pending } = controlledObtain();
    const cache = new ExpiringCache(obtain);

    const loads = Array.from({ length: 1_000 }, () => cache.load());
    pending[0]?.resolve(cached(1));
    const values = await Promise.all(loads);

    expect(obtain).toHaveBeenCalledTimes(1);
    expect(obtain).toHaveBeenCalledWith(undefined);
    expect(new Set(values).size).toBe(1);
    expect(values[0]?.serial).toBe(1);
  });

  it('makes one renewal for concurrent loads past the renewal point, passing the current value to obtain', async () => {
    const { cache, obtain, pending, first } = await warmCache();
    vi.advanceTimersByTime(5_000);

    const loads = Array.from({ length: 100 }, () => cache.load());
    pending[1]?.resolve(cached(2));
    const values = await Promise.all(loads);

    expect(obtain).toHaveBeenCalledTimes(2);
    expect(pending[1]?.current).toBe(first);
    expect(values.every((value) => value.serial === 2)).toBe(true);
    expect(cache.fresh()?.serial).toBe(2);
  });

  it('starts a new fetch once the previous one has settled', async () => {
    const { cache, obtain, pending } = await warmCache();
    vi.advanceTimersByTime(5_000);
    const renewal = cache.load();
    pending[1]?.resolve(cached(2));
    await renewal;
    vi.advanceTimersByTime(5_000);

    const next = cache.load();
    pending[2]?.resolve(cached(3));

    expect((await next).serial).toBe(3);
    expect(obtain).toHaveBeenCalledTimes(3);
  });
});

describe('ExpiringCache: failures', () => {
  it('never caches a failure: every caller of the failed fetch sees it, and the next load fetches again', async () => {
    const { obtain, pending } = controlledObtain();
    const cache = new ExpiringCache(obtain);
    const failure = new Error('Cognito is down');

    const waiting = [settle(cache.load()), settle(cache.load())];
    pending[0]?.reject(failure);
    const outcomes = await Promise.all(waiting);
    const next = cache.load();
    pending[1]?.resolve(cached(2));

    expect(outcomes).toEqual([{ error: failure }, { error: failure }]);
    expect((await next).serial).toBe(2);
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('serves the still-valid value to every caller when an early renewal fails, logging it once', async () => {
    const logger = { debug: vi.fn() };
    const { cache, pending, first } = await warmCache(logger);
    vi.advanceTimersByTime(6_000);

    const waiting = [cache.load(), cache.load(), cache.load()];
    pending[1]?.reject(Object.assign(new Error('x'), { code: 'ERR_THROTTLED' }));
    const served = await Promise.all(waiting);

    expect(served).toEqual([first, first, first]);
    expect(logger.debug).toHaveBeenCalledTimes(1);
    expect(logger.debug).toHaveBeenCalledWith(expect.stringContaining('renewal failed'), {
      error: 'ERR_THROTTLED',
      expiresInMs: 4_000,
    });
  });

  it('logs a failure without a code by its name', async () => {
    const logger = { debug: vi.fn() };
    const { cache, pending } = await warmCache(logger);
    vi.advanceTimersByTime(7_000);

    const served = cache.load();
    pending[1]?.reject(new RangeError('y'));

    expect((await served).serial).toBe(1);
    expect(logger.debug).toHaveBeenLastCalledWith(expect.stringContaining('renewal failed'), {
      error: 'RangeError',
      expiresInMs: 3_000,
    });
  });

  it.each([
    // remaining life, then the pause: min(30 s, a quarter of what is left)
    ['a quarter of the remaining life when that is under 30 s', 10_000, 4_000, 1_000],
    ['30 s when a quarter of the remaining life is longer', 3_600_000, 600_000, 30_000],
  ])('pauses for %s before asking again after a failed renewal', async (_label, lifetimeMs, remainingMs, pauseMs) => {
    const { obtain, pending } = controlledObtain();
    const cache = new ExpiringCache(obtain);
    const first = cache.load();
    pending[0]?.resolve(cached(1, lifetimeMs));
    await first;
    vi.advanceTimersByTime(lifetimeMs - remainingMs);
    const failed = cache.load();
    pending[1]?.reject(new Error('throttled'));
    await failed;

    vi.advanceTimersByTime(pauseMs - 1);
    const duringPause = await cache.load();
    const freshDuringPause = cache.fresh();
    vi.advanceTimersByTime(1);
    const afterPause = cache.load();
    pending[2]?.resolve(cached(2, lifetimeMs));

    expect(duringPause.serial).toBe(1);
    expect(freshDuringPause?.serial).toBe(1);
    expect(cache.fresh()).toBeUndefined();
    expect((await afterPause).serial).toBe(2);
    expect(obtain).toHaveBeenCalledTimes(3);
  });
});

describe('ExpiringCache: clear()', () => {
  it.each([
    ['serve a value that expired before its renewal failed', 10_000, () => undefined],
    ['serve a value that expired while its renewal was on its way', 9_000, () => vi.advanceTimersByTime(1_000)],
    [
      'hand values from before clear() to callers whose renewal fails afterwards',
      6_000,
      (cache: ExpiringCache<Fake>) => cache.clear(),
    ],
  ])('does not %s', async (_label, elapsedMs, meanwhile) => {
    const { cache, pending } = await warmCache();
    vi.advanceTimersByTime(elapsedMs);
    const failure = new Error('renewal failed');

    const waiting = settle(cache.load());
    meanwhile(cache);
    pending[1]?.reject(failure);

    expect(await waiting).toEqual({ error: failure });
    expect(cache.fresh()).toBeUndefined();
  });

  it('keeps a fetch that started before clear() from filling the cache', async () => {
    const { obtain, pending } = controlledObtain();
    const cache = new ExpiringCache(obtain);

    const before = cache.load();
    cache.clear();
    pending[0]?.resolve(cached(1));
    const handedOut = await before;
    const after = cache.load();
    pending[1]?.resolve(cached(2));

    expect(handedOut.serial).toBe(1);
    expect((await after).serial).toBe(2);
    expect(pending[1]?.current).toBeUndefined();
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('starts a new fetch after clear(), which the old fetch settling does not disturb', async () => {
    const { obtain, pending } = controlledObtain();
    const cache = new ExpiringCache(obtain);
    const old = cache.load();
    cache.clear();
    const replacement = cache.load();

    pending[0]?.resolve(cached(1));
    await old;
    const joining = cache.load();
    pending[1]?.resolve(cached(2));

    expect((await replacement).serial).toBe(2);
    expect((await joining).serial).toBe(2);
    expect(obtain).toHaveBeenCalledTimes(2);
  });
});

describe('ExpiringCache: forced loads', () => {
  it('fetches while the value is fresh, shares the fetch among forced loads, and keeps the result', async () => {
    const { cache, obtain, pending, first } = await warmCache();

    const forced = [cache.load({ force: true }), cache.load({ force: true })];
    pending[1]?.resolve(cached(2));
    const [a, b] = await Promise.all(forced);

    expect(pending[1]?.current).toMatchObject({ serial: 1 });
    expect(a?.serial).toBe(2);
    expect(b).toBe(a);
    expect(cache.fresh()).toBe(a);
    expect(first.serial).toBe(1);
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('makes callers that arrive during a forced fetch wait for the new value, not the refused one', async () => {
    const { cache, obtain, pending } = await warmCache();

    const forced = cache.load({ force: true });
    const freshDuring = cache.fresh();
    const during = cache.load();
    pending[1]?.resolve(cached(2));

    expect(freshDuring).toBeUndefined();
    expect((await during).serial).toBe(2);
    expect((await forced).serial).toBe(2);
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('fails rather than falling back on the refused value when the forced fetch fails', async () => {
    const { cache, pending } = await warmCache();
    const failure = new Error('renewal failed');

    const forced = settle(cache.load({ force: true }));
    pending[1]?.reject(failure);

    expect(await forced).toEqual({ error: failure });
  });

  it('fails a forced load that joins a failing background renewal, while the background caller is served', async () => {
    const { cache, obtain, pending, first } = await warmCache();
    vi.advanceTimersByTime(6_000);
    const failure = new Error('renewal failed');

    const background = cache.load();
    const forced = settle(cache.load({ force: true }));
    pending[1]?.reject(failure);

    expect(await background).toBe(first);
    expect(await forced).toEqual({ error: failure });
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('fetches as an ordinary load when nothing is cached', async () => {
    const { obtain, pending } = controlledObtain();
    const cache = new ExpiringCache(obtain);

    const forced = cache.load({ force: true });
    pending[0]?.resolve(cached(1));

    expect((await forced).serial).toBe(1);
    expect(obtain).toHaveBeenCalledWith(undefined);
  });
});
