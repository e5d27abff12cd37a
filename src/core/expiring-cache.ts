import { logEvent, type TokenProviderLogger } from './logger.js';

/**
 * What the cache needs to know about any value it holds: when it dies, and when to start replacing it.
 *
 * @example
 * ```ts
 * import type { ExpiringValue } from 'cognito-token-provider';
 * const now = Date.now();
 * const value: ExpiringValue = { expiresAt: now + 3_600_000, renewAt: now + 3_300_000 };
 * ```
 */
export interface ExpiringValue {
  /** Epoch milliseconds after which the value must not be used. */
  readonly expiresAt: number;
  /** Epoch milliseconds from which a call fetches a replacement instead of returning this value. */
  readonly renewAt: number;
}

/** What one call of {@link ExpiringCache.load} asks for. */
export interface LoadOptions {
  /** Fetch even when the cached tokens are fresh, and never fall back to them on failure. */
  readonly force?: boolean | undefined;
  /**
   * The caller's abort signal, handed to the fetch this call starts. Callers that join a fetch already on its
   * way share that fetch, and so its signal.
   */
  readonly signal?: AbortSignal | undefined;
}

/** What the cache hands the function that fetches a new value. */
export interface FetchContext<T> {
  /** The value held now, possibly past its renewal point, to renew from. */
  readonly current: T | undefined;
  /** `current` was refused (a forced load): the fetch may renew from it, but must not return it. */
  readonly refused: boolean;
  /** The signal of the call that started this fetch, if it gave one. */
  readonly signal: AbortSignal | undefined;
}

/**
 * The caching engine shared by every provider in the package and by fromSsm: it holds the current value, runs
 * at most one fetch at a time however many callers wait (single flight), never caches a failure, and keeps
 * serving a still-valid value when an early renewal fails.
 *
 * `fetchValue` receives a {@link FetchContext}: the current value to renew from, whether it was refused, and the
 * signal of the call that started the fetch.
 */
export class ExpiringCache<T extends ExpiringValue> {
  readonly #fetchValue: (context: FetchContext<T>) => Promise<T>;
  readonly #logger: TokenProviderLogger | undefined;
  #current: T | undefined;
  // The same two points on the monotonic clock. A wall clock can be stepped back (NTP, a VM restored from a
  // snapshot) and would then keep an expired value alive; the monotonic clock does not count the time a
  // frozen Lambda sleeps, when the wall clock rightly does. A value is past a point when either clock says so.
  #renewAtMono = 0;
  #expiresAtMono = 0;
  // Set by a forced load: the current value was refused somewhere, so nobody is handed it again while its
  // replacement is on the way.
  #refused = false;
  #inFlight: Promise<T> | undefined;
  // Bumped by clear(), so a fetch that started before it cannot resurrect what was cleared.
  #generation = 0;

  constructor(fetchValue: (context: FetchContext<T>) => Promise<T>, logger?: TokenProviderLogger) {
    this.#fetchValue = fetchValue;
    this.#logger = logger;
  }

  /** The cached value if it is before its renewal point: two clock reads and two comparisons, no I/O. */
  fresh(): T | undefined {
    const current = this.#current;
    return current !== undefined && Date.now() < current.renewAt && performance.now() < this.#renewAtMono
      ? current
      : undefined;
  }

  /**
   * A usable value, fetching one if needed; concurrent callers share one fetch. Between the renewal point and
   * expiry the current value is returned at once and renewed in the background (stale-while-revalidate):
   * callers wait only when nothing usable is cached, or when `force` asks for a new value.
   */
  load(options?: LoadOptions): Promise<T> {
    const force = options?.force === true;
    const signal = options?.signal;
    const previous = this.#current;
    const fresh = this.fresh();
    if (!force && fresh !== undefined) return Promise.resolve(fresh);
    if (!force && previous !== undefined && !this.#refused && this.#usable()) {
      this.#renewInBackground(previous, signal);
      return Promise.resolve(previous);
    }
    if (force && previous !== undefined) {
      this.#refused = true;
      // The providers' cached path calls fresh() directly: it must not hand the refused value out either.
      this.#renewAtMono = Number.NEGATIVE_INFINITY;
    }
    const shared = this.#fetch(signal);
    if (force || previous === undefined) return shared;
    // Callers that joined a forced renewal still hold a value they may use if it fails; refresh() itself
    // must see the failure.
    return shared.catch((error: unknown) => this.#fallBack(previous, error));
  }

  /** Whether the current value is before its expiry on both clocks. */
  #usable(): boolean {
    const current = this.#current;
    return current !== undefined && Date.now() < current.expiresAt && performance.now() < this.#expiresAtMono;
  }

  #renewInBackground(previous: T, signal: AbortSignal | undefined): void {
    if (this.#inFlight !== undefined) return;
    // Nobody awaits this promise: its failure is handled here, never left unhandled. When `previous` is gone
    // (cleared, or expired meanwhile) there is nothing to fall back on, and the next load fetches on its own.
    this.#fetch(signal).catch((error: unknown) => {
      if (this.#current === previous && this.#usable()) this.#fallBack(previous, error);
    });
  }

  /**
   * After a failed renewal: keep serving `previous` while it is valid, and ask again a little later rather
   * than on every call, since a failing Cognito is often a throttling one. Rethrows when `previous` is gone.
   */
  #fallBack(previous: T, error: unknown): T {
    if (this.#current !== previous || !this.#usable()) throw error;
    if (!this.#refused) {
      const now = Date.now();
      const retryAt = now + Math.min(30_000, (previous.expiresAt - now) / 4);
      this.#set({ ...previous, renewAt: retryAt });
      logEvent(this.#logger, 'cognito-token-provider: renewal failed, serving tokens until they expire', {
        error: (error as { code?: unknown })?.code ?? (error as Error)?.name,
        expiresInMs: previous.expiresAt - now,
        retryInMs: retryAt - now,
      });
      return this.#current as T;
    }
    return previous;
  }

  #set(value: T): void {
    const wall = Date.now();
    const mono = performance.now();
    this.#current = value;
    this.#renewAtMono = mono + (value.renewAt - wall);
    this.#expiresAtMono = mono + (value.expiresAt - wall);
    this.#refused = false;
  }

  #fetch(signal: AbortSignal | undefined): Promise<T> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const generation = this.#generation;
    const current = this.#current;
    const refused = this.#refused;
    const shared: Promise<T> = this.#fetchValue({ current, refused, signal })
      .then((value) => {
        // refresh() came while this fetch, started before the value was refused, was on its way: an answer no
        // newer than the refused value (a fleet's cache serving it while another instance renews) must not
        // stand in for the new one, so a fetch that knows it was refused takes over.
        const stale = current !== undefined && value.expiresAt <= current.expiresAt;
        if (!refused && this.#refused && stale && generation === this.#generation) {
          this.#inFlight = undefined;
          return this.#fetch(signal);
        }
        if (generation === this.#generation) this.#set(value);
        return value;
      })
      .finally(() => {
        if (this.#inFlight === shared) this.#inFlight = undefined;
      });
    this.#inFlight = shared;
    return shared;
  }

  /** The value held, whatever its age: for a caller that must act on it as it is cleared. */
  held(): T | undefined {
    return this.#current;
  }

  /** Forgets everything, so the next load starts from nothing. */
  clear(): void {
    this.#generation++;
    this.#current = undefined;
    this.#refused = false;
    this.#inFlight = undefined;
  }
}
