import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import { SharedTokenCache } from '../../src/fleet/shared-token-cache.js';
import type { TokenStore } from '../../src/fleet/token-store.js';
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

describe('memory token store (the reference for the real ones)', () => {
  describeTokenStoreContract(() => memoryTokenStore());
});

describe('SharedTokenCache over the memory store', () => {
  describeFleetProtocol(() => memoryTokenStore());
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

  function fetcher(token = 'fetched', expiresAt = hour) {
    return vi.fn(async (): Promise<TestToken> => ({ token, expiresAt: expiresAt() }));
  }

  describe('a failing store never fails a call', () => {
    it.each([
      ['rejects', 'reject', 'ThrottlingException'],
      ['hangs', 'hang', 'TimeoutError'],
      ['returns garbage', 'garbage', 'InvalidStoreEntry'],
    ] as const)(
      'when the store %s: fetches, logs once, and leaves the store alone for retryStoreAfterMs',
      async (_label, fault, errorName) => {
        const memory = memoryTokenStore();
        memory.fault = fault;
        const logger = { debug: vi.fn() };
        const key = uniqueKey();
        const cache = instanceCache(memory.store, key, { logger, retryStoreAfterMs: 30_000 });
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

    it('gives a hanging store storeTimeoutMs, then fetches, and aborts the store call', async () => {
      const memory = memoryTokenStore();
      memory.fault = 'hang';
      const cache = instanceCache(memory.store, uniqueKey(), { storeTimeoutMs: 800 });
      let fetchedAt = 0;
      const started = Date.now();
      await run(
        cache.obtain(async () => {
          fetchedAt = Date.now();
          return { token: 'fetched', expiresAt: hour() };
        }, budget()),
      );
      expect(fetchedAt - started).toBe(800);
      expect(memory.pending).toBe(0);
    });

    it('logs the error name only, never its message', async () => {
      const store: TokenStore = {
        ...memoryTokenStore().store,
        get: async () => {
          throw namedError('AccessDeniedException', 'User arn:aws:iam::123:role/x not allowed on ctp1:abc');
        },
      };
      const logger = { debug: vi.fn() };
      await run(instanceCache(store, uniqueKey(), { logger }).obtain(fetcher(), budget()));
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'AccessDeniedException' }]]);
    });

    it('logs "Error" for a rejection that is no error', async () => {
      const store: TokenStore = { ...memoryTokenStore().store, get: () => Promise.reject('ctp1:secret-ish text') };
      const logger = { debug: vi.fn() };
      await run(instanceCache(store, uniqueKey(), { logger }).obtain(fetcher(), budget()));
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'Error' }]]);
    });

    it('survives a store that throws synchronously, and a logger that throws', async () => {
      const store: TokenStore = {
        ...memoryTokenStore().store,
        get: () => {
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
      const value = await run(instanceCache(store, uniqueKey(), { logger }).obtain(fetcher('kept'), budget()));
      expect(value.token).toBe('kept');
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'ValidationException' }]]);
      expect(memory.entries.size).toBe(0);
    });

    it('does not wait on a hanging store twice: after a write times out, the lease is left to lapse', async () => {
      const memory = memoryTokenStore();
      const hang = (signal: AbortSignal) =>
        new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      const releaseLease = vi.fn((_key: string, _holder: string, signal: AbortSignal) => hang(signal));
      const store: TokenStore = { ...memory.store, put: (_k, _v, _e, signal) => hang(signal), releaseLease };
      const started = Date.now();
      const value = await run(instanceCache(store, uniqueKey(), { storeTimeoutMs: 1_000 }).obtain(fetcher(), budget()));
      expect(value.token).toBe('fetched');
      expect(Date.now() - started).toBeLessThan(1_100);
      expect(releaseLease).not.toHaveBeenCalled();
    });

    it('falls back when the sealing key cannot be derived, and derives it again later', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      await run(instanceCache(memory.store, key).obtain(fetcher('shared'), budget()));
      const sealingKey = vi.fn().mockRejectedValueOnce(namedError('RangeError'));
      const cache = new SharedTokenCache<TestToken>({
        ...optionsOf(memory.store, key),
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

  describe('the holder', () => {
    it('writes nothing and releases the lease when its fetch fails, and rejects with that failure', async () => {
      const memory = memoryTokenStore();
      const logger = { debug: vi.fn() };
      const failure = namedError('NotAuthorizedException');
      const obtained = instanceCache(memory.store, uniqueKey(), { logger }).obtain(async () => {
        throw failure;
      }, budget());
      await expect(run(obtained)).rejects.toBe(failure);
      expect(memory.entries.size).toBe(0);
      expect(memory.leases.size).toBe(0);
      expect(logger.debug).not.toHaveBeenCalled();
    });

    it('does not write a value that has already expired', async () => {
      const memory = memoryTokenStore();
      const value = await run(
        instanceCache(memory.store, uniqueKey()).obtain(
          fetcher('stale', () => Date.now() - 1),
          budget(),
        ),
      );
      expect(value.token).toBe('stale');
      expect(memory.entries.size).toBe(0);
    });

    it('reads once more after taking the lease, and uses an entry written in between', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      const other = instanceCache(memory.store, key);
      let raced = false;
      const store: TokenStore = {
        ...memory.store,
        acquireLease: async (leaseKey, holder, ttlMs, signal) => {
          if (!raced) {
            raced = true;
            // Another instance completes its whole fetch between our miss and our lease.
            await other.obtain(async () => ({ token: 'written-meanwhile', expiresAt: hour() }), budget());
          }
          return memory.store.acquireLease(leaseKey, holder, ttlMs, signal);
        },
      };
      const fetch = fetcher();
      const value = await run(instanceCache(store, key).obtain(fetch, budget()));
      expect(value.token).toBe('written-meanwhile');
      expect(fetch).not.toHaveBeenCalled();
      expect(memory.leases.size).toBe(0);
    });

    it('treats an entry whose decoding throws as missing', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      await run(instanceCache(memory.store, key).obtain(fetcher('v1'), budget()));
      const throwing = instanceCache(memory.store, key, {
        decode: () => {
          throw new TypeError('unexpected shape');
        },
      });
      expect((await run(throwing.obtain(fetcher('v2'), budget()))).token).toBe('v2');
    });

    it('logs a failed release once, and keeps the value', async () => {
      const memory = memoryTokenStore();
      const logger = { debug: vi.fn() };
      const store: TokenStore = {
        ...memory.store,
        releaseLease: async () => Promise.reject(namedError('ProvisionedThroughputExceededException')),
      };
      const value = await run(instanceCache(store, uniqueKey(), { logger }).obtain(fetcher('kept'), budget()));
      expect(value.token).toBe('kept');
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'ProvisionedThroughputExceededException' }]]);
    });

    it('replaces an entry that decodes to nothing (another version)', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      await run(instanceCache(memory.store, key).obtain(fetcher('v1'), budget()));
      const v2 = instanceCache(memory.store, key, { decode: () => undefined });
      expect((await run(v2.obtain(fetcher('v2'), budget()))).token).toBe('v2');
      expect((await run(instanceCache(memory.store, key).obtain(fetcher('unused'), budget()))).token).toBe('v2');
    });
  });

  describe('concurrent calls on one instance', () => {
    it('share one attempt: one fetch, one cold round of store calls', async () => {
      const memory = memoryTokenStore();
      const cache = instanceCache(memory.store, uniqueKey());
      const fetch = fetcher();
      const values = await run(Promise.all(Array.from({ length: 10 }, () => cache.obtain(fetch, budget()))));
      expect(new Set(values).size).toBe(1);
      expect(fetch).toHaveBeenCalledTimes(1);
      // get, acquireLease, get again under the lease, put, releaseLease.
      expect(memory.storeCalls).toBe(5);
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
      memory.leases.set(key, { holder: 'busy', until: Date.now() + 600_000 });
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

  describe('waiters', () => {
    it.each([0, 0.5, 0.999_999])(
      'take over a crashed holder when its lease lapses, inside the default 10 s budget (random %d)',
      async (random) => {
        const memory = memoryTokenStore();
        const key = uniqueKey();
        memory.leases.set(key, { holder: 'crashed', until: Date.now() + 5_000 });
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
        // Not before the lapse; after it, at the next lease attempt: within a jittered quarter lease (1250 ms)
        // and one jittered poll (800 ms at most), both scaled by this draw.
        expect(fetchedAt - started).toBeGreaterThanOrEqual(5_000);
        expect(fetchedAt - started).toBeLessThanOrEqual(5_000 + (1_250 + 800) * (0.5 + random / 2));
        // As the new holder: it shared the value and released the lease; it did not fall back.
        expect(memory.entries.has(key)).toBe(true);
        expect(memory.leases.size).toBe(0);
        expect(logger.debug).not.toHaveBeenCalled();
      },
    );

    it.each([
      [2_000, 1_000],
      [10_000, 7_000],
      [60_000, 57_000],
    ])('with a %i ms budget, stop waiting at %i ms and fetch directly', async (budgetMs, expectedAt) => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.leases.set(key, { holder: 'stuck', until: Date.now() + 600_000 });
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
      expect(fetchedAt - started).toBeGreaterThanOrEqual(expectedAt);
      expect(fetchedAt - started).toBeLessThan(expectedAt + 50);
      expect(logger.debug.mock.calls).toEqual([[LEASE_BUSY, { waitedMs: expect.any(Number) }]]);
      // A fallback is no holder: it leaves the holder's lease alone.
      expect(memory.leases.get(key)?.holder).toBe('stuck');
    });

    it.each([
      [0.999_999, [200, 400, 800, 800, 800, 800]],
      [0, [100, 200, 400, 400, 400, 400]],
    ])('poll with jittered, growing intervals (random %d)', async (random, intervals) => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.leases.set(key, { holder: 'busy', until: Date.now() + 600_000 });
      const readAt: number[] = [];
      const store: TokenStore = {
        ...memory.store,
        get: (getKey, signal) => {
          readAt.push(Date.now());
          return memory.store.get(getKey, signal);
        },
      };
      await run(instanceCache(store, key, { random: () => random }).obtain(fetcher(), budget(10_000)));
      const gaps = readAt.slice(1, 7).map((at, index) => at - (readAt[index] as number));
      gaps.forEach((gap, index) => {
        expect(gap).toBeGreaterThanOrEqual(intervals[index] as number);
        expect(gap).toBeLessThanOrEqual((intervals[index] as number) + 10);
      });
    });

    it('return the caller`s current value when another instance is renewing it', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.leases.set(key, { holder: 'renewing', until: Date.now() + 5_000 });
      const current = { token: 'still-valid', expiresAt: Date.now() + 120_000 };
      const fetch = fetcher();
      const value = await run(instanceCache(memory.store, key).obtain(fetch, { ...budget(), current }));
      expect(value).toBe(current);
      expect(fetch).not.toHaveBeenCalled();
      expect(memory.storeCalls).toBe(2);
    });

    it('wait for the renewal when the current value has expired', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.leases.set(key, { holder: 'renewing', until: Date.now() + 1_000 });
      const current = { token: 'expired', expiresAt: Date.now() - 1 };
      const value = await run(instanceCache(memory.store, key).obtain(fetcher('new'), { ...budget(), current }));
      expect(value.token).toBe('new');
    });

    it('fetch directly, without blaming the store, when the caller`s budget aborts', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      memory.leases.set(key, { holder: 'busy', until: Date.now() + 600_000 });
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
      memory.leases.clear();
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

  describe('the sealing key', () => {
    it('is derived alongside the first read, once', async () => {
      const memory = memoryTokenStore();
      const key = uniqueKey();
      await run(instanceCache(memory.store, key).obtain(fetcher('shared'), budget()));
      const reference = await sealingKeyFor(key);
      const sealingKey = vi.fn(() => new Promise<Uint8Array>((resolve) => setTimeout(() => resolve(reference), 30)));
      const slowStore: TokenStore = {
        ...memory.store,
        get: async (getKey, signal) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return memory.store.get(getKey, signal);
        },
      };
      const cache = new SharedTokenCache<TestToken>({ ...optionsOf(slowStore, key), sealingKey });
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
      const first = new SharedTokenCache<TestToken>({ ...optionsOf(memory.store, key), sealingKey: derive });
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

  it('checks its options at once', () => {
    const store = memoryTokenStore().store;
    for (const option of ['leaseMs', 'storeTimeoutMs', 'retryStoreAfterMs'] as const) {
      for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
        expect(() => instanceCache(store, uniqueKey(), { [option]: value })).toThrow(
          expect.objectContaining({
            code: 'ERR_CONFIGURATION',
            message: `"${option}" must be a positive number of milliseconds`,
          }),
        );
      }
    }
  });
});

/** The options instanceCache builds, to vary one of them. */
function optionsOf(store: TokenStore, key: string) {
  return {
    store,
    key,
    encode: (value: TestToken) => ({ token: value.token, expiresAt: value.expiresAt }),
    decode: (fields: Record<string, unknown>) =>
      typeof fields.token === 'string' && typeof fields.expiresAt === 'number'
        ? { token: fields.token, expiresAt: fields.expiresAt }
        : undefined,
    expiresAtOf: (value: TestToken) => value.expiresAt,
  };
}
