// The caching contract every provider and fromSsm relies on, tested here once and directly: the provider tests
// keep one end-to-end single-flight test each and otherwise test their own wiring.
//
// The contract: a fresh value (before its renewal point) is served with no work; between the renewal point and
// expiry the current value is served at once and renewed in the background (stale-while-revalidate, one fetch
// however many callers); callers wait only when nothing usable is cached or for a forced load; a failure is never
// cached; a value past its expiry on either clock (wall or monotonic) is never served.
import { setImmediate } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiringCache, type FetchContext } from '../../src/core/expiring-cache.js';

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

/** A fetchValue() whose fetches stay pending until the test settles them, in order. */
function controlledObtain() {
  const pending: Pending[] = [];
  const obtain = vi.fn(
    ({ current }: FetchContext<Fake>) =>
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

/**
 * Whether `promise` settles before anything that is not already queued can run: a value served from memory does,
 * one that waits on a fetch (or on any timer or I/O) does not. One microtask turn is all a resolved promise needs.
 */
async function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  const markSettled = () => {
    settled = true;
  };
  promise.then(markSettled, markSettled);
  await Promise.resolve();
  return settled;
}

/** Lets the background renewal's settlement (and what the cache does about it) run, without moving the clock. */
const flush = () => vi.advanceTimersByTimeAsync(0);

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

  it('returns fresh values from load() already resolved, without fetching', async () => {
    const { cache, obtain, first } = await warmCache();

    const load = cache.load();

    expect(await settlesAtOnce(load)).toBe(true);
    expect(await load).toBe(first);
    expect(obtain).toHaveBeenCalledTimes(1);
  });

  it('returns the current value already resolved past the renewal point too: only the renewal waits on I/O', async () => {
    const { cache, obtain, first } = await warmCache();
    vi.advanceTimersByTime(5_000);

    const load = cache.load();

    expect(await settlesAtOnce(load)).toBe(true);
    expect(await load).toBe(first);
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('makes a cold load wait for its fetch', async () => {
    const { obtain, pending } = controlledObtain();
    const cache = new ExpiringCache(obtain);

    const load = cache.load();
    const settledEarly = await settlesAtOnce(load);
    pending[0]?.resolve(cached(1));

    expect(settledEarly).toBe(false);
    expect((await load).serial).toBe(1);
  });
});

describe('ExpiringCache: single flight', () => {
  it('hands the signal of the load that starts a fetch to that fetch, and joiners share it', async () => {
    const { obtain, pending } = controlledObtain();
    const cache = new ExpiringCache(obtain);
    const starter = new AbortController();
    const joiner = new AbortController();

    const first = cache.load({ signal: starter.signal });
    const second = cache.load({ signal: joiner.signal });
    // The signal travels in the context, not in state around the call: a fetch started later still sees its own.
    await Promise.resolve();
    pending[0]?.resolve(cached(1));
    await Promise.all([first, second]);
    const forced = cache.load({ force: true, signal: joiner.signal });
    pending[1]?.resolve(cached(2));
    await forced;

    expect(obtain).toHaveBeenCalledTimes(2);
    expect(obtain.mock.calls[0]?.[0].signal).toBe(starter.signal);
    expect(obtain.mock.calls[1]?.[0].signal).toBe(joiner.signal);
  });

  it('makes one fetch for 1,000 concurrent loads on a cold cache, and hands all of them its value', async () => {
    const { obtain, pending } = controlledObtain();
    const cache = new ExpiringCache(obtain);

    const loads = Array.from({ length: 1_000 }, () => cache.load());
    pending[0]?.resolve(cached(1));
    const values = await Promise.all(loads);

    expect(obtain).toHaveBeenCalledTimes(1);
    expect(obtain).toHaveBeenCalledWith({ current: undefined, refused: false, signal: undefined });
    expect(new Set(values).size).toBe(1);
    expect(values[0]?.serial).toBe(1);
  });

  it('serves concurrent loads past the renewal point the current value at once, with one background renewal from it', async () => {
    const { cache, obtain, pending, first } = await warmCache();
    vi.advanceTimersByTime(5_000);

    const values = await Promise.all(Array.from({ length: 100 }, () => cache.load()));
    const inFlight = obtain.mock.calls.length;
    pending[1]?.resolve(cached(2));
    await flush();
    const next = await cache.load();

    expect(values.every((value) => value === first)).toBe(true);
    expect(inFlight).toBe(2);
    expect(pending[1]?.current).toBe(first);
    expect(cache.fresh()?.serial).toBe(2);
    expect(next.serial).toBe(2);
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('shares the background renewal with fresh() callers and with a forced load that arrives during it', async () => {
    const { cache, obtain, pending, first } = await warmCache();
    vi.advanceTimersByTime(5_000);

    const served = await cache.load();
    const forced = cache.load({ force: true });
    pending[1]?.resolve(cached(2));

    expect(served).toBe(first);
    expect((await forced).serial).toBe(2);
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('starts a new renewal once the previous one has settled', async () => {
    const { cache, obtain, pending } = await warmCache();
    vi.advanceTimersByTime(5_000);
    await cache.load();
    pending[1]?.resolve(cached(2));
    await flush();
    vi.advanceTimersByTime(5_000);

    const stale = await cache.load();
    pending[2]?.resolve(cached(3));
    await flush();

    expect(stale.serial).toBe(2);
    expect(pending[2]?.current?.serial).toBe(2);
    expect((await cache.load()).serial).toBe(3);
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

  it('keeps serving the still-valid value when a background renewal fails, logging it once', async () => {
    const logger = { debug: vi.fn() };
    const { cache, obtain, pending, first } = await warmCache(logger);
    vi.advanceTimersByTime(6_000);

    const before = await Promise.all([cache.load(), cache.load(), cache.load()]);
    pending[1]?.reject(Object.assign(new Error('x'), { code: 'ERR_THROTTLED' }));
    await flush();
    const after = await Promise.all([cache.load(), cache.load()]);

    expect([...before, ...after].map((value) => value.serial)).toEqual([1, 1, 1, 1, 1]);
    expect(before[0]).toBe(first);
    expect(obtain).toHaveBeenCalledTimes(2);
    expect(logger.debug).toHaveBeenCalledTimes(1);
    expect(logger.debug).toHaveBeenCalledWith(expect.stringContaining('renewal failed'), {
      error: 'ERR_THROTTLED',
      expiresInMs: 4_000,
      retryInMs: 1_000,
    });
  });

  it('logs a failure without a code by its name', async () => {
    const logger = { debug: vi.fn() };
    const { cache, pending } = await warmCache(logger);
    vi.advanceTimersByTime(7_000);

    const served = await cache.load();
    pending[1]?.reject(new RangeError('y'));
    await flush();

    expect(served.serial).toBe(1);
    expect(logger.debug).toHaveBeenLastCalledWith(expect.stringContaining('renewal failed'), {
      error: 'RangeError',
      expiresInMs: 3_000,
      retryInMs: 750,
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
    await cache.load();
    pending[1]?.reject(new Error('throttled'));
    await flush();

    vi.advanceTimersByTime(pauseMs - 1);
    const duringPause = await cache.load();
    const freshDuringPause = cache.fresh();
    const callsDuringPause = obtain.mock.calls.length;
    vi.advanceTimersByTime(1);
    const afterPause = await cache.load();
    pending[2]?.resolve(cached(2, lifetimeMs));
    await flush();

    expect(duringPause.serial).toBe(1);
    expect(freshDuringPause?.serial).toBe(1);
    expect(callsDuringPause).toBe(2);
    expect(afterPause.serial).toBe(1);
    expect(obtain).toHaveBeenCalledTimes(3);
    expect(cache.fresh()?.serial).toBe(2);
  });

  it.each([
    ['the value is still valid', () => undefined],
    ['clear() came first', (cache: ExpiringCache<Fake>) => cache.clear()],
    ['the value expired meanwhile', () => vi.advanceTimersByTime(4_000)],
  ])('leaves no unhandled rejection behind a failed background renewal when %s', async (_label, meanwhile) => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const { cache, pending } = await warmCache();
      vi.advanceTimersByTime(6_000);
      await cache.load();
      meanwhile(cache);
      pending[1]?.reject(new Error('renewal failed'));
      await flush();
      // Node reports unhandled rejections once the microtask queue drains, before the next macrotask: the real
      // setImmediate of node:timers/promises, which fake timers leave alone, waits past that.
      await setImmediate();
    } finally {
      process.off('unhandledRejection', unhandled);
    }

    expect(unhandled).not.toHaveBeenCalled();
  });
});

describe('ExpiringCache: expiry', () => {
  it('does not serve a value past its expiry: the load waits for the fetch, and fails with it', async () => {
    const { cache, obtain, pending } = await warmCache();
    vi.advanceTimersByTime(10_000);
    const failure = new Error('renewal failed');

    const waiting = settle(cache.load());
    const freshThen = cache.fresh();
    pending[1]?.reject(failure);

    expect(await waiting).toEqual({ error: failure });
    expect(freshThen).toBeUndefined();
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('does not serve a value that expired while its background renewal was on its way', async () => {
    const { cache, obtain, pending, first } = await warmCache();
    vi.advanceTimersByTime(9_000);
    const failure = new Error('renewal failed');

    const stale = await cache.load();
    vi.advanceTimersByTime(1_000);
    const waiting = settle(cache.load());
    pending[1]?.reject(failure);

    expect(stale).toBe(first);
    expect(await waiting).toEqual({ error: failure });
    expect(cache.fresh()).toBeUndefined();
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['the monotonic clock says so, though the wall clock was stepped back', () => passThenStepWallClockBack(10_000)],
    [
      'the wall clock says so, though the monotonic clock stood still (a frozen Lambda)',
      () => vi.setSystemTime(Date.now() + 10_000),
    ],
  ])('treats a value as expired when %s', async (_case, moveClocks) => {
    const { cache, obtain, pending } = await warmCache();
    moveClocks();

    const load = cache.load();
    const settledEarly = await settlesAtOnce(load);
    pending[1]?.resolve(cached(2));

    expect(settledEarly).toBe(false);
    expect((await load).serial).toBe(2);
    expect(obtain).toHaveBeenCalledTimes(2);
  });

  it('renews when the monotonic clock passes the renewal point, though the wall clock was stepped back', async () => {
    const { cache, obtain, first } = await warmCache();
    passThenStepWallClockBack(5_000);

    const freshThen = cache.fresh();
    const served = await cache.load();

    expect(freshThen).toBeUndefined();
    expect(served).toBe(first);
    expect(obtain).toHaveBeenCalledTimes(2);
  });
});

/** Lets `ms` pass on both clocks, then steps the wall clock back ten minutes, as NTP or a restored snapshot may. */
function passThenStepWallClockBack(ms: number): void {
  const start = Date.now();
  vi.advanceTimersByTime(ms);
  vi.setSystemTime(start - 600_000);
}

describe('ExpiringCache: clear()', () => {
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

  it('does not bring back the cleared value when a background renewal started before clear() fails', async () => {
    const { cache, obtain, pending } = await warmCache();
    vi.advanceTimersByTime(6_000);
    await cache.load();

    cache.clear();
    pending[1]?.reject(new Error('renewal failed'));
    await flush();
    const freshAfter = cache.fresh();
    const next = cache.load();
    pending[2]?.resolve(cached(2));

    expect(freshAfter).toBeUndefined();
    expect((await next).serial).toBe(2);
    expect(pending[2]?.current).toBeUndefined();
    expect(obtain).toHaveBeenCalledTimes(3);
  });

  it('does not hand values from before clear() to callers waiting on a forced renewal that fails afterwards', async () => {
    const { cache, pending } = await warmCache();
    const failure = new Error('renewal failed');

    void settle(cache.load({ force: true }));
    const waiting = settle(cache.load());
    cache.clear();
    pending[1]?.reject(failure);

    expect(await waiting).toEqual({ error: failure });
    expect(cache.fresh()).toBeUndefined();
  });
  it('does not hand values from before clear() to waiting callers, even once a new value is cached', async () => {
    const { cache, pending } = await warmCache();
    const failure = new Error('renewal failed');

    void settle(cache.load({ force: true }));
    const waiting = settle(cache.load());
    cache.clear();
    const replacement = cache.load();
    pending[2]?.resolve(cached(2));
    await replacement;
    pending[1]?.reject(failure);

    expect(await waiting).toEqual({ error: failure });
    expect(cache.fresh()?.serial).toBe(2);
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

  it.each([
    ['fresh', 0],
    ['past its renewal point', 6_000],
  ])(
    'makes callers that arrive during a forced fetch wait for the new value, not the refused one (%s)',
    async (_label, elapsedMs) => {
      const { cache, obtain, pending } = await warmCache();
      vi.advanceTimersByTime(elapsedMs);

      const forced = cache.load({ force: true });
      const freshDuring = cache.fresh();
      const during = cache.load();
      const settledEarly = await settlesAtOnce(during);
      pending[1]?.resolve(cached(2));

      expect(freshDuring).toBeUndefined();
      expect(settledEarly).toBe(false);
      expect((await during).serial).toBe(2);
      expect((await forced).serial).toBe(2);
      expect(obtain).toHaveBeenCalledTimes(2);
    },
  );

  it('does not take a background renewal that brings back the refused value as the forced one', async () => {
    const { cache, obtain, pending, first } = await warmCache();
    vi.advanceTimersByTime(6_000);
    // Past the renewal point: the caller gets serial 1 and a background renewal starts.
    expect((await cache.load()).serial).toBe(1);

    const forced = cache.load({ force: true });
    // The background renewal answers with the value it already had (a fleet's cache serving it while another
    // instance renews): no newer than the refused one.
    pending[1]?.resolve({ ...first, renewAt: Date.now() + 1_000 });
    await flush();
    pending[2]?.resolve(cached(2));

    expect((await forced).serial).toBe(2);
    expect(obtain).toHaveBeenCalledTimes(3);
    expect(obtain.mock.calls[2]?.[0].refused).toBe(true);
  });

  it('fails the forced load when its fetch fails, while callers that joined it fall back on the still-valid value', async () => {
    const { cache, obtain, pending, first } = await warmCache();
    const failure = new Error('renewal failed');

    const forced = settle(cache.load({ force: true }));
    const joined = cache.load();
    pending[1]?.reject(failure);

    expect(await forced).toEqual({ error: failure });
    expect(await joined).toBe(first);
    expect(obtain).toHaveBeenCalledTimes(2);
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
    expect(obtain).toHaveBeenCalledWith({ current: undefined, refused: false, signal: undefined });
  });
});
