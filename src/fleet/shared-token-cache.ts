import { randomUUID } from 'node:crypto';
import { configurationError } from '../errors.js';
import { explicitSealingKey, isSealedEntry, openEntry, sealEntry } from './entry-sealing.js';
import type { TokenStore } from './token-store.js';

/** Where the shared cache says it gave up on the store: names and timings only, never values. */
export interface SharedCacheLogger {
  debug(message: string, details?: Record<string, unknown>): void;
}

/** How one provider shares one kind of value (a user's tokens, a client's token) through a store. */
export interface SharedCacheOptions<T> {
  readonly store: TokenStore;
  /** The entry's store key, from `storeKeyOf`. */
  readonly key: string;
  /**
   * Derives the sealing key from the instance's secrets (`deriveUserSealingKey`, `deriveClientSealingKey`).
   * Called once, on the first store read, and again only if it failed; not at all when the store has an
   * `encryptionKey`.
   */
  readonly sealingKey: () => Promise<Uint8Array>;
  /** The fields of `value` to share. Only what a token call returns: no refresh token, password or secret. */
  encode(value: T): Record<string, unknown>;
  /** The value back from its fields, or `undefined` if they do not make one (an entry of another version). */
  decode(fields: Record<string, unknown>): T | undefined;
  /** Epoch milliseconds at which `value` expires; the store drops the entry then. */
  expiresAtOf(value: T): number;
  readonly logger?: SharedCacheLogger;
  /**
   * How long a lease lasts, so a crashed holder blocks the others this long at most; must exceed a normal
   * fetch, or a second instance fetches too. Default 5000.
   */
  readonly leaseMs?: number;
  /** The budget of each store call, within the caller's. Default 1000. */
  readonly storeTimeoutMs?: number;
  /** How long the store is left alone after it failed. Default 30000. */
  readonly retryStoreAfterMs?: number;
  /**
   * The source of the jitter that spreads a fleet's polls and lease attempts, uniform in [0, 1). Default
   * `Math.random`; tests pass a fixed one, so no outcome depends on a draw.
   */
  readonly random?: () => number;
}

/** The caller's side of one `obtain`. */
export interface ObtainContext<T> {
  /** Aborts when the caller's budget runs out. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds at which the caller's budget runs out. */
  readonly deadlineAt: number;
  /** A shared value is used only if it expires after this (epoch milliseconds): past the caller's renewal point. */
  readonly minValidUntil: number;
  /**
   * A value the caller still holds, when it is renewing ahead of expiry. If another instance has the lease,
   * `obtain` returns this very object, as long as it has not expired, instead of waiting for the renewal.
   */
  readonly current?: T;
}

const DEFAULT_LEASE_MS = 5_000;
const DEFAULT_STORE_TIMEOUT_MS = 1_000;
const DEFAULT_RETRY_STORE_AFTER_MS = 30_000;
// A waiter reads once, asks for the lease once, and then polls: the first poll comes after about the time a
// sign-in takes, so most waiters find the entry on it (three store requests each; the holder makes five).
const FIRST_POLL_MS = 200;
const MAX_POLL_MS = 800;
/**
 * A waiter stops waiting for a holder when less than half its budget, or 3 s, remains (whichever is less),
 * and fetches itself. Half, because the fallback fetch may need as long as a holder's; at most 3 s, so with
 * the default 10 s budget a waiter still outlasts a crashed holder's 5 s lease and takes over from it
 * instead of joining a stampede.
 */
const MAX_FALLBACK_RESERVE_MS = 3_000;
const UNAVAILABLE = 'cognito-token-provider: shared cache unavailable, using Cognito directly';
const LEASE_BUSY = 'cognito-token-provider: shared cache lease still held, using Cognito directly';

/** What the store part of `obtain` decided. */
type Plan<T> =
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'holder'; readonly holder: string }
  | { readonly kind: 'direct' };

/** The caller's budget ran out during a store call: no fault of the store. */
class CallerAborted extends Error {
  override readonly name = 'CallerAborted';
}

/**
 * The fleet protocol over a {@link TokenStore}, independent of what is cached: read the shared entry; on a
 * miss, one instance takes the lease, fetches, writes and releases, while the others poll for its entry
 * (and take over if its lease lapses). Entries are sealed with the instances' secrets, and an entry that
 * does not open counts as missing.
 *
 * The store is an optimisation, never a dependency: whatever it does (rejects, hangs, returns garbage),
 * `obtain` falls back to `fetch` and leaves the store alone for `retryStoreAfterMs`, logging it once.
 */
export class SharedTokenCache<T> {
  readonly #options: SharedCacheOptions<T>;
  readonly #leaseMs: number;
  readonly #storeTimeoutMs: number;
  readonly #retryStoreAfterMs: number;
  readonly #random: () => number;
  #sealingKey: Promise<Uint8Array> | undefined;
  #skipStoreUntil = 0;
  #inFlight: Promise<T> | undefined;

  constructor(options: SharedCacheOptions<T>) {
    this.#options = options;
    this.#leaseMs = positive('leaseMs', options.leaseMs, DEFAULT_LEASE_MS);
    this.#storeTimeoutMs = positive('storeTimeoutMs', options.storeTimeoutMs, DEFAULT_STORE_TIMEOUT_MS);
    this.#retryStoreAfterMs = positive('retryStoreAfterMs', options.retryStoreAfterMs, DEFAULT_RETRY_STORE_AFTER_MS);
    this.#random = options.random ?? Math.random;
  }

  /**
   * A shared value that expires after `minValidUntil`, or `fetch`'s result, fetched under the lease and
   * shared. Rejects only with `fetch`'s own errors: store trouble means `fetch()` directly.
   *
   * Concurrent calls on one instance share one attempt, its value or its fetch's failure, as callers of one
   * provider share one sign-in; a caller whose budget runs out first calls its own `fetch` instead (which
   * then reports the timeout).
   */
  obtain(fetch: () => Promise<T>, context: ObtainContext<T>): Promise<T> {
    const inFlight = this.#inFlight;
    if (inFlight !== undefined) return this.#join(inFlight, fetch, context.signal);
    const attempt = this.#attempt(fetch, context).finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = attempt;
    return attempt;
  }

  async #join(inFlight: Promise<T>, fetch: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return fetch();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const first = await Promise.race([inFlight, aborted]);
      return first === 'aborted' ? fetch() : first;
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }

  async #attempt(fetch: () => Promise<T>, context: ObtainContext<T>): Promise<T> {
    if (Date.now() < this.#skipStoreUntil) return fetch();
    let plan: Plan<T>;
    try {
      plan = await this.#plan(context);
    } catch (error) {
      this.#unavailable(error);
      return fetch();
    }
    if (plan.kind === 'value') return plan.value;
    if (plan.kind === 'direct') return fetch();
    try {
      const value = await fetch();
      await this.#write(value, context.signal);
      return value;
    } finally {
      // A failed fetch writes nothing and frees the lease at once, so a waiter can try.
      await this.#release(plan.holder, context.signal);
    }
  }

  async #plan(context: ObtainContext<T>): Promise<Plan<T>> {
    const { signal, deadlineAt } = context;
    const started = Date.now();
    const waitUntil = deadlineAt - Math.min(Math.max(0, deadlineAt - started) / 2, MAX_FALLBACK_RESERVE_MS);
    const holder = randomUUID();
    let acquireAt = started;
    for (let poll = 0; ; poll++) {
      const found = await this.#read(context);
      if (found !== undefined) return { kind: 'value', value: found };
      if (Date.now() >= acquireAt) {
        const acquired = await this.#call(
          (abort) => this.#options.store.acquireLease(this.#options.key, holder, this.#leaseMs, abort),
          signal,
        );
        if (acquired === true) {
          // Between our miss and the lease, a holder may have written its entry and released: read once more.
          const written = await this.#read(context);
          if (written === undefined) return { kind: 'holder', holder };
          await this.#release(holder, signal);
          return { kind: 'value', value: written };
        }
        // A refused lease still costs a write (DynamoDB bills a failed condition), and a fleet of waiters
        // would pile them on one item: ask again every quarter lease, enough to take over a released or
        // lapsed lease soon, while the reads watch for the holder's entry.
        acquireAt = Date.now() + this.#jittered(this.#leaseMs / 4);
      }
      const { current } = context;
      if (current !== undefined && this.#options.expiresAtOf(current) > Date.now()) {
        return { kind: 'value', value: current };
      }
      const now = Date.now();
      if (now >= waitUntil || signal.aborted) {
        if (!signal.aborted) this.#log(LEASE_BUSY, { waitedMs: now - started });
        return { kind: 'direct' };
      }
      // Jittered and growing, so a fleet that starts together does not poll together.
      const interval = Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** poll);
      await sleep(Math.min(waitUntil - now, this.#jittered(interval)), signal);
    }
  }

  /** The shared value if there is one that opens and lasts long enough. Throws on store trouble. */
  async #read(context: ObtainContext<T>): Promise<T | undefined> {
    // The key derivation (scrypt, on the thread pool) runs while the store answers.
    const sealingKey = this.#key();
    sealingKey.catch(() => undefined);
    const text = await this.#call((abort) => this.#options.store.get(this.#options.key, abort), context.signal);
    if (text === undefined || text === null) return undefined;
    if (!isSealedEntry(text)) throw namedError('InvalidStoreEntry');
    // Sealed by an instance with other secrets, or altered: missing, and the next holder replaces it.
    const fields = openEntry(await sealingKey, this.#options.key, text);
    if (fields === undefined) return undefined;
    let value: T | undefined;
    try {
      value = this.#options.decode(fields);
    } catch {
      return undefined;
    }
    return value !== undefined && this.#options.expiresAtOf(value) > context.minValidUntil ? value : undefined;
  }

  /** Shares a fetched value; never throws, as the caller has its value whatever happens here. */
  async #write(value: T, signal: AbortSignal): Promise<void> {
    try {
      const expiresAt = this.#options.expiresAtOf(value);
      if (!(expiresAt > Date.now())) return;
      const text = sealEntry(await this.#key(), this.#options.key, this.#options.encode(value));
      await this.#call((abort) => this.#options.store.put(this.#options.key, text, expiresAt, abort), signal);
    } catch (error) {
      this.#unavailable(error);
    }
  }

  /** Ends our lease; never throws. Skipped when the store just failed: the lease lapses by itself. */
  async #release(holder: string, signal: AbortSignal): Promise<void> {
    if (Date.now() < this.#skipStoreUntil || signal.aborted) return;
    try {
      await this.#call((abort) => this.#options.store.releaseLease(this.#options.key, holder, abort), signal);
    } catch (error) {
      this.#unavailable(error);
    }
  }

  #key(): Promise<Uint8Array> {
    if (this.#sealingKey === undefined) {
      const derived = (async () => {
        const explicit = this.#options.store.encryptionKey?.();
        if (explicit === undefined) return this.#options.sealingKey();
        if (explicit.byteLength !== 32) throw namedError('InvalidEncryptionKey');
        return explicitSealingKey(explicit, this.#options.key);
      })();
      this.#sealingKey = derived;
      // Derive again next time rather than remember a failure.
      derived.catch(() => {
        this.#sealingKey = undefined;
      });
    }
    return this.#sealingKey;
  }

  /**
   * One store call, bounded by `storeTimeoutMs` and the caller's signal, whether or not the store honours
   * its own signal. Leaves no timer or listener behind, and aborts the store's signal once settled.
   */
  #call<R>(operation: (signal: AbortSignal) => Promise<R>, callerSignal: AbortSignal): Promise<R> {
    if (callerSignal.aborted) return Promise.reject(new CallerAborted());
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(namedError('TimeoutError')), this.#storeTimeoutMs);
      onAbort = () => reject(new CallerAborted());
      callerSignal.addEventListener('abort', onAbort, { once: true });
    });
    let work: Promise<R>;
    try {
      work = Promise.resolve(operation(controller.signal));
    } catch (error) {
      work = Promise.reject(error);
    }
    // A late answer or failure after the race is lost must not become an unhandled rejection.
    work.catch(() => undefined);
    return Promise.race([work, stopped]).finally(() => {
      clearTimeout(timer);
      if (onAbort !== undefined) callerSignal.removeEventListener('abort', onAbort);
      controller.abort();
    });
  }

  /** Between half and all of `ms`, so instances that start together drift apart. */
  #jittered(ms: number): number {
    return ms * (0.5 + this.#random() / 2);
  }

  #unavailable(error: unknown): void {
    // The caller's budget ran out: its fetch reports that, and the store did nothing wrong.
    if (error instanceof CallerAborted) return;
    const now = Date.now();
    const wasInUse = now >= this.#skipStoreUntil;
    this.#skipStoreUntil = now + this.#retryStoreAfterMs;
    if (wasInUse) this.#log(UNAVAILABLE, { error: errorName(error) });
  }

  #log(message: string, details: Record<string, unknown>): void {
    try {
      this.#options.logger?.debug(message, details);
    } catch {
      // A broken logger must not turn a token call into a failure.
    }
  }
}

function positive(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw configurationError(option, 'must be a positive number of milliseconds');
  }
  return value;
}

/** Resolves after `ms`, or as soon as `signal` aborts; clears its timer either way. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}

function namedError(name: string): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

/** The name only: messages of store errors can carry keys, table names or values. */
function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.length > 0 && name.length <= 100 ? name : 'Error';
}

/** Once another instance is renewing, how long one serves what it holds before looking again. */
const RECHECK_WHILE_ANOTHER_RENEWS_MS = 1_000;
/** A shared entry must outlive this much, or the instance that reads it would renew again at once. */
const MIN_SHARED_LIFETIME_MS = 60_000;

/** What a provider's in-process cache holds: a value with an expiry and a renewal point. */
interface CachedValue {
  readonly expiresAt: number;
  readonly renewAt: number;
}

/**
 * A provider's side of one miss of its in-process cache: the fleet's entry if it will do, else `fetch` under
 * the lease. Renewing (`current` given), only an entry newer than `current` helps; starting cold, one that
 * will not need renewing straight away. While another instance renews, `current` is served a little longer
 * instead of asking the store on every call.
 */
export async function obtainShared<T extends CachedValue>(
  cache: SharedTokenCache<T>,
  fetch: () => Promise<T>,
  context: {
    readonly signal: AbortSignal;
    readonly remainingMs: number;
    readonly current: T | undefined;
    readonly refreshAheadSeconds: number;
    /**
     * `current` was refused (`refresh()`): only a newer value will do, so it is never served back while
     * another instance renews.
     */
    readonly refused?: boolean;
  },
): Promise<T> {
  const { current } = context;
  const now = Date.now();
  const obtained = await cache.obtain(fetch, {
    signal: context.signal,
    deadlineAt: now + context.remainingMs,
    minValidUntil:
      current === undefined
        ? now + Math.min(context.refreshAheadSeconds * 1000, MIN_SHARED_LIFETIME_MS)
        : current.expiresAt + 1,
    ...(current === undefined || context.refused === true ? {} : { current }),
  });
  return obtained === current
    ? { ...obtained, renewAt: Math.min(obtained.expiresAt, Date.now() + RECHECK_WHILE_ANOTHER_RENEWS_MS) }
    : obtained;
}
