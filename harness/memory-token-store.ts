/**
 * A TokenStore in memory, shared by the "instances" of one test process, with faults to inject: the
 * reference the real stores are compared with, and the store of protocol tests under fake timers (it reads
 * `Date.now()`, so fake time expires its entries and leases).
 *
 * API: `memoryTokenStore()` → `{ store, entries, leases, fault, storeCalls }`. Set `fault` to make every call
 * `'reject'` (ThrottlingException), `'hang'` (never settle, until the call's signal aborts), or make `get`
 * return `'garbage'`. `entries` and `leases` are the raw maps, to inspect or corrupt.
 *
 * @example
 * ```ts
 * const memory = memoryTokenStore();
 * const cache = new SharedTokenCache({ store: memory.store, ... });
 * memory.fault = 'hang';
 * ```
 */
import type { TokenStore } from '../src/fleet/token-store.js';

export type MemoryStoreFault = 'reject' | 'hang' | 'garbage' | undefined;

export interface MemoryTokenStore {
  readonly store: TokenStore;
  readonly entries: Map<string, { value: string; expiresAtMs: number }>;
  readonly leases: Map<string, { holder: string; until: number }>;
  fault: MemoryStoreFault;
  /** Calls made, faulted ones included. */
  storeCalls: number;
  /** Calls still waiting for an answer (hanging ones whose signal has not aborted). */
  pending: number;
}

export function memoryTokenStore(options: { readonly encryptionKey?: Uint8Array } = {}): MemoryTokenStore {
  const memory: MemoryTokenStore = {
    store: undefined as unknown as TokenStore,
    entries: new Map(),
    leases: new Map(),
    fault: undefined,
    storeCalls: 0,
    pending: 0,
  };
  // Runs one call after a macrotask, as a network store would answer, unless a fault says otherwise.
  const call = <T>(signal: AbortSignal, answer: () => T): Promise<T> => {
    memory.storeCalls++;
    if (signal.aborted) return Promise.reject(signal.reason);
    const fault = memory.fault;
    if (fault === 'reject') {
      const error = new Error('Rate exceeded');
      error.name = 'ThrottlingException';
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
  const explicitKey = options.encryptionKey;
  const store: TokenStore = {
    get: (key, signal) =>
      call(signal, () => {
        if (memory.fault === 'garbage') return '<html>503 Service Unavailable</html>';
        const entry = memory.entries.get(key);
        return entry !== undefined && entry.expiresAtMs > Date.now() ? entry.value : undefined;
      }),
    put: (key, value, expiresAtMs, signal) =>
      call(signal, () => {
        memory.entries.set(key, { value, expiresAtMs });
      }),
    acquireLease: (key, holder, ttlMs, signal) =>
      call(signal, () => {
        const lease = memory.leases.get(key);
        if (lease !== undefined && lease.until > Date.now()) return false;
        memory.leases.set(key, { holder, until: Date.now() + ttlMs });
        return true;
      }),
    releaseLease: (key, holder, signal) =>
      call(signal, () => {
        if (memory.leases.get(key)?.holder === holder) memory.leases.delete(key);
      }),
    ...(explicitKey === undefined ? {} : { encryptionKey: () => explicitKey }),
  };
  (memory as { store: TokenStore }).store = store;
  return memory;
}
