import { randomUUID } from 'node:crypto';
import { backoffMs, sleep } from '../core/deadline.js';
import type { ExpiringValue } from '../core/expiring-cache.js';
import { classifyFailure, errorName } from '../core/failure.js';
import { isPositiveNumber } from '../core/known-options.js';
import { logEvent, type TokenProviderLogger } from '../core/logger.js';
import { configurationError } from '../errors.js';
import { explicitSealingKey, isSealedEntry, openEntry, sealEntry } from './entry-sealing.js';
import type { LeaseAnswer, LeaseView, StoredEntry, StoreRecord, TokenStore } from './token-store.js';

/** Where the shared cache says it gave up on the store: names and timings only, never values. */
export type SharedCacheLogger = TokenProviderLogger;

/** How one provider shares one kind of value (a user's tokens, a client's token) through a store. */
export interface SharedCacheOptions<T> {
  readonly store: TokenStore;
  /** The entry's store key, from `storeKeyOf`. */
  readonly key: string;
  /**
   * Derives the sealing key from the instance's secrets (`deriveUserSealingKey`, `deriveClientSealingKey`), to
   * open what the store holds. Called once, on the first store read, and again only if it failed; not at all
   * when the store has an `encryptionKey`.
   */
  readonly sealingKey: () => Promise<Uint8Array>;
  /**
   * The sealing key for writing `value`: the key of the credentials that made it, which may be newer than
   * those `sealingKey` derives from (a password rotated in the middle of a sign-in). Default `sealingKey`.
   * Not used when the store has an `encryptionKey`.
   */
  readonly writeKey?: (value: T) => Promise<Uint8Array>;
  /** The fields of `value` to share. Only what a token call returns: no refresh token, password or secret. */
  encode(value: T): Record<string, unknown>;
  /** The value back from its fields, or `undefined` if they do not make one (an entry of another version). */
  decode(fields: Record<string, unknown>): T | undefined;
  /**
   * Epoch milliseconds at which `value` expires: read from the token itself (its `exp` claim), never from a
   * clock, so that neither a reader nor the store's TTL trusts the clock of the instance that wrote it.
   */
  expiresAtOf(value: T): number;
  readonly logger?: SharedCacheLogger | undefined;
  /**
   * How long a lease lasts, so a crashed holder blocks the others this long at most; must exceed a normal
   * fetch, or a second instance fetches too. Default 5000.
   */
  readonly leaseMs?: number;
  /** How long the store is left alone after it failed. Default 30000. */
  readonly retryStoreAfterMs?: number;
  /**
   * How long the first fetch is expected to take, before this instance has measured one: the waiters look for
   * the entry then. Default 150.
   */
  readonly expectedFetchMs?: number;
  /**
   * The source of the jitter that spreads a fleet's reads and lease requests, uniform in [0, 1). Default
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
  readonly current?: T | undefined;
  /**
   * A value the caller was refused with (or invalidated): it is discarded first (see
   * {@link SharedTokenCache.discard}), so that neither this instance nor any other gets it from the store.
   */
  readonly refused?: T | undefined;
}

/** What `obtainOutcome` got, and from where. */
export interface Obtained<T> {
  readonly value: T;
  /** `store`: another instance's entry; `fetched`: this instance's fetch; `current`: the caller's own value. */
  readonly source: 'store' | 'fetched' | 'current';
  /**
   * With `current`: epoch milliseconds at which the instance renewing it expects its entry to be in the store,
   * so the caller looks again then rather than on every call.
   */
  readonly recheckAt?: number;
}

const DEFAULT_LEASE_MS = 5_000;
const DEFAULT_RETRY_STORE_AFTER_MS = 30_000;
const DEFAULT_EXPECTED_FETCH_MS = 150;
/**
 * The part of the caller's budget kept for a direct fetch: half of it, at most 3 s. So with the default 10 s
 * budget, the store gets 7 s (it may be slow, and a slow store beats a thousand sign-ins), and a waiter
 * outlasts a crashed holder's 5 s lease and takes over from it instead of joining a stampede.
 */
const MAX_FALLBACK_RESERVE_MS = 3_000;
/**
 * Before its first lease request, an instance that found neither entry nor lease reads once more after a pause
 * drawn between nothing and this, or four times the store's last answer time when it answers slowly (a fleet
 * queueing on it). The draw favours the end of that span (the cube root of a uniform draw: 1 instance in 1,000
 * comes back in its first tenth, 3 in 4 in its second half), so the first few find a quiet store, one of them
 * takes the lease and signs in, and most of the rest find its entry already there, with few writes on the hot
 * item. Everyone waits for the sign-in anyway.
 */
const PRE_LEASE_MIN_MS = 50;
const PRE_LEASE_LATENCY_FACTOR = 4;
/**
 * A waiter reads again at the holder's expected time, plus its own last answer time (the holder waited as long
 * for the answer that gave it the lease), spread over this much or that answer time.
 */
const WAKE_SPREAD_MIN_MS = 20;
/** Past the expected time, a waiter polls at jittered intervals that grow with the holder's delay. */
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 1_000;
/**
 * Back-off of a throttled store call (throttling is slowness: ask again within the budget): exponential, and
 * never shorter than twice the time the refusal took to arrive, as a fleet asking faster than the store can
 * refuse only keeps it throttled.
 */
const THROTTLED_BACKOFF = { baseDelayMs: 100, maxDelayMs: 2_000 } as const;
/** How long a `discard` outside any call may wait for the store. */
const DISCARD_BUDGET_MS = 2_000;
const UNAVAILABLE = 'cognito-token-provider: shared cache unavailable, using Cognito directly';
const LEASE_BUSY = 'cognito-token-provider: shared cache lease still held, using Cognito directly';
const TOO_SLOW = 'cognito-token-provider: shared cache too slow, using Cognito directly';

/**
 * Why a store call's own signal aborts once the call has settled (or been given up on). Made at the first store
 * call, not at import: every provider's cold start loads this module, and only a fleet's uses it.
 */
let settled: Error | undefined;

/** What the store part of `obtain` decided. */
type Plan<T> =
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'current'; readonly value: T; readonly recheckAt: number }
  | { readonly kind: 'holder'; readonly holder: string }
  | { readonly kind: 'direct' };

/** The caller's budget ran out during a store call: no fault of the store. */
class CallerAborted extends Error {
  override readonly name = 'CallerAborted';
}

/** The store kept throttling (or answering slowly) until the budget for it ran out: slow, not down. */
class StoreTooSlow extends Error {
  override readonly name = 'StoreTooSlow';
}

/** An entry as this instance reads it. */
interface Opened<T> {
  /** The value, if the entry opens, decodes, is not refused and lasts long enough for the caller. */
  readonly value?: T;
  /**
   * The expiry of an entry that is there but of no use to this instance (sealed with other secrets, of another
   * version, or refused): a lease request must not be held back by it.
   */
  readonly uselessUntil?: number;
}

/**
 * The fleet protocol over a {@link TokenStore}, independent of what is cached. One read shows the entry and
 * the lease. On a miss, one instance takes the lease, fetches, and writes the entry (releasing the lease in the
 * same request); the others never write while a lease is live: they read again when its holder expects the
 * entry to be there, poll briefly after that, and take over only once the lease has lapsed. Entries are
 * sealed with the instances' secrets, and an entry that does not open counts as missing.
 *
 * The store is an optimisation, never a dependency: a store that fails (rejects, hangs past the caller's
 * budget, returns garbage) means `fetch` directly, and the store is left alone for `retryStoreAfterMs`, logged
 * once. A store that throttles or answers slowly is waited for, within what the caller can afford.
 */
export class SharedTokenCache<T> {
  readonly #options: SharedCacheOptions<T>;
  readonly #leaseMs: number;
  readonly #retryStoreAfterMs: number;
  readonly #defaultFetchMs: number;
  readonly #random: () => number;
  #sealingKey: Promise<Uint8Array> | undefined;
  #skipStoreUntil = 0;
  #inFlight: Promise<Obtained<T>> | undefined;
  /** How long this instance's last fetch took: the next lease's expected time. */
  #fetchMs: number | undefined;
  /** How long the store took to answer this instance's last call: its pace. */
  #latencyMs = 0;
  /** Values expiring at or before this were refused here: never served from the store again. */
  #refusedThrough = Number.NEGATIVE_INFINITY;

  constructor(options: SharedCacheOptions<T>) {
    this.#options = options;
    this.#leaseMs = positive('leaseMs', options.leaseMs, DEFAULT_LEASE_MS);
    this.#retryStoreAfterMs = positive('retryStoreAfterMs', options.retryStoreAfterMs, DEFAULT_RETRY_STORE_AFTER_MS);
    this.#defaultFetchMs = positive('expectedFetchMs', options.expectedFetchMs, DEFAULT_EXPECTED_FETCH_MS);
    if (options.random !== undefined && typeof options.random !== 'function') {
      throw configurationError('random', 'must be a function returning a number in [0, 1)');
    }
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
  async obtain(fetch: () => Promise<T>, context: ObtainContext<T>): Promise<T> {
    return (await this.obtainOutcome(fetch, context)).value;
  }

  /** {@link SharedTokenCache.obtain}, saying where the value came from. */
  obtainOutcome(fetch: () => Promise<T>, context: ObtainContext<T>): Promise<Obtained<T>> {
    if (context.refused !== undefined) this.#refuseLocally(context.refused);
    const inFlight = this.#inFlight;
    if (inFlight !== undefined) return this.#join(inFlight, fetch, context.signal);
    const attempt = this.#attempt(fetch, context).finally(() => {
      this.#inFlight = undefined;
    });
    this.#inFlight = attempt;
    return attempt;
  }

  /**
   * Refuses `value` across the fleet: this instance never takes it from the store again, and the store drops
   * it and takes no write of it (or of anything older) from any instance afterwards. For a token the API
   * refused, or one invalidated after a global sign-out or a password change. Never rejects; the store's part
   * ends with `signal`, or after 2 s.
   */
  async discard(value: T, signal?: AbortSignal): Promise<void> {
    const expiresAt = this.#refuseLocally(value);
    if (expiresAt === undefined || Date.now() < this.#skipStoreUntil) return;
    const callerSignal = signal ?? new AbortController().signal;
    try {
      await this.#call(
        (abort) => this.#options.store.refuse(this.#options.key, expiresAt, abort),
        callerSignal,
        Date.now() + DISCARD_BUDGET_MS,
      );
    } catch (error) {
      this.#unavailable(error);
    }
  }

  #refuseLocally(value: T): number | undefined {
    let expiresAt: number;
    try {
      expiresAt = this.#options.expiresAtOf(value);
    } catch {
      return undefined;
    }
    if (!Number.isFinite(expiresAt)) return undefined;
    this.#refusedThrough = Math.max(this.#refusedThrough, expiresAt);
    return expiresAt;
  }

  async #join(inFlight: Promise<Obtained<T>>, fetch: () => Promise<T>, signal: AbortSignal): Promise<Obtained<T>> {
    if (signal.aborted) return { value: await fetch(), source: 'fetched' };
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const first = await Promise.race([inFlight, aborted]);
      return first === 'aborted' ? { value: await fetch(), source: 'fetched' } : first;
    } finally {
      // Set by the promise's executor, which runs before the constructor returns.
      signal.removeEventListener('abort', onAbort as () => void);
    }
  }

  async #attempt(fetch: () => Promise<T>, context: ObtainContext<T>): Promise<Obtained<T>> {
    const direct = async (): Promise<Obtained<T>> => ({ value: await fetch(), source: 'fetched' });
    if (Date.now() < this.#skipStoreUntil) return direct();
    if (context.refused !== undefined) {
      // In the background: this instance already refuses it, and its lease request need not wait for that.
      void this.discard(context.refused, context.signal);
    }
    const started = Date.now();
    const storeUntil =
      context.deadlineAt - Math.min(Math.max(0, context.deadlineAt - started) / 2, MAX_FALLBACK_RESERVE_MS);
    let plan: Plan<T>;
    try {
      plan = await this.#plan(context, storeUntil);
    } catch (error) {
      if (error instanceof StoreTooSlow) this.#log(TOO_SLOW, { waitedMs: Date.now() - started });
      else this.#unavailable(error);
      return direct();
    }
    if (plan.kind === 'value') return { value: plan.value, source: 'store' };
    if (plan.kind === 'current') return { value: plan.value, source: 'current', recheckAt: plan.recheckAt };
    if (plan.kind === 'direct') return direct();
    let value: T;
    const fetchStarted = Date.now();
    try {
      value = await fetch();
    } catch (error) {
      // A failed fetch writes nothing and frees the lease at once, so a waiter can try.
      await this.#release(plan.holder, context);
      throw error;
    }
    this.#fetchMs = Date.now() - fetchStarted;
    await this.#write(value, plan.holder, context);
    return { value, source: 'fetched' };
  }

  async #plan(context: ObtainContext<T>, storeUntil: number): Promise<Plan<T>> {
    const { signal } = context;
    const { store, key } = this.#options;
    const started = Date.now();
    const holder = randomUUID();
    const lease = () => ({
      holder,
      ttlMs: this.#leaseMs,
      expectedInMs: Math.round(this.#expectedMs()),
    });
    // An entry expiring after this makes a fetch unnecessary: a lease request is refused while there is one.
    let unlessEntryExpiresAfter = context.minValidUntil;
    // 'first': read (or, where the store can, read or take the lease in one request); 'reread': nothing was
    // there, read once more after a jittered pause; 'lease': still nothing, ask for the lease.
    let phase: 'first' | 'reread' | 'lease' = 'first';
    let answered = false;
    const combined = store.readOrAcquireLease?.bind(store);
    // The key derivation (scrypt, on the thread pool) runs while the store answers; a failed one fails the store
    // part of this call (and is tried again on the next).
    const opening = this.#key();
    opening.catch(() => undefined);
    for (;;) {
      let answer: LeaseAnswer;
      try {
        answer =
          phase === 'lease'
            ? await this.#call(
                (abort) => store.acquireLease(key, lease(), unlessEntryExpiresAfter, abort),
                signal,
                storeUntil,
              )
            : combined !== undefined
              ? await this.#call((abort) => combined(key, lease(), unlessEntryExpiresAfter, abort), signal, storeUntil)
              : { acquired: false, record: await this.#call((abort) => store.read(key, abort), signal, storeUntil) };
      } catch (error) {
        // A store that has answered in this attempt is slow, not down, when a call outlasts the budget: no reason
        // to leave it alone afterwards. One that never answered is treated as down.
        if (answered && error instanceof Error && error.name === 'TimeoutError') throw new StoreTooSlow();
        throw error;
      }
      answered = true;
      if (answer?.acquired === true) return { kind: 'holder', holder };
      const record: StoreRecord = answer?.record ?? {};
      const opened = await this.#open(record, context, opening);
      if (opened.value !== undefined) return { kind: 'value', value: opened.value };
      const blocked = opened.uselessUntil !== undefined && opened.uselessUntil > unlessEntryExpiresAfter;
      if (blocked) unlessEntryExpiresAfter = opened.uselessUntil as number;
      const now = Date.now();
      const { current } = context;
      const { lease: held } = record;
      let pauseMs: number;
      if (held !== undefined) {
        const wakeAt = this.#wakeAt(held, now);
        // Renewing: keep serving what the caller holds, and look again when the holder expects its entry.
        if (current !== undefined && this.#options.expiresAtOf(current) > now) {
          return { kind: 'current', value: current, recheckAt: wakeAt };
        }
        if (wakeAt >= storeUntil || signal.aborted) {
          if (!signal.aborted) this.#log(LEASE_BUSY, { waitedMs: now - started });
          return { kind: 'direct' };
        }
        // A waiter never writes while the lease is live. When it goes (released after a failed fetch, or
        // lapsed), the waiters start over, so they do not all ask for it at once.
        phase = 'first';
        pauseMs = wakeAt - now;
      } else if (phase === 'first' && combined === undefined) {
        // Nothing there (or nothing this instance can use): read once more after a jittered pause before asking
        // for the lease, spread over a few of the store's answer times when it is slow (a fleet queueing on it).
        phase = 'reread';
        // Spread within the budget, leaving time for the re-read and the lease request: a pause cut short at the
        // budget's end would bring the instances back together.
        const room = Math.max(0, storeUntil - now - 2 * this.#latencyMs - 1);
        pauseMs =
          Math.cbrt(this.#random()) *
          Math.min(room, Math.max(PRE_LEASE_MIN_MS, PRE_LEASE_LATENCY_FACTOR * this.#latencyMs));
      } else if (phase === 'reread' || blocked) {
        // Still nothing; or an entry this instance cannot use held the request back: ask past it, at once.
        phase = combined === undefined ? 'lease' : phase;
        continue;
      } else {
        // Refused with nothing to show for it: a lease that ended in between. Ask again after a short pause.
        pauseMs = this.#jitter(Math.max(FIRST_POLL_MS, this.#latencyMs));
      }
      if (now + pauseMs >= storeUntil) throw new StoreTooSlow();
      await sleep(pauseMs, signal);
    }
  }

  /** How long this instance expects a fetch to take: its last one, or the default before it has made one. */
  #expectedMs(): number {
    return this.#fetchMs ?? this.#defaultFetchMs;
  }

  /**
   * When a waiter looks again. Before the holder's expected time: then, plus this instance's last answer time
   * (the holder waited about as long for the answer that gave it the lease, before it started), spread over the
   * fleet. Once that time has passed: after the expected fetch time plus how late the holder is (so the polls
   * thin out as it takes longer), at least a short poll and at most `MAX_POLL_MS`, but never sooner than twice
   * the store's answer time (waiters polling a store that queues would slow it, and the holder, further); always
   * jittered, and never after the lease lapses.
   */
  #wakeAt(lease: LeaseView, now: number): number {
    const pace = this.#latencyMs;
    const wait =
      lease.expectedInMs > 0
        ? lease.expectedInMs + pace + this.#random() * Math.max(WAKE_SPREAD_MIN_MS, pace / 2)
        : this.#jitter(
            Math.max(Math.min(MAX_POLL_MS, Math.max(FIRST_POLL_MS, this.#expectedMs() - lease.expectedInMs)), 2 * pace),
          );
    return now + Math.max(0, Math.min(wait, lease.lapsesInMs + 1));
  }

  /** The record's entry, as this instance can use it. Throws on garbage (the store returns what it was never given). */
  async #open(record: StoreRecord, context: ObtainContext<T>, opening: Promise<Uint8Array>): Promise<Opened<T>> {
    const entry: StoredEntry | undefined = record.entry;
    if (entry === undefined || entry === null) return {};
    if (!isSealedEntry(entry.value) || typeof entry.expiresAtMs !== 'number') throw namedError('InvalidStoreEntry');
    // Sealed by an instance with other secrets, or altered: missing, and the next holder replaces it.
    const fields = openEntry(await opening, this.#options.key, entry.value);
    let value: T | undefined;
    try {
      value = fields === undefined ? undefined : this.#options.decode(fields);
    } catch {
      value = undefined;
    }
    if (value === undefined) return { uselessUntil: entry.expiresAtMs };
    // The token's own expiry, on this instance's clock: never the writer's idea of it.
    const expiresAt = Math.min(this.#options.expiresAtOf(value), entry.expiresAtMs);
    if (expiresAt <= Math.max(this.#refusedThrough, record.refusedThroughMs ?? Number.NEGATIVE_INFINITY)) {
      return { uselessUntil: entry.expiresAtMs };
    }
    return expiresAt > context.minValidUntil && expiresAt > Date.now() ? { value } : {};
  }

  /** Shares a fetched value and ends our lease; never throws, as the caller has its value whatever happens here. */
  async #write(value: T, holder: string, context: ObtainContext<T>): Promise<void> {
    try {
      const expiresAtMs = this.#options.expiresAtOf(value);
      if (!(expiresAtMs > Date.now()) || expiresAtMs <= this.#refusedThrough) {
        await this.#release(holder, context);
        return;
      }
      const text = sealEntry(await this.#key(value), this.#options.key, this.#options.encode(value));
      await this.#call(
        (abort) => this.#options.store.put(this.#options.key, { value: text, expiresAtMs }, holder, abort),
        context.signal,
        context.deadlineAt,
      );
    } catch (error) {
      this.#unavailable(error);
    }
  }

  /** Ends our lease; never throws. Skipped when the store just failed: the lease lapses by itself. */
  async #release(holder: string, context: ObtainContext<T>): Promise<void> {
    if (Date.now() < this.#skipStoreUntil || context.signal.aborted) return;
    try {
      await this.#call(
        (abort) => this.#options.store.releaseLease(this.#options.key, holder, abort),
        context.signal,
        context.deadlineAt,
      );
    } catch (error) {
      this.#unavailable(error);
    }
  }

  /**
   * The sealing key: the store's explicit key if it has one, else the one derived from this instance's
   * secrets, or, to write `value`, from the credentials that made it.
   */
  #key(value?: T): Promise<Uint8Array> {
    const { writeKey, store } = this.#options;
    if (value !== undefined && writeKey !== undefined && store.encryptionKey?.() === undefined) return writeKey(value);
    if (this.#sealingKey === undefined) {
      const derived = (async () => {
        const explicit = store.encryptionKey?.();
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
   * One store call, bounded by `until` (epoch milliseconds) and the caller's signal, whether or not the store
   * honours its own signal; throttling is waited out with jittered back-off within the same bound. The key
   * Records how long the store took to answer.
   */
  async #call<R>(operation: (signal: AbortSignal) => Promise<R>, callerSignal: AbortSignal, until: number): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const sent = Date.now();
      try {
        const answer = await this.#once(operation, callerSignal, until);
        this.#latencyMs = Date.now() - sent;
        return answer;
      } catch (error) {
        this.#latencyMs = Date.now() - sent;
        if (error instanceof CallerAborted || classifyFailure(error) !== 'throttled') throw error;
      }
      const delay = Math.max(backoffMs(THROTTLED_BACKOFF, attempt, this.#random), this.#jitter(2 * this.#latencyMs));
      if (Date.now() + delay >= until) throw new StoreTooSlow();
      await sleep(delay, callerSignal);
      if (callerSignal.aborted) throw new CallerAborted();
    }
  }

  #once<R>(operation: (signal: AbortSignal) => Promise<R>, callerSignal: AbortSignal, until: number): Promise<R> {
    if (callerSignal.aborted) return Promise.reject(new CallerAborted());
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(namedError('TimeoutError')), Math.max(0, until - Date.now()));
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
      // Set by the promise's executor, which runs before the constructor returns.
      callerSignal.removeEventListener('abort', onAbort as () => void);
      // A reason made once: a fresh DOMException per store call is a stack trace per call, for nothing.
      settled ??= Object.freeze(namedError('AbortError'));
      controller.abort(settled);
    });
  }

  /** Between half and all of `ms`, so instances that start together drift apart. */
  #jitter(ms: number): number {
    return ms * (0.5 + this.#random() / 2);
  }

  #unavailable(error: unknown): void {
    // The caller's budget ran out: its fetch reports that, and the store did nothing wrong.
    if (error instanceof CallerAborted || error instanceof StoreTooSlow) return;
    const now = Date.now();
    const wasInUse = now >= this.#skipStoreUntil;
    this.#skipStoreUntil = now + this.#retryStoreAfterMs;
    if (wasInUse) this.#log(UNAVAILABLE, { error: errorName(error).slice(0, 100) });
  }

  #log(message: string, details: Record<string, unknown>): void {
    logEvent(this.#options.logger, message, details);
  }
}

function positive(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!isPositiveNumber(value)) throw configurationError(option, 'must be a positive number of milliseconds');
  return value;
}

function namedError(name: string): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

/** A shared entry must outlive this much, or the instance that reads it would renew again at once. */
const MIN_SHARED_LIFETIME_MS = 60_000;
/** While another instance renews, the caller looks again at the holder's expected time, and at least this late. */
const MIN_RECHECK_MS = 100;

/**
 * A provider's side of one miss of its in-process cache: the fleet's entry if it will do, else `fetch` under
 * the lease. Renewing (`current` given), only an entry newer than `current` helps; starting cold, one that
 * will not need renewing straight away. While another instance renews, `current` is served until that
 * instance expects its entry to be in the store, instead of asking the store on every call.
 */
export async function obtainShared<T extends ExpiringValue>(
  cache: SharedTokenCache<T>,
  fetch: () => Promise<T>,
  context: {
    readonly signal: AbortSignal;
    readonly remainingMs: number;
    readonly current: T | undefined;
    readonly refreshAheadSeconds: number;
    /**
     * `current` was refused (`refresh()`): only a newer value will do, so it is never served back while
     * another instance renews, and the fleet discards it too.
     */
    readonly refused?: boolean;
  },
): Promise<T> {
  const { current } = context;
  const now = Date.now();
  const refused = current !== undefined && context.refused === true;
  const obtained = await cache.obtainOutcome(fetch, {
    signal: context.signal,
    deadlineAt: now + context.remainingMs,
    minValidUntil:
      current === undefined
        ? now + Math.min(context.refreshAheadSeconds * 1000, MIN_SHARED_LIFETIME_MS)
        : current.expiresAt + 1,
    ...(current === undefined ? {} : refused ? { refused: current } : { current }),
  });
  if (obtained.source !== 'current') return obtained.value;
  const recheckAt = Math.max(obtained.recheckAt ?? 0, Date.now() + MIN_RECHECK_MS);
  return { ...obtained.value, renewAt: Math.min(obtained.value.expiresAt, recheckAt) };
}
