import { type Deadline, withDeadline } from '../core/deadline.js';
import { ExpiringCache, type ExpiringValue, type FetchContext } from '../core/expiring-cache.js';
import { logEvent } from '../core/logger.js';
import {
  type CognitoCredentials,
  type CredentialsLoader,
  callCredentialsSource,
  withCredentialsReload,
} from '../credentials/credentials.js';
// Types only: the fleet protocol travels with the store (`shareTokenStore`), so a provider without a shared
// cache bundles none of it.
import type { SharedValues, ValueSharing } from '../fleet/share-token-store.js';
import type { ResolvedCommonOptions } from './options.js';

/** What every provider resolves its options into: the shared settings and where its credentials come from. */
export interface ResolvedProviderOptions extends ResolvedCommonOptions {
  /** The `credentials` option (or, for M2M, `clientSecret`), checked at construction. */
  readonly credentials: CredentialsLoader;
}

/**
 * What a provider shares through a fleet's store (see `ValueSharing`), and how it takes another instance's
 * value: `adopt` merges what this one holds into it (its refresh token). Default: the shared value as it is.
 */
export type FleetRecipe<T extends ExpiringValue, C> = Omit<ValueSharing<T, C>, 'clientId' | 'logger'> & {
  adopt?(shared: T, current: T | undefined): T;
};

/** One debug event: what happened, and its names, counts and timings. */
export type ProviderEvent = readonly [message: string, details: Record<string, unknown>];

/**
 * What a provider adds to the kernel: how to ask Cognito for a value, and what of it a fleet shares. `T` is
 * what the provider caches; `C` the credentials it needs, checked from what the loader returned.
 */
export interface TokenRecipe<T extends ExpiringValue, C> {
  /** The credentials a loader returned, checked: `ERR_CREDENTIALS` naming the field, never quoting a value. */
  checkCredentials(loaded: CognitoCredentials): C;
  /** A new value from Cognito with these credentials: a sign-in, or a client token request. */
  issue(credentials: C, deadline: Deadline): Promise<T>;
  /** The event logged after `issue`, timed by the kernel. */
  issued(value: T): ProviderEvent;
  /** How to renew without the credentials (a refresh token), for a value that can be renewed so. */
  readonly renewal?: {
    /** A value renewed from `current`, or `undefined` when that is not possible and the kernel should `issue`. */
    renew(current: T, deadline: Deadline): Promise<T | undefined>;
    /** The event logged after a renewal, timed by the kernel. */
    renewed(value: T): ProviderEvent;
  };
  /** What a fleet shares of a value, with `sharedCache`. */
  readonly fleet: FleetRecipe<T, C>;
}

/**
 * The pipeline both providers run, written once: the in-process cache (single flight, renewal ahead of expiry),
 * one `timeoutMs` budget per operation, the credentials loaded and reloaded once after a rejection, the
 * fleet's shared cache when there is one, and the debug events. A provider supplies only a {@link TokenRecipe}.
 */
export class ProviderKernel<T extends ExpiringValue, C> {
  readonly #cache: ExpiringCache<T>;
  readonly #options: ResolvedProviderOptions;
  readonly #recipe: TokenRecipe<T, C>;
  #shared: SharedValues<T, C> | undefined;

  constructor(options: ResolvedProviderOptions, recipe: TokenRecipe<T, C>) {
    this.#options = options;
    this.#recipe = recipe;
    this.#cache = new ExpiringCache((context) => this.#obtainValue(context), options.logger);
  }

  /** The cached value while it is before its renewal point: no I/O. */
  fresh(): T | undefined {
    return this.#cache.fresh();
  }

  /** A usable value, fetching one if needed (see `ExpiringCache.load`). */
  load(): Promise<T> {
    return this.#cache.load();
  }

  /** A new value now, never the cached one back. */
  refresh(): Promise<T> {
    return this.#cache.load({ force: true });
  }

  /** Forgets everything held in this process. */
  invalidate(): void {
    const held = this.#cache.held();
    this.#cache.clear();
    // In a fleet, the invalidated tokens must not come back from the store either (a global sign-out).
    if (held !== undefined) void this.#shared?.discard(held);
  }

  /** One token operation, inside one `timeoutMs` budget. */
  #obtainValue({ current, refused, signal }: FetchContext<T>): Promise<T> {
    return withDeadline(
      this.#options.timeoutMs,
      async (deadline) => {
        const store = this.#options.sharedCache;
        if (store === undefined) return (await this.#fromCognito(current, deadline, undefined)).value;
        // The fleet's entry is named and sealed by the credentials, so they come first; a sign-in then uses
        // these same credentials rather than loading them again.
        const credentials = await this.#loadCredentials(deadline, false);
        const { fleet } = this.#recipe;
        this.#shared ??= store.shareValues<T, C>({
          ...fleet,
          clientId: this.#options.clientId,
          logger: this.#options.logger,
        });
        const obtained = await this.#shared.obtain(
          credentials,
          async () => {
            const made = await this.#fromCognito(current, deadline, credentials);
            // Given `credentials`, a renewal names them and a sign-in names those it used: never undefined here.
            return { value: made.value, credentials: made.credentials as C };
          },
          {
            signal: deadline.signal,
            deadlineAt: Date.now() + deadline.remainingMs(),
            current,
            refused,
            refreshAheadSeconds: this.#options.refreshAheadSeconds,
          },
        );
        return obtained === current || fleet.adopt === undefined ? obtained : fleet.adopt(obtained, current);
      },
      signal,
    );
  }

  /**
   * Renews from `current` when the recipe can, otherwise issues a new value with the credentials (`loaded`,
   * or loaded now), reloading them once if Cognito rejects them. Resolves with the credentials that made the
   * value, which may be newer than `loaded`.
   */
  async #fromCognito(
    current: T | undefined,
    deadline: Deadline,
    loaded: C | undefined,
  ): Promise<{ readonly value: T; readonly credentials: C | undefined }> {
    const recipe = this.#recipe;
    const { logger } = this.#options;
    if (current !== undefined && recipe.renewal !== undefined) {
      const started = Date.now();
      const renewed = await recipe.renewal.renew(current, deadline);
      if (renewed !== undefined) {
        this.#log(recipe.renewal.renewed(renewed), started);
        return { value: renewed, credentials: loaded };
      }
    }
    const started = Date.now();
    const { credentials, result } = await withCredentialsReload(
      this.#options.credentials.isSource,
      (forceRefresh) =>
        !forceRefresh && loaded !== undefined ? Promise.resolve(loaded) : this.#loadCredentials(deadline, forceRefresh),
      (usable) => recipe.issue(usable, deadline),
      logger,
    );
    this.#log(recipe.issued(result), started);
    return { value: result, credentials };
  }

  async #loadCredentials(deadline: Deadline, forceRefresh: boolean): Promise<C> {
    const loaded = await callCredentialsSource(this.#options.credentials.load, deadline, forceRefresh);
    return this.#recipe.checkCredentials(loaded);
  }

  #log([message, details]: ProviderEvent, started: number): void {
    logEvent(this.#options.logger, message, { ...details, durationMs: Date.now() - started });
  }
}
