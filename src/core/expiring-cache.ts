import { logEvent, type TokenProviderLogger } from './logger.js';

/** What the cache needs to know about any value it holds: when it dies, and when to start replacing it. */
export interface ExpiringValue {
  /** Epoch milliseconds after which the value must not be used. */
  readonly expiresAt: number;
  /** Epoch milliseconds from which a call fetches a replacement instead of returning this value. */
  readonly renewAt: number;
}

interface LoadOptions {
  /** Fetch even when the cached tokens are fresh, and never fall back to them on failure. */
  readonly force?: boolean;
}

/**
 * The caching engine shared by every provider in the package and by fromSsm: it holds the current value, runs
 * at most one fetch at a time however many callers wait (single flight), never caches a failure, and keeps
 * serving a still-valid value when an early renewal fails.
 *
 * `obtain` receives the current value (possibly past its renewal point) so it can renew from it.
 */
export class ExpiringCache<T extends ExpiringValue> {
  readonly #obtain: (current: T | undefined) => Promise<T>;
  readonly #logger: TokenProviderLogger | undefined;
  #current: T | undefined;
  #inFlight: Promise<T> | undefined;
  // Bumped by clear(), so a fetch that started before it cannot resurrect what was cleared.
  #generation = 0;

  constructor(obtain: (current: T | undefined) => Promise<T>, logger?: TokenProviderLogger) {
    this.#obtain = obtain;
    this.#logger = logger;
  }

  /** The cached tokens if they are before their renewal point: a clock read and a comparison, no I/O. */
  fresh(): T | undefined {
    const current = this.#current;
    return current !== undefined && Date.now() < current.renewAt ? current : undefined;
  }

  /** Fresh tokens, fetching them if needed; concurrent callers share one fetch. */
  load(options?: LoadOptions): Promise<T> {
    const force = options?.force === true;
    const previous = this.#current;
    if (!force && previous !== undefined && Date.now() < previous.renewAt) return Promise.resolve(previous);
    // A forced load says these tokens were refused somewhere: callers that arrive while their replacement is on
    // its way wait for it rather than being handed them again.
    if (force && previous !== undefined) this.#current = { ...previous, renewAt: 0 };
    const shared = this.#fetch();
    if (force || previous === undefined) return shared;
    // Whether to fall back is each caller's own business: a forced refresh() that joins this fetch must see
    // its failure, while getIdToken() callers keep the tokens they could still use.
    const generation = this.#generation;
    return shared.catch((error: unknown) => {
      const now = Date.now();
      if (generation !== this.#generation || now >= previous.expiresAt) throw error;
      if (this.#current === previous) {
        // Ask again a little later rather than on every call: a failing Cognito is often a throttling one.
        const retryAt = now + Math.min(30_000, (previous.expiresAt - now) / 4);
        this.#current = { ...previous, renewAt: retryAt };
        logEvent(this.#logger, 'cognito-token-provider: renewal failed, serving tokens until they expire', {
          error: (error as { code?: unknown })?.code ?? (error as Error)?.name,
          expiresInMs: previous.expiresAt - now,
        });
      }
      return previous;
    });
  }

  #fetch(): Promise<T> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const generation = this.#generation;
    const shared: Promise<T> = this.#obtain(this.#current)
      .then((tokens) => {
        if (generation === this.#generation) this.#current = tokens;
        return tokens;
      })
      .finally(() => {
        if (this.#inFlight === shared) this.#inFlight = undefined;
      });
    this.#inFlight = shared;
    return shared;
  }

  /** Forgets everything, so the next load starts from nothing. */
  clear(): void {
    this.#generation++;
    this.#current = undefined;
    this.#inFlight = undefined;
  }
}
