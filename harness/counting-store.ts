/**
 * Counts the calls a shared cache makes to its token store, for tests and benchmarks that assert on
 * request budgets ("a warm instance costs one read").
 *
 * API: `countingStore(store)` → `{ store, counts, total(), reset() }`; `store` is a TokenStore that forwards
 * every call (the explicit `encryptionKey` included) and counts it, failed and abandoned calls too.
 *
 * @example
 * ```ts
 * const counted = countingStore(dynamoDbTokenStore({ tableName, client }));
 * await cache.obtain(fetch, context); // with { store: counted.store }
 * expect(counted.counts).toEqual({ get: 1, put: 0, acquireLease: 0, releaseLease: 0 });
 * ```
 */
import type { TokenStore } from '../src/fleet/token-store.js';

export type StoreOperation = 'get' | 'put' | 'acquireLease' | 'releaseLease';

export interface CountingStore {
  readonly store: TokenStore;
  /** Calls per operation since the start or the last `reset()`. */
  readonly counts: Record<StoreOperation, number>;
  total(): number;
  reset(): void;
}

export function countingStore(inner: TokenStore): CountingStore {
  const counts: Record<StoreOperation, number> = { get: 0, put: 0, acquireLease: 0, releaseLease: 0 };
  const store: TokenStore = {
    get(key, signal) {
      counts.get++;
      return inner.get(key, signal);
    },
    put(key, value, expiresAtMs, signal) {
      counts.put++;
      return inner.put(key, value, expiresAtMs, signal);
    },
    acquireLease(key, holder, ttlMs, signal) {
      counts.acquireLease++;
      return inner.acquireLease(key, holder, ttlMs, signal);
    },
    releaseLease(key, holder, signal) {
      counts.releaseLease++;
      return inner.releaseLease(key, holder, signal);
    },
    encryptionKey: () => inner.encryptionKey?.(),
  };
  return {
    store,
    counts,
    total: () => counts.get + counts.put + counts.acquireLease + counts.releaseLease,
    reset() {
      for (const operation of Object.keys(counts) as StoreOperation[]) counts[operation] = 0;
    },
  };
}
