/**
 * Counts the calls a shared cache makes to its token store, for tests and benchmarks that assert on
 * request budgets ("a warm instance costs one read").
 *
 * API: `countingStore(store)` → `{ store, counts, total(), reset() }`; `store` is a TokenStore that forwards
 * every call (the explicit `encryptionKey` and an optional `readOrAcquireLease` included) and counts it, failed
 * and abandoned calls too. `counts` has one entry per method called at least once.
 *
 * @example
 * ```ts
 * const counted = countingStore(dynamoDbTokenStore({ tableName, client }));
 * await cache.obtain(fetch, context); // with { store: counted.store }
 * expect(counted.counts).toEqual({ read: 1 });
 * ```
 */
import type { TokenStore } from '../src/fleet/token-store.js';

export type StoreOperation = 'read' | 'acquireLease' | 'put' | 'releaseLease' | 'refuse' | 'readOrAcquireLease';

export interface CountingStore {
  readonly store: TokenStore;
  /** Calls per operation since the start or the last `reset()`; operations never called are absent. */
  readonly counts: Partial<Record<StoreOperation, number>>;
  total(): number;
  reset(): void;
}

export function countingStore(inner: TokenStore): CountingStore {
  const counts: Partial<Record<StoreOperation, number>> = {};
  const count = (operation: StoreOperation) => {
    counts[operation] = (counts[operation] ?? 0) + 1;
  };
  const combined = inner.readOrAcquireLease?.bind(inner);
  const store: TokenStore = {
    read(key, signal) {
      count('read');
      return inner.read(key, signal);
    },
    acquireLease(key, lease, unless, signal) {
      count('acquireLease');
      return inner.acquireLease(key, lease, unless, signal);
    },
    put(key, entry, holder, signal) {
      count('put');
      return inner.put(key, entry, holder, signal);
    },
    releaseLease(key, holder, signal) {
      count('releaseLease');
      return inner.releaseLease(key, holder, signal);
    },
    refuse(key, expiresAtMs, signal) {
      count('refuse');
      return inner.refuse(key, expiresAtMs, signal);
    },
    ...(combined === undefined
      ? {}
      : {
          readOrAcquireLease: (
            key: string,
            lease: Parameters<typeof combined>[1],
            unless: number,
            signal: AbortSignal,
          ) => {
            count('readOrAcquireLease');
            return combined(key, lease, unless, signal);
          },
        }),
    encryptionKey: () => inner.encryptionKey?.(),
  };
  return {
    store,
    counts,
    total: () => Object.values(counts).reduce((sum, calls) => sum + calls, 0),
    reset() {
      for (const operation of Object.keys(counts) as StoreOperation[]) delete counts[operation];
    },
  };
}
