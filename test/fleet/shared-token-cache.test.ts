import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countingStore } from '../../harness/counting-store.js';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import { decodeJwtClaims } from '../../src/core/jwt-claims.js';
import { deriveClientSealingKey, openEntry } from '../../src/fleet/entry-sealing.js';
import { shareTokenStore } from '../../src/fleet/share-token-store.js';
import { obtainShared, SharedTokenCache } from '../../src/fleet/shared-token-cache.js';
import type { TokenStore } from '../../src/fleet/token-store.js';
import { fakeJwt } from '../helpers/fake-jwt.js';
import {
  budget,
  describeFleetProtocol,
  describeTokenStoreContract,
  instanceCache,
  sealingKeyFor,
  type TestToken,
  UNAVAILABLE,
  uniqueKey,
} from './store-contract.js';

const LEASE_BUSY = 'cognito-token-provider: shared cache lease still held, using Cognito directly';
const TOO_SLOW = 'cognito-token-provider: shared cache too slow, using Cognito directly';

/** `store` with reads that answer `ms` late. */
function slowReads(store: TokenStore, ms: number): TokenStore {
  return {
    ...store,
    read: async (key, signal) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return store.read(key, signal);
    },
  };
}

/** The time from the first read to the second, from what `timed` recorded. */
const pauseBetween = (at: readonly number[]) => (at[1] as number) - (at[0] as number);

describe('memory token store (the reference for the real ones)', () => {
  describeTokenStoreContract(() => memoryTokenStore());
});

describe('memory token store with readOrAcquireLease (as the Redis store has)', () => {
  describeTokenStoreContract(() => memoryTokenStore({ combined: true }));
});

describe('SharedTokenCache over the memory store', () => {
  describeFleetProtocol(() => memoryTokenStore());
});

describe('SharedTokenCache over the memory store with readOrAcquireLease', () => {
  describeFleetProtocol(() => memoryTokenStore({ combined: true }));
});

/** Advances fake time in small steps until `promise` settles, as a real clock would. */
async function run<T>(promise: Promise<T>, maxMs = 30_000): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let elapsed = 0; elapsed < maxMs && !settled; elapsed += 5) await vi.advanceTimersByTimeAsync(5);
  return promise;
}

function namedError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const hour = () => Date.now() + 3_600_000;

/** A store that records when each call of `operation` was sent (fake time). */
function timed(store: TokenStore, operation: keyof TokenStore): { store: TokenStore; at: number[] } {
  const at: number[] = [];
  const wrapped = { ...store } as Record<string, unknown>;
  const original = store[operation] as (...args: unknown[]) => unknown;
  wrapped[operation] = (...args: unknown[]) => {
    at.push(Date.now());
    return original.apply(store, args);
  };
  return { store: wrapped as unknown as TokenStore, at };
}

describe('SharedTokenCache under fake time', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    // Whatever happened, nothing is left to hold a Lambda's event loop open.
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function fetcher(token = 'fetched', expiresAt = hour, tookMs = 0) {
    return vi.fn(async (): Promise<TestToken> => {
      if (tookMs > 0) await new Promise((resolve) => setTimeout(resolve, tookMs));
      return { token, expiresAt: expiresAt() };
    });
  }

  describe('a failing store never fails a call', () => {
    it.each([
      ['rejects', 'reject', 'InternalServerError'],
      ['hangs', 'hang', 'TimeoutError'],
      ['returns garbage', 'garbage', 'InvalidStoreEntry'],
    ] as const)(
      'when the store %s: fetches, logs once, and leaves the store alone for retryStoreAfterMs',
      async (_label, fault, errorName) => {
        const memory = memoryTokenStore();
        memory.fault = fault;
        const logger = { debug: vi.fn() };
        const cache = instanceCache(memory.store, uniqueKey(), { logger, retryStoreAfterMs: 30_000 });
        const fetch = fetcher();

        const results = await run(Promise.all(Array.from({ length: 10 }, () => cache.obtain(fetch, budget()))));

        expect(results.every((result) => result.token === 'fetched')).toBe(true);
        expect(logger.debug).toHaveBeenCalledTimes(1);
        expect(logger.debug).toHaveBeenCalledWith(UNAVAILABLE, { error: errorName });
        expect(memory.pending).toBe(0);
        const callsDuringOutage = memory.storeCalls;
        await run(cache.obtain(fetch, budget()));
        expect(memory.storeCalls).toBe(callsDuringOutage);
        await vi.advanceTimersByTimeAsync(30_000);
        memory.fault = undefined;
        await run(cache.obtain(fetch, budget()));
        expect(memory.storeCalls).toBeGreaterThan(callsDuringOutage);
        expect(logger.debug).toHaveBeenCalledTimes(1);
      },
    );

    it.each([
      [10_000, 7_000],
      [2_000, 1_000],
      [30_000, 27_000],
    ])(
      'gives a hanging store what a %i ms caller can afford (%i ms, keeping a reserve for the fetch), then aborts the call',
      async (budgetMs, expectedAt) => {
        const memory = memoryTokenStore();
        memory.fault = 'hang';
        const cache = instanceCache(memory.store, uniqueKey());
        let fetchedAt = 0;
        const started = Date.now();
        await run(
          cache.obtain(async () => {
            fetchedAt = Date.now();
            return { token: 'fetched', expiresAt: hour() };
          }, budget(budgetMs)),
          60_000,
        );
        expect(fetchedAt - started).toBeGreaterThanOrEqual(expectedAt);
        expect(fetchedAt - started).toBeLessThan(expectedAt + 10);
        expect(memory.pending).toBe(0);
      },
    );

    it('logs the error name only, never its message', async () => {
      const store: TokenStore = {
        ...memoryTokenStore().store,
        read: async () => {
          throw namedError('AccessDeniedException', 'User arn:aws:iam::123:role/x not allowed on ctp2:abc');
        },
      };
      const logger = { debug: vi.fn() };
      await run(instanceCache(store, uniqueKey(), { logger }).obtain(fetcher(), budget()));
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'AccessDeniedException' }]]);
    });

    it('logs "Error" for a rejection that is no error', async () => {
      const store: TokenStore = { ...memoryTokenStore().store, read: () => Promise.reject('ctp2:secret-ish text') };
      const logger = { debug: vi.fn() };
      await run(instanceCache(store, uniqueKey(), { logger }).obtain(fetcher(), budget()));
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'Error' }]]);
    });

    it('survives a store that throws synchronously, and a logger that throws', async () => {
      const store: TokenStore = {
        ...memoryTokenStore().store,
        read: () => {
          throw new TypeError('not a function');
        },
      };
      const logger = {
        debug: () => {
          throw new Error('broken logger');
        },
      };
      expect((await run(instanceCache(store, uniqueKey(), { logger }).obtain(fetcher(), budget()))).token).toBe(
        'fetched',
      );
    });

    it('returns the fetched value when writing it fails, and logs once', async () => {
      const memory = memoryTokenStore();
      const store: TokenStore = { ...memory.store, put: async () => Promise.reject(namedError('ValidationException')) };
      const logger = { debug: vi.fn() };
      const key = uniqueKey();
      const value = await run(instanceCache(store, key, { logger }).obtain(fetcher('kept'), budget()));
      expect(value.token).toBe('kept');
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'ValidationException' }]]);
      expect(memory.entry(key)).toBeUndefined();
    });

    it('does not wait on a hanging store past the caller`s budget when writing: the lease is left to lapse', async () => {
      const memory = memoryTokenStore();
      const hang = (signal: AbortSignal) =>
        new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      const releaseLease = vi.fn((_key: string, _holder: string, signal: AbortSignal) => hang(signal));
      const store: TokenStore = { ...memory.store, put: (_k, _e, _h, signal) => hang(signal), releaseLease };
      const started = Date.now();
      const value = await run(instanceCache(store, uniqueKey()).obtain(fetcher(), budget(10_000)));
      expect(value.token).toBe('fetched');
      expect(Date.now() - started).toBeLessThanOrEqual(10_000);
      expect(releaseLease).not.toHaveBeenCalled();
    });

    it('falls back when the sealing key cannot be derived, and derives it again later', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      await run(instanceCache(memory.store, key).obtain(fetcher('shared'), budget()));
      const sealingKey = vi.fn().mockRejectedValueOnce(namedError('RangeError'));
      const cache = instanceCache(memory.store, key, {
        sealingKey: async () => {
          await sealingKey();
          return sealingKeyFor(key);
        },
        retryStoreAfterMs: 1_000,
      });
      expect((await run(cache.obtain(fetcher('direct'), budget()))).token).toBe('direct');
      await vi.advanceTimersByTimeAsync(1_000);
      expect((await run(cache.obtain(fetcher('direct'), budget()))).token).toBe('shared');
      expect(sealingKey).toHaveBeenCalledTimes(2);
    });
  });

  describe('a throttling store is slow, not down', () => {
    it('is asked again with jittered back-off, and the fleet still fetches once', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.fault = 'throttle';
      const logger = { debug: vi.fn() };
      const fetch = fetcher('one', hour, 100);
      const fleet = Array.from({ length: 20 }, (_, index) =>
        instanceCache(memory.store, key, { logger, random: () => index / 20 }),
      );
      const obtained = Promise.all(fleet.map((cache) => cache.obtain(fetch, budget())));
      await vi.advanceTimersByTimeAsync(2_000);
      memory.fault = undefined;
      const values = await run(obtained);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(new Set(values.map((value) => value.token))).toEqual(new Set(['one']));
      expect(logger.debug).not.toHaveBeenCalled();
    });

    it.each([
      [0, [50, 100, 200, 400, 800, 1_000]],
      [0.999_999, [100, 200, 400, 800, 1_600, 2_000]],
    ])('backs off exponentially to 2 s, half fixed and half drawn (random %d)', async (random, delays) => {
      const memory = memoryTokenStore();
      memory.fault = 'throttle';
      const reads = timed(memory.store, 'read');
      const cache = instanceCache(reads.store, uniqueKey(), { random: () => random });
      await run(cache.obtain(fetcher(), budget(10_000)));
      const gaps = reads.at.slice(1, 7).map((at, index) => at - (reads.at[index] as number));
      gaps.forEach((gap, index) => {
        expect(gap).toBeGreaterThanOrEqual((delays[index] as number) - 1);
        expect(gap).toBeLessThanOrEqual((delays[index] as number) + 6);
      });
    });

    it('backs off for at least twice the time a refusal took to arrive', async () => {
      const memory = memoryTokenStore();
      let calls = 0;
      const store: TokenStore = {
        ...memory.store,
        read: async (key, signal) => {
          calls++;
          // Refusals that take 300 ms to come back: asking again after 100 ms would only add to the queue.
          await new Promise((resolve) => setTimeout(resolve, 300));
          if (calls <= 2) throw namedError('ProvisionedThroughputExceededException');
          return memory.store.read(key, signal);
        },
      };
      const reads = timed(store, 'read');
      await run(instanceCache(reads.store, uniqueKey(), { random: () => 0 }).obtain(fetcher(), budget()));
      // 300 ms for the refusal, then half (the draw) of 2 × 300 ms.
      expect((reads.at[1] as number) - (reads.at[0] as number)).toBeGreaterThanOrEqual(300 + 300 - 1);
      expect((reads.at[1] as number) - (reads.at[0] as number)).toBeLessThanOrEqual(300 + 300 + 6);
    });

    it('goes to the fetch once throttling outlasts the budget, logs it, and keeps using the store', async () => {
      const memory = memoryTokenStore();
      memory.fault = 'throttle';
      const logger = { debug: vi.fn() };
      const cache = instanceCache(memory.store, uniqueKey(), { logger });
      const started = Date.now();
      let fetchedAt = 0;
      await run(
        cache.obtain(async () => {
          fetchedAt = Date.now();
          return { token: 'direct', expiresAt: hour() };
        }, budget(10_000)),
      );
      // Within the store's share of the budget (7 s), not after a fixed second.
      expect(fetchedAt - started).toBeGreaterThan(5_000);
      expect(fetchedAt - started).toBeLessThanOrEqual(7_000);
      expect(logger.debug.mock.calls).toEqual([[TOO_SLOW, { waitedMs: expect.any(Number) }]]);
      memory.fault = undefined;
      const calls = memory.storeCalls;
      await run(cache.obtain(fetcher(), budget()));
      expect(memory.storeCalls).toBeGreaterThan(calls);
    });
  });

  describe('a slow store', () => {
    it('treats a store that answered, then outlasts the budget, as slow: fetches, and keeps using it', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      let reads = 0;
      const store: TokenStore = {
        ...memory.store,
        read: (readKey, signal) => {
          reads++;
          // The first read answers; the re-read hangs until the caller stops waiting.
          if (reads === 1) return memory.store.read(readKey, signal);
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        },
      };
      const logger = { debug: vi.fn() };
      const cache = instanceCache(store, key, { logger });
      const fetch = fetcher();
      await run(cache.obtain(fetch, budget(2_000)));
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(logger.debug.mock.calls).toEqual([[TOO_SLOW, { waitedMs: expect.any(Number) }]]);
      reads = 0;
      await run(cache.obtain(fetch, budget(2_000)));
      expect(reads).toBeGreaterThan(0);
    });
  });

  describe('the holder', () => {
    it('writes nothing and releases the lease when its fetch fails, and rejects with that failure', async () => {
      const memory = memoryTokenStore();
      const logger = { debug: vi.fn() };
      const key = uniqueKey();
      const failure = namedError('NotAuthorizedException');
      const obtained = instanceCache(memory.store, key, { logger }).obtain(async () => {
        throw failure;
      }, budget());
      await expect(run(obtained)).rejects.toBe(failure);
      expect(memory.entry(key)).toBeUndefined();
      expect(memory.items.get(key)?.holder).toBeUndefined();
      expect(logger.debug).not.toHaveBeenCalled();
    });

    it('does not write a value that has already expired, and ends its lease', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const value = await run(
        instanceCache(memory.store, key).obtain(
          fetcher('stale', () => Date.now() - 1),
          budget(),
        ),
      );
      expect(value.token).toBe('stale');
      expect(memory.entry(key)).toBeUndefined();
      expect(memory.items.get(key)?.holder).toBeUndefined();
    });

    it.each([
      [
        'a read and a re-read, the lease, and the entry with the lease ended',
        false,
        { read: 2, acquireLease: 1, put: 1 },
      ],
      ['one script for read-or-lease, and the entry with the lease ended', true, { readOrAcquireLease: 1, put: 1 }],
    ])('costs a lone cold instance %s', async (_label, combined, counts) => {
      const memory = memoryTokenStore({ combined });
      const counted = countingStore(memory.store);
      const key = uniqueKey();
      await run(instanceCache(counted.store, key).obtain(fetcher(), budget()));
      expect(counted.counts).toEqual(counts);
      expect(memory.items.get(key)?.holder).toBeUndefined();
      counted.reset();
      // A warm instance: one read.
      await run(
        instanceCache(counted.store, key).obtain(async () => {
          throw new Error('unexpected fetch');
        }, budget()),
      );
      expect(counted.counts).toEqual(combined ? { readOrAcquireLease: 1 } : { read: 1 });
    });

    it('tells the waiters when to look: the default the first time, then its own last fetch time', async () => {
      const memory = memoryTokenStore({ combined: true });
      const key = uniqueKey();
      const leases: number[] = [];
      const store: TokenStore = {
        ...memory.store,
        readOrAcquireLease: (leaseKey, lease, unless, signal) => {
          leases.push(lease.expectedInMs);
          return memory.store.readOrAcquireLease?.(leaseKey, lease, unless, signal) as never;
        },
      };
      const cache = instanceCache(store, key);
      await run(cache.obtain(fetcher('first', hour, 420), budget()));
      await run(
        cache.obtain(
          fetcher('second', () => Date.now() + 7_200_000, 90),
          { ...budget(), minValidUntil: hour() + 1 },
        ),
      );
      await run(
        cache.obtain(
          fetcher('third', () => Date.now() + 9_000_000),
          { ...budget(), minValidUntil: hour() + 7_200_000 },
        ),
      );
      expect(leases).toEqual([150, 420, 90]);
    });

    it('logs a failed release once, and rejects with the fetch failure', async () => {
      const memory = memoryTokenStore();
      const logger = { debug: vi.fn() };
      const store: TokenStore = {
        ...memory.store,
        releaseLease: async () => Promise.reject(namedError('InternalServerError')),
      };
      const failure = namedError('NotAuthorizedException');
      const obtained = instanceCache(store, uniqueKey(), { logger }).obtain(async () => {
        throw failure;
      }, budget());
      await expect(run(obtained)).rejects.toBe(failure);
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'InternalServerError' }]]);
    });

    it.each<[string, () => undefined]>([
      [
        'throws',
        () => {
          throw new TypeError('unexpected shape');
        },
      ],
      ['gives nothing (another version)', () => undefined],
    ])('treats an entry whose decoding %s as missing, and replaces it', async (_case, decode) => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      await run(instanceCache(memory.store, key).obtain(fetcher('v1'), budget()));
      const other = instanceCache(memory.store, key, { decode });

      const obtained = await run(
        other.obtain(
          fetcher('v2', () => Date.now() + 3_700_000),
          budget(),
        ),
      );

      expect(obtained.token).toBe('v2');
      expect((await run(instanceCache(memory.store, key).obtain(fetcher('unused'), budget()))).token).toBe('v2');
    });
  });

  describe('concurrent calls on one instance', () => {
    it('share one attempt: one fetch, one cold round of store calls', async () => {
      const memory = memoryTokenStore();
      const counted = countingStore(memory.store);
      const cache = instanceCache(counted.store, uniqueKey());
      const fetch = fetcher();
      const values = await run(Promise.all(Array.from({ length: 10 }, () => cache.obtain(fetch, budget()))));
      expect(new Set(values).size).toBe(1);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(counted.counts).toEqual({ read: 2, acquireLease: 1, put: 1 });
    });

    it('share the failure of the fetch they joined', async () => {
      const cache = instanceCache(memoryTokenStore().store, uniqueKey());
      const failure = namedError('NotAuthorizedException');
      const fetch = vi.fn(async (): Promise<TestToken> => {
        throw failure;
      });
      const results = await run(Promise.allSettled([cache.obtain(fetch, budget()), cache.obtain(fetch, budget())]));
      expect(results).toEqual([
        { status: 'rejected', reason: failure },
        { status: 'rejected', reason: failure },
      ]);
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('let a caller whose budget runs out stop waiting and call its own fetch', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.lease(key, 'busy', 600_000, 0);
      const cache = instanceCache(memory.store, key);
      const first = cache.obtain(fetcher('first'), budget());
      const controller = new AbortController();
      const own = vi.fn(async () => {
        throw namedError('TimeoutError');
      });
      const joined = cache.obtain(own, { ...budget(), signal: controller.signal });
      await vi.advanceTimersByTimeAsync(200);
      controller.abort();
      await expect(run(joined)).rejects.toMatchObject({ name: 'TimeoutError' });
      expect((await run(first)).token).toBe('first');
      expect(own).toHaveBeenCalledTimes(1);
    });

    it('start a new attempt once the previous one settled', async () => {
      const memory = memoryTokenStore();
      const cache = instanceCache(memory.store, uniqueKey(), { retryStoreAfterMs: 1_000 });
      memory.fault = 'reject';
      const fetch = fetcher();
      await run(cache.obtain(fetch, budget()));
      await run(cache.obtain(fetch, budget()));
      expect(fetch).toHaveBeenCalledTimes(2);
    });
  });

  describe('a fleet starting together', () => {
    it.each([false, true])(
      'never writes while a lease is live: one lease and one entry for 25 instances (readOrAcquireLease: %s)',
      async (combined) => {
        const memory = memoryTokenStore({ combined });
        const key = uniqueKey();
        const fetch = fetcher('shared', hour, 200);
        // Distinct draws: pre-lease pauses from 0 to 50 ms, most of them near the end.
        const fleet = Array.from({ length: 25 }, (_, index) =>
          instanceCache(memory.store, key, { random: () => ((index * 7) % 25) / 25 }),
        );
        const values = await run(Promise.all(fleet.map((cache) => cache.obtain(fetch, budget()))));
        expect(fetch).toHaveBeenCalledTimes(1);
        expect(new Set(values.map((value) => value.token))).toEqual(new Set(['shared']));
        // The lease and the entry; the waiters only read (the first pause, drawn at 0, is far ahead of the next).
        expect(memory.writes).toBe(2);
      },
    );

    it.each([
      [0, 0],
      [0.125, 25],
      [0.5, 39.7],
      [0.999_999, 50],
    ])('re-reads after a jittered pause before its first lease request (random %d: %d ms)', async (random, pause) => {
      const memory = memoryTokenStore();
      const reads = timed(memory.store, 'read');
      const leases = timed(reads.store, 'acquireLease');
      await run(instanceCache(leases.store, uniqueKey(), { random: () => random }).obtain(fetcher(), budget()));
      expect(reads.at).toHaveLength(2);
      // After the first read's answer (a millisecond here) and the pause.
      expect(pauseBetween(reads.at)).toBeGreaterThanOrEqual(pause - 1);
      expect(pauseBetween(reads.at)).toBeLessThanOrEqual(pause + 3);
      expect(leases.at).toHaveLength(1);
      // Asked for at once after the re-read's answer.
      expect((leases.at[0] as number) - (reads.at[1] as number)).toBeLessThanOrEqual(2);
    });

    it('scales that pause to fit the store`s share of the budget, rather than cut it short there', async () => {
      const reads = timed(slowReads(memoryTokenStore().store, 400), 'read');
      // A 4 s budget leaves the store 2 s: after a 400 ms answer, 799 ms of room for the pause (two answer
      // times kept for the re-read and the lease), of which this draw takes half.
      await run(instanceCache(reads.store, uniqueKey(), { random: () => 0.125 }).obtain(fetcher(), budget(4_000)));
      expect(pauseBetween(reads.at)).toBeGreaterThanOrEqual(400 + 398);
      expect(pauseBetween(reads.at)).toBeLessThanOrEqual(400 + 406);
    });

    it('spreads that pause over four times the store`s answer time when the store is slow', async () => {
      const reads = timed(slowReads(memoryTokenStore().store, 400), 'read');
      await run(instanceCache(reads.store, uniqueKey(), { random: () => 0.999_999 }).obtain(fetcher(), budget()));
      // Answered after 400 ms, then a pause of up to 4 × 400 ms.
      expect(pauseBetween(reads.at)).toBeGreaterThanOrEqual(400 + 1_595);
      expect(pauseBetween(reads.at)).toBeLessThanOrEqual(400 + 1_610);
    });
  });

  describe('waiters', () => {
    it.each([0, 0.999_999])(
      'read again when the holder expects its entry, spread by up to 20 ms (random %d), then poll until it is there',
      async (random) => {
        const memory = memoryTokenStore({ combined: true });
        const key = uniqueKey();
        const reads = timed(memory.store, 'readOrAcquireLease');
        const holder = instanceCache(memory.store, key).obtain(fetcher('from-holder', hour, 250), budget());
        await vi.advanceTimersByTimeAsync(0);
        expect(memory.items.get(key)?.holder).toBeDefined();
        const started = Date.now();
        const waiter = instanceCache(reads.store, key, { random: () => random }).obtain(fetcher('unused'), budget());
        const values = await run(Promise.all([holder, waiter]));
        expect(values.map((value) => value.token)).toEqual(['from-holder', 'from-holder']);
        // The holder's lease said 150 ms (the default expected time of a first fetch); it took 250.
        expect((reads.at[1] as number) - started).toBeGreaterThanOrEqual(150);
        expect((reads.at[1] as number) - started).toBeLessThanOrEqual(150 + 20 * random + 5);
        expect(reads.at.at(-1) as number).toBeGreaterThanOrEqual(started + 250);
        expect(memory.writes).toBe(2);
      },
    );

    it.each([0, 0.999_999])(
      'past the expected time, poll at jittered intervals that grow with the holder`s delay (random %d)',
      async (random) => {
        const memory = memoryTokenStore();
        const key = uniqueKey();
        const started = Date.now();
        memory.lease(key, 'slow-holder', 600_000, 0);
        const reads = timed(memory.store, 'read');
        await run(instanceCache(reads.store, key, { random: () => random }).obtain(fetcher(), budget(10_000)));
        // Each interval: the expected fetch time (150 ms, the default) plus how late the holder is, between half
        // and all of it by the draw, at most 1 s.
        const factor = 0.5 + random / 2;
        for (let index = 1; index < 8; index++) {
          const previous = reads.at[index - 1] as number;
          const expected = factor * Math.min(1_000, 150 + (previous - started));
          expect((reads.at[index] as number) - previous).toBeGreaterThanOrEqual(expected - 1);
          expect((reads.at[index] as number) - previous).toBeLessThanOrEqual(expected + 6);
        }
        // Waiting, it never asked for the lease.
        expect(memory.writes).toBe(0);
      },
    );

    it.each([0, 0.5, 0.999_999])(
      'take over a crashed holder when its lease lapses, inside the default 10 s budget (random %d)',
      async (random) => {
        const memory = memoryTokenStore();
        const key = uniqueKey();
        memory.lease(key, 'crashed', 5_000, 150);
        const logger = { debug: vi.fn() };
        const started = Date.now();
        let fetchedAt = 0;
        const value = await run(
          instanceCache(memory.store, key, { logger, random: () => random }).obtain(async () => {
            fetchedAt = Date.now();
            return { token: 'took-over', expiresAt: hour() };
          }, budget(10_000)),
        );
        expect(value.token).toBe('took-over');
        // Not before the lapse; after it, a pre-lease pause (25 to 50 ms) and one lease request.
        expect(fetchedAt - started).toBeGreaterThanOrEqual(5_000);
        expect(fetchedAt - started).toBeLessThanOrEqual(5_000 + 50 + 10);
        // As the new holder: it shared the value and ended its lease; it did not fall back.
        expect(memory.entry(key)).toBeDefined();
        expect(memory.items.get(key)?.holder).toBeUndefined();
        expect(logger.debug).not.toHaveBeenCalled();
      },
    );

    it('take over a crashed holder`s lapsed lease in the same request with readOrAcquireLease', async () => {
      const memory = memoryTokenStore({ combined: true });
      const key = uniqueKey();
      memory.lease(key, 'crashed', 5_000, 150);
      let fetchedAt = 0;
      const started = Date.now();
      await run(
        instanceCache(memory.store, key).obtain(async () => {
          fetchedAt = Date.now();
          return { token: 'took-over', expiresAt: hour() };
        }, budget(10_000)),
      );
      expect(fetchedAt - started).toBeGreaterThanOrEqual(5_000);
      expect(fetchedAt - started).toBeLessThanOrEqual(5_010);
    });

    it.each([
      [2_000, 1_000],
      [10_000, 7_000],
      [60_000, 57_000],
    ])('with a %i ms budget, stop waiting at %i ms and fetch directly', async (budgetMs, expectedAt) => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.lease(key, 'stuck', 600_000, 0);
      const logger = { debug: vi.fn() };
      const started = Date.now();
      let fetchedAt = 0;
      await run(
        instanceCache(memory.store, key, { logger }).obtain(async () => {
          fetchedAt = Date.now();
          return { token: 'direct', expiresAt: hour() };
        }, budget(budgetMs)),
        120_000,
      );
      // At the last poll before the store's share of the budget ends (polls are up to 1 s apart by then).
      expect(fetchedAt - started).toBeGreaterThanOrEqual(expectedAt - 1_010);
      expect(fetchedAt - started).toBeLessThanOrEqual(expectedAt);
      expect(logger.debug.mock.calls).toEqual([[LEASE_BUSY, { waitedMs: expect.any(Number) }]]);
      // A fallback is no holder: it leaves the holder's lease alone.
      expect(memory.items.get(key)?.holder).toBe('stuck');
    });

    it('return the caller`s current value when another instance is renewing it, with when to look again', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.lease(key, 'renewing', 5_000, 300);
      const current = { token: 'still-valid', expiresAt: Date.now() + 120_000 };
      const fetch = fetcher();
      const started = Date.now();
      const outcome = await run(instanceCache(memory.store, key).obtainOutcome(fetch, { ...budget(), current }));
      expect(outcome.value).toBe(current);
      expect(outcome.source).toBe('current');
      expect(outcome.recheckAt).toBeGreaterThanOrEqual(started + 300);
      expect(outcome.recheckAt).toBeLessThanOrEqual(started + 300 + 20);
      expect(fetch).not.toHaveBeenCalled();
      expect(memory.storeCalls).toBe(1);
    });

    it('wait for the renewal when the current value has expired', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.lease(key, 'renewing', 1_000, 100);
      const current = { token: 'expired', expiresAt: Date.now() - 1 };
      const value = await run(instanceCache(memory.store, key).obtain(fetcher('new'), { ...budget(), current }));
      expect(value.token).toBe('new');
    });

    it('fetch directly, without blaming the store, when the caller`s budget aborts', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.lease(key, 'busy', 600_000, 0);
      const controller = new AbortController();
      const logger = { debug: vi.fn() };
      const cache = instanceCache(memory.store, key, { logger });
      const fetch = fetcher();
      const obtained = cache.obtain(fetch, { ...budget(), signal: controller.signal });
      await vi.advanceTimersByTimeAsync(300);
      controller.abort(namedError('TimeoutError'));
      await run(obtained);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(logger.debug).not.toHaveBeenCalled();
      const calls = memory.storeCalls;
      memory.items.clear();
      await run(cache.obtain(fetch, budget()));
      expect(memory.storeCalls).toBeGreaterThan(calls);
    });

    it('abort a hanging store call with the caller`s budget, and do not blame the store', async () => {
      const memory = memoryTokenStore();
      memory.fault = 'hang';
      const controller = new AbortController();
      const logger = { debug: vi.fn() };
      const obtained = instanceCache(memory.store, uniqueKey(), { logger }).obtain(fetcher(), {
        ...budget(),
        signal: controller.signal,
      });
      await vi.advanceTimersByTimeAsync(100);
      controller.abort();
      await run(obtained);
      expect(memory.pending).toBe(0);
      expect(logger.debug).not.toHaveBeenCalled();
    });
  });

  describe('obtainShared (a provider`s side of a miss)', () => {
    interface Cached extends TestToken {
      readonly renewAt: number;
    }
    const cached = (token: string, expiresAt: number): Cached => ({ token, expiresAt, renewAt: expiresAt - 60_000 });

    it('serves the current value while another instance renews, until that one expects its entry', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.lease(key, 'renewing', 5_000, 400);
      const cache = new SharedTokenCache<Cached>({
        store: memory.store,
        key,
        sealingKey: () => sealingKeyFor(key),
        encode: ({ token, expiresAt }) => ({ token, expiresAt }),
        decode: (fields) => cached(fields.token as string, fields.expiresAt as number),
        expiresAtOf: (value) => value.expiresAt,
        random: () => 0,
      });
      const current = cached('current', Date.now() + 120_000);
      const started = Date.now();
      const value = await run(
        obtainShared(cache, fetcher() as never, {
          signal: new AbortController().signal,
          remainingMs: 10_000,
          current,
          refreshAheadSeconds: 300,
        }),
      );
      expect(value.token).toBe('current');
      expect(value.renewAt).toBe(started + 400);
    });
  });

  describe('obtainShared, cold and refused', () => {
    interface Cached extends TestToken {
      readonly renewAt: number;
    }
    const options = (key: string, store: TokenStore) => ({
      store,
      key,
      sealingKey: () => sealingKeyFor(key),
      encode: ({ token, expiresAt }: Cached) => ({ token, expiresAt }),
      decode: (fields: Record<string, unknown>) => ({
        token: fields.token as string,
        expiresAt: fields.expiresAt as number,
        renewAt: (fields.expiresAt as number) - 60_000,
      }),
      expiresAtOf: (value: Cached) => value.expiresAt,
      random: () => 0.5,
    });
    const context = (current?: Cached, refused?: boolean) => ({
      signal: new AbortController().signal,
      remainingMs: 10_000,
      current,
      refreshAheadSeconds: 300,
      ...(refused === undefined ? {} : { refused }),
    });

    it('starting cold, takes an entry that lasts past the renewal margin, else fetches', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const fetch = vi.fn(async (): Promise<Cached> => ({ token: 'fetched', expiresAt: hour(), renewAt: hour() }));
      const first = await run(obtainShared(new SharedTokenCache<Cached>(options(key, memory.store)), fetch, context()));
      const second = await run(
        obtainShared(new SharedTokenCache<Cached>(options(key, memory.store)), fetch, context()),
      );
      expect([first.token, second.token]).toEqual(['fetched', 'fetched']);
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('refused, discards the current value for the fleet and never serves it back while another renews', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const current: Cached = { token: 'refused', expiresAt: hour(), renewAt: hour() - 60_000 };
      memory.lease(key, 'renewing', 1_000, 100);
      const fetch = vi.fn(async (): Promise<Cached> => ({ token: 'new', expiresAt: hour() + 1, renewAt: hour() }));
      const value = await run(
        obtainShared(new SharedTokenCache<Cached>(options(key, memory.store)), fetch, context(current, true)),
      );
      expect(value.token).toBe('new');
      expect(memory.items.get(key)?.refusedThroughMs).toBe(current.expiresAt);
    });
  });

  describe('a caller that joins an attempt with its budget already spent', () => {
    it('calls its own fetch at once', async () => {
      const memory = memoryTokenStore();
      const cache = instanceCache(memory.store, uniqueKey());
      const first = cache.obtain(fetcher('first', hour, 100), budget());
      const own = fetcher('own');
      const joined = cache.obtain(own, { ...budget(), signal: AbortSignal.abort() });
      expect((await run(joined)).token).toBe('own');
      expect((await run(first)).token).toBe('first');
    });
  });

  describe('the sealing key', () => {
    it('is derived alongside the first read, once', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      await run(instanceCache(memory.store, key).obtain(fetcher('shared'), budget()));
      const reference = await sealingKeyFor(key);
      const sealingKey = vi.fn(() => new Promise<Uint8Array>((resolve) => setTimeout(() => resolve(reference), 30)));
      const slowStore: TokenStore = {
        ...memory.store,
        read: async (readKey, signal) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return memory.store.read(readKey, signal);
        },
      };
      const cache = instanceCache(slowStore, key, { sealingKey });
      const started = Date.now();
      expect((await run(cache.obtain(fetcher(), budget()))).token).toBe('shared');
      // 30 ms, not 20 + 30: the derivation did not wait for the read.
      expect(Date.now() - started).toBeLessThan(45);
      await run(Promise.all([cache.obtain(fetcher(), budget()), cache.obtain(fetcher(), budget())]));
      expect(sealingKey).toHaveBeenCalledTimes(1);
    });

    it('is replaced by the store`s explicit key: instances with other secrets share, and none derives', async () => {
      const memory = memoryTokenStore({ encryptionKey: new Uint8Array(32).fill(7) });
      const key = uniqueKey();
      const derive = vi.fn(async () => new Uint8Array(32));
      const first = instanceCache(memory.store, key, { sealingKey: derive, writeKey: derive });
      await run(first.obtain(fetcher('explicit'), budget()));
      const other = instanceCache(memory.store, key, { clientSecret: 'another-secret' });
      expect((await run(other.obtain(fetcher('unused'), budget()))).token).toBe('explicit');
      expect(derive).not.toHaveBeenCalled();
    });

    it('rejects an explicit key that is not 32 bytes: the store counts as failing', async () => {
      const store: TokenStore = { ...memoryTokenStore().store, encryptionKey: () => new Uint8Array(16) };
      const logger = { debug: vi.fn() };
      const cache = instanceCache(store, uniqueKey(), { logger });
      await run(cache.obtain(fetcher(), budget()));
      await run(cache.obtain(fetcher(), budget()));
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'InvalidEncryptionKey' }]]);
    });
  });

  describe('what the store hands out is as trustworthy as what Cognito hands out', () => {
    it('a discarded value never comes back from the store: not to this instance, nor to another', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const first = instanceCache(memory.store, key);
      const revoked = await run(first.obtain(fetcher('revoked'), budget()));
      // Another instance got it before the discard, and keeps it in memory: that is its own business.
      expect((await run(instanceCache(memory.store, key).obtain(fetcher('unused'), budget()))).token).toBe('revoked');

      await run(first.discard(revoked));

      expect(memory.entry(key)).toBeUndefined();
      expect(
        (
          await run(
            first.obtain(
              fetcher('signed-in-again', () => hour() + 1_000),
              budget(),
            ),
          )
        ).token,
      ).toBe('signed-in-again');
      expect((await run(instanceCache(memory.store, key).obtain(fetcher('unused'), budget()))).token).toBe(
        'signed-in-again',
      );
    });

    it('a discarded value without a usable expiry is marked refused nowhere, and sends the store nothing', async () => {
      const memory = memoryTokenStore();
      const refuse = vi.spyOn(memory.store, 'refuse');
      const cache = instanceCache(memory.store, uniqueKey());

      for (const expiresAt of [Number.NaN, Number.POSITIVE_INFINITY]) {
        await run(cache.discard({ token: 'odd', expiresAt }));
      }

      expect(refuse).not.toHaveBeenCalled();
    });

    it('a store that refuses a lease without saying what it holds costs a fetch, never a failure', async () => {
      const memory = memoryTokenStore();
      const store: TokenStore = { ...memory.store, acquireLease: async () => ({ acquired: false }) as never };
      const fetch = fetcher('fetched-anyway');

      const value = await run(instanceCache(store, uniqueKey()).obtain(fetch, budget()));

      expect(value.token).toBe('fetched-anyway');
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('a value discarded while the store is down is still never taken back by this instance', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const cache = instanceCache(memory.store, key, { retryStoreAfterMs: 1_000 });
      const revoked = await run(cache.obtain(fetcher('revoked'), budget()));
      memory.fault = 'reject';
      await run(cache.discard(revoked));
      memory.fault = undefined;
      await vi.advanceTimersByTimeAsync(1_000);
      expect(memory.entry(key)).toBeDefined();
      const fetch = fetcher('signed-in-again', () => hour() + 1_000);
      expect((await run(cache.obtain(fetch, budget()))).token).toBe('signed-in-again');
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('a value refused by the caller (refresh) is discarded for the fleet as part of the next obtain', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const cache = instanceCache(memory.store, key);
      const refused = await run(cache.obtain(fetcher('refused'), budget()));
      const renewed = await run(
        cache.obtain(
          fetcher('renewed', () => hour() + 1_000),
          {
            ...budget(),
            minValidUntil: refused.expiresAt + 1,
            refused,
          },
        ),
      );
      expect(renewed.token).toBe('renewed');
      expect(memory.items.get(key)?.refusedThroughMs).toBe(refused.expiresAt);
    });

    it('a slow holder that fetched before the discard cannot write the refused value back', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const revoked = { token: 'revoked', expiresAt: hour() };
      const slow = instanceCache(memory.store, key).obtain(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return revoked;
      }, budget());
      await vi.advanceTimersByTimeAsync(200);
      await run(instanceCache(memory.store, key).discard(revoked));
      expect((await run(slow)).token).toBe('revoked');
      expect(memory.entry(key)).toBeUndefined();
      const fetch = fetcher('fresh', () => hour() + 1_000);
      expect((await run(instanceCache(memory.store, key).obtain(fetch, budget()))).token).toBe('fresh');
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('the store`s expiry and a reader`s acceptance follow the token`s own exp, not the writer`s clock', async () => {
      // The adapters' expiresAtOf reads the token's `exp` claim; a writer whose clock is 20 minutes fast would
      // otherwise compute an expiry 20 minutes past it.
      type Jwt = { readonly token: string; readonly expiresAt: number };
      const expOf = (value: Jwt) => (decodeJwtClaims(value.token).exp ?? 0) * 1000;
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const options = {
        store: memory.store,
        key,
        sealingKey: () => sealingKeyFor(key),
        encode: ({ token, expiresAt }: Jwt) => ({ token, expiresAt }),
        decode: (fields: Record<string, unknown>) => ({
          token: fields.token as string,
          expiresAt: fields.expiresAt as number,
        }),
        expiresAtOf: expOf,
        random: () => 0.5,
      };
      const exp = Math.floor(Date.now() / 1000) + 3_600;
      const fast = 20 * 60_000;
      vi.setSystemTime(Date.now() + fast);
      const written = await run(
        new SharedTokenCache<Jwt>(options).obtain(
          async () => ({ token: fakeJwt({ exp }), expiresAt: Date.now() + 3_600_000 }),
          budget(),
        ),
      );
      vi.setSystemTime(Date.now() - fast);
      expect(written.expiresAt).toBeGreaterThan(exp * 1000 + fast - 1_000);
      expect(memory.items.get(key)?.expiresAtMs).toBe(exp * 1000);
      // A reader one minute after the token's exp, on a correct clock, does not get it.
      vi.setSystemTime(exp * 1000 + 60_000);
      const fetch = vi.fn(async () => ({ token: fakeJwt({ exp: exp + 3_700 }), expiresAt: Date.now() + 3_600_000 }));
      const read = await run(
        new SharedTokenCache<Jwt>(options).obtain(fetch, { ...budget(), minValidUntil: Date.now() }),
      );
      expect(expOf(read)).toBe((exp + 3_700) * 1000);
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('the holder seals its entry with the key of the credentials that made the value (writeKey)', async () => {
      // A password rotated between the read and the sign-in: the value was made with the new credentials.
      type Made = TestToken & { readonly secret: string };
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const keyOf = (secret: string) => deriveClientSealingKey({ pool: 'p', clientId: key, clientSecret: secret });
      const cache = new SharedTokenCache<Made>({
        store: memory.store,
        key,
        sealingKey: () => keyOf('old-secret'),
        writeKey: (value) => keyOf(value.secret),
        encode: ({ token, expiresAt }) => ({ token, expiresAt }),
        decode: (fields) => ({ token: fields.token as string, expiresAt: fields.expiresAt as number, secret: '' }),
        expiresAtOf: (value) => value.expiresAt,
        random: () => 0.5,
      });
      await run(cache.obtain(async () => ({ token: 'new', expiresAt: hour(), secret: 'new-secret' }), budget()));
      const sealed = memory.entry(key);
      expect(openEntry(await keyOf('new-secret'), key, sealed)).toEqual({
        token: 'new',
        expiresAt: expect.any(Number),
      });
      expect(openEntry(await keyOf('old-secret'), key, sealed)).toBeUndefined();
    });
  });

  describe('odd answers', () => {
    it('asks again after a short pause when a lease request is refused with nothing to show for it', async () => {
      const memory = memoryTokenStore();
      let refusals = 0;
      const store: TokenStore = {
        ...memory.store,
        acquireLease: async (key, lease, unless, signal) => {
          // The lease that refused it ended in between: nothing is left to show.
          if (refusals++ === 0) return { acquired: false, record: {} };
          return memory.store.acquireLease(key, lease, unless, signal);
        },
      };
      const fetch = fetcher();
      await run(instanceCache(store, uniqueKey()).obtain(fetch, budget()));
      expect(refusals).toBe(2);
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('discards nothing, and asks the store nothing, for a value whose expiry cannot be read', async () => {
      const memory = memoryTokenStore();
      const cache = instanceCache(memory.store, uniqueKey(), {
        expiresAtOf: (value) => {
          if (value.token === 'unreadable') throw new TypeError('no exp');
          return value.token === 'nan' ? Number.NaN : value.expiresAt;
        },
      });
      await run(cache.discard({ token: 'unreadable', expiresAt: hour() }));
      await run(cache.discard({ token: 'nan', expiresAt: hour() }));
      expect(memory.storeCalls).toBe(0);
    });
  });

  describe('shareTokenStore', () => {
    it('wraps a store of your own, its combined read and its key included, and leaves it as it was', async () => {
      const memory = memoryTokenStore({ combined: true, encryptionKey: new Uint8Array(32).fill(9) });
      const own = Object.freeze({ ...memory.store });
      const shared = shareTokenStore(own);
      expect(shared).not.toBe(own);
      expect(shareTokenStore(shared)).toBe(shared);
      expect(shared.encryptionKey?.()).toEqual(new Uint8Array(32).fill(9));
      const key = uniqueKey();
      await run(instanceCache(shared, key).obtain(fetcher('wrapped'), budget()));
      expect(memory.entry(key)).toBeDefined();
      expect(await run(shared.read(key, new AbortController().signal))).toMatchObject({ entry: expect.any(Object) });
      await run(shared.refuse(key, hour() + 60_000, new AbortController().signal));
      expect(memory.entry(key)).toBeUndefined();
      const plain = shareTokenStore(memoryTokenStore().store);
      expect(plain.readOrAcquireLease).toBeUndefined();
      expect(plain.encryptionKey).toBeUndefined();
    });
  });

  it('checks its options at once', () => {
    const store = memoryTokenStore().store;
    for (const option of ['leaseMs', 'retryStoreAfterMs', 'expectedFetchMs'] as const) {
      for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
        expect(() => instanceCache(store, uniqueKey(), { [option]: value })).toThrow(
          expect.objectContaining({
            code: 'ERR_CONFIGURATION',
            message: `"${option}" must be a positive number of milliseconds`,
          }),
        );
      }
    }
    expect(() => instanceCache(store, uniqueKey(), { random: 0.5 as never })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringMatching(/^"random" must be/) }),
    );
  });
});
