/**
 * A TokenStore in memory, shared by the "instances" of one test process, with faults to inject: the
 * reference the real stores are compared with, and the store of protocol tests under fake timers (it reads
 * `Date.now()`, so fake time expires its entries and leases).
 *
 * API: `memoryTokenStore({ encryptionKey?, combined? })` → `{ store, items, fault, storeCalls, pending }`. Set
 * `fault` to make every call `'reject'` (an error), `'throttle'` (ThrottlingException), `'hang'` (never settle,
 * until the call's signal aborts), or make reads return `'garbage'`. `combined` adds `readOrAcquireLease`, as
 * the Redis store has. `items` is the raw map (entry, lease and refusal mark per key), to inspect or corrupt;
 * `lease(key, holder, ms)` and `entry(key)` are shortcuts.
 *
 * @example
 * ```ts
 * const memory = memoryTokenStore();
 * const cache = new SharedTokenCache({ store: memory.store, ... });
 * memory.fault = 'hang';
 * ```
 */
import type { LeaseAnswer, LeaseRequest, StoreRecord, TokenStore } from '../src/fleet/token-store.js';

export type MemoryStoreFault = 'reject' | 'throttle' | 'hang' | 'garbage' | undefined;

/** One key's state, times in epoch milliseconds. */
export interface MemoryItem {
  value?: string | undefined;
  expiresAtMs?: number | undefined;
  holder?: string | undefined;
  leaseUntil?: number | undefined;
  expectedAt?: number | undefined;
  refusedThroughMs?: number | undefined;
}

export interface MemoryTokenStore {
  readonly store: TokenStore;
  readonly items: Map<string, MemoryItem>;
  fault: MemoryStoreFault;
  /** Calls made, faulted ones included. */
  storeCalls: number;
  /** Calls still waiting for an answer (hanging ones whose signal has not aborted). */
  pending: number;
  /** Calls that changed (or tried to change) the store: lease requests, puts, releases and refusals. */
  writes: number;
  /** Gives `holder` the lease of `key` for `ms`, expecting the entry in `expectedInMs` (default: at once). */
  lease(key: string, holder: string, ms: number, expectedInMs?: number): void;
  /** The entry's sealed text, if one is stored (expired or not). */
  entry(key: string): string | undefined;
}

export function memoryTokenStore(
  options: { readonly encryptionKey?: Uint8Array; readonly combined?: boolean } = {},
): MemoryTokenStore {
  const items = new Map<string, MemoryItem>();
  const memory: MemoryTokenStore = {
    store: undefined as unknown as TokenStore,
    items,
    fault: undefined,
    storeCalls: 0,
    pending: 0,
    writes: 0,
    lease(key, holder, ms, expectedInMs = 0) {
      const now = Date.now();
      items.set(key, { ...items.get(key), holder, leaseUntil: now + ms, expectedAt: now + expectedInMs });
    },
    entry: (key) => items.get(key)?.value,
  };
  // Runs one call after a macrotask, as a network store would answer, unless a fault says otherwise.
  const call = <T>(signal: AbortSignal, answer: () => T): Promise<T> => {
    memory.storeCalls++;
    if (signal.aborted) return Promise.reject(signal.reason);
    const fault = memory.fault;
    if (fault === 'reject' || fault === 'throttle') {
      const error = new Error(fault === 'throttle' ? 'Rate exceeded' : 'Internal server error');
      error.name = fault === 'throttle' ? 'ThrottlingException' : 'InternalServerError';
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      memory.pending++;
      const settle = (outcome: () => void) => {
        memory.pending--;
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const onAbort = () => {
        clearTimeout(timer);
        settle(() => reject(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const timer =
        fault === 'hang'
          ? undefined
          : setTimeout(() => {
              settle(() => {
                try {
                  resolve(answer());
                } catch (error) {
                  reject(error);
                }
              });
            }, 0);
    });
  };
  const view = (key: string): StoreRecord => {
    const item = items.get(key) ?? {};
    const now = Date.now();
    const entry =
      item.value !== undefined && (item.expiresAtMs ?? 0) > now
        ? { value: item.value, expiresAtMs: item.expiresAtMs ?? 0 }
        : undefined;
    const lease =
      (item.leaseUntil ?? 0) > now
        ? { lapsesInMs: (item.leaseUntil ?? 0) - now, expectedInMs: (item.expectedAt ?? 0) - now }
        : undefined;
    return {
      ...(entry === undefined ? {} : { entry }),
      ...(lease === undefined ? {} : { lease }),
      ...(item.refusedThroughMs === undefined ? {} : { refusedThroughMs: item.refusedThroughMs }),
    };
  };
  const acquire = (key: string, lease: LeaseRequest, unlessEntryExpiresAfterMs: number): LeaseAnswer => {
    const record = view(key);
    if (record.lease !== undefined || (record.entry?.expiresAtMs ?? 0) > unlessEntryExpiresAfterMs) {
      return { acquired: false, record };
    }
    memory.lease(key, lease.holder, lease.ttlMs, lease.expectedInMs);
    return { acquired: true };
  };
  const withoutLease = (item: MemoryItem): MemoryItem => ({
    ...item,
    holder: undefined,
    leaseUntil: undefined,
    expectedAt: undefined,
  });
  const explicitKey = options.encryptionKey;
  const store: TokenStore = {
    read: (key, signal) =>
      call(signal, () => {
        if (memory.fault === 'garbage') {
          return { entry: { value: '<html>503 Service Unavailable</html>', expiresAtMs: Date.now() + 60_000 } };
        }
        return view(key);
      }),
    acquireLease: (key, lease, unlessEntryExpiresAfterMs, signal) =>
      call(signal, () => {
        memory.writes++;
        return acquire(key, lease, unlessEntryExpiresAfterMs);
      }),
    put: (key, entry, holder, signal) =>
      call(signal, () => {
        memory.writes++;
        const item = items.get(key) ?? {};
        const stored = item.value !== undefined && (item.expiresAtMs ?? 0) > Date.now() ? (item.expiresAtMs ?? 0) : 0;
        const newer = entry.expiresAtMs > stored && entry.expiresAtMs > (item.refusedThroughMs ?? 0);
        const ours = holder !== undefined && item.holder === holder;
        const next = ours ? withoutLease(item) : item;
        items.set(key, newer ? { ...next, value: entry.value, expiresAtMs: entry.expiresAtMs } : next);
      }),
    releaseLease: (key, holder, signal) =>
      call(signal, () => {
        memory.writes++;
        const item = items.get(key);
        if (item !== undefined && item.holder === holder) items.set(key, withoutLease(item));
      }),
    refuse: (key, expiresAtMs, signal) =>
      call(signal, () => {
        memory.writes++;
        const item = items.get(key) ?? {};
        const dropped = (item.expiresAtMs ?? 0) <= expiresAtMs;
        items.set(key, {
          ...item,
          refusedThroughMs: Math.max(item.refusedThroughMs ?? Number.NEGATIVE_INFINITY, expiresAtMs),
          ...(dropped ? { value: undefined, expiresAtMs: undefined } : {}),
        });
      }),
    ...(options.combined === true
      ? {
          // Like a Redis script: a refused lease request writes nothing.
          readOrAcquireLease: (key: string, lease: LeaseRequest, unless: number, signal: AbortSignal) =>
            call(signal, () => {
              const answer = acquire(key, lease, unless);
              if (answer.acquired) memory.writes++;
              return answer;
            }),
        }
      : {}),
    ...(explicitKey === undefined ? {} : { encryptionKey: () => explicitKey }),
  };
  (memory as { store: TokenStore }).store = store;
  return memory;
}
