/**
 * A shared entry as a store keeps it: the sealed text, and the epoch milliseconds at which it expires (the
 * token's own `exp`, never a writer's clock).
 *
 * @example
 * ```ts
 * import type { StoredEntry } from 'cognito-token-provider';
 * const entry: StoredEntry = { value: 'ctp1.AAAA', expiresAtMs: Date.parse('2030-01-01T00:00:00Z') };
 * ```
 */
export interface StoredEntry {
  /** The sealed entry, opaque to the store. */
  readonly value: string;
  /** When the entry expires, in epoch milliseconds: the store may drop it then. */
  readonly expiresAtMs: number;
}

/**
 * The lease an instance asks for: who it is, how long the lease lasts, and how soon it expects to have written
 * the entry (its own last fetch time, or a default), which the waiters read to know when to look again.
 *
 * @example
 * ```ts
 * import type { LeaseRequest } from 'cognito-token-provider';
 * const lease: LeaseRequest = { holder: crypto.randomUUID(), ttlMs: 5_000, expectedInMs: 150 };
 * ```
 */
export interface LeaseRequest {
  /** Who asks: a random ID per fetch, so that only the holder's write is taken under its lease. */
  readonly holder: string;
  /** How long the lease lasts, in milliseconds from the request. */
  readonly ttlMs: number;
  /** How soon the holder expects to have written the entry, in milliseconds from the request. */
  readonly expectedInMs: number;
}

/**
 * Another instance's live lease, as a read shows it, in milliseconds from the read: when it lapses, and when its
 * holder expects the entry to be there (negative once that time has passed).
 *
 * @example
 * ```ts
 * import type { LeaseView } from 'cognito-token-provider';
 * const lease: LeaseView = { lapsesInMs: 4_800, expectedInMs: 120 };
 * ```
 */
export interface LeaseView {
  /** Milliseconds from the read until the lease lapses. */
  readonly lapsesInMs: number;
  /** Milliseconds from the read until the holder expects the entry to be there; negative once past. */
  readonly expectedInMs: number;
}

/**
 * What one read of a key shows: the entry (absent when there is none or it has expired), the live lease (absent
 * when there is none or it has lapsed), and the refusal mark, below which the store takes no entry.
 *
 * @example
 * ```ts
 * import type { StoreRecord } from 'cognito-token-provider';
 * const empty: StoreRecord = {};
 * const leased: StoreRecord = { lease: { lapsesInMs: 4_900, expectedInMs: 100 } };
 * ```
 */
export interface StoreRecord {
  /** The entry, absent when there is none or it has expired. */
  readonly entry?: StoredEntry | undefined;
  /** Another instance's live lease, absent when there is none or it has lapsed. */
  readonly lease?: LeaseView | undefined;
  /** Entries that expire at or before this (epoch milliseconds) were refused: none is served or written. */
  readonly refusedThroughMs?: number | undefined;
}

/**
 * The answer to a lease request: taken, or refused with what holds the key (in the same request, where the
 * store can: DynamoDB's `ReturnValuesOnConditionCheckFailure`, a Redis script).
 *
 * @example
 * ```ts
 * import type { LeaseAnswer } from 'cognito-token-provider';
 * const taken: LeaseAnswer = { acquired: true };
 * const refused: LeaseAnswer = { acquired: false, record: { lease: { lapsesInMs: 4_000, expectedInMs: 50 } } };
 * ```
 */
export type LeaseAnswer =
  | {
      /** The lease is the caller's. */
      readonly acquired: true;
    }
  | {
      /** Another instance holds the key, or an entry made the lease unnecessary. */
      readonly acquired: false;
      /** What the key holds: another live lease, or an entry that made the request unnecessary. */
      readonly record: StoreRecord;
    };

/**
 * Where a fleet of instances shares its tokens, which the providers' `sharedCache` option accepts (through
 * `shareTokenStore`). `dynamoDbTokenStore` (`cognito-token-provider/dynamodb`) and `redisTokenStore`
 * (`cognito-token-provider/redis`) implement it; any store with atomic conditional updates can.
 *
 * One key holds three things: the entry, the lease of the instance fetching a new one, and a refusal mark. One
 * read shows all three. Every write is conditional, so that the fleet's hot item sees few writes, and no slow
 * instance can write back an older or refused entry.
 *
 * What passes through it is opaque text: each entry is sealed (AES-256-GCM), and holds no refresh token,
 * password or client secret. Keys are keyed hashes (`ctp2:` and 64 hex digits), so no username appears in the
 * store either, and nobody without the key material can tell which identities have an entry.
 *
 * A store may fail: every method may reject or hang, and the provider then signs in directly and leaves the
 * store alone for a while. A throttling error (its `name` starting with `Throttl`, or
 * `ProvisionedThroughputExceededException`, `RequestLimitExceeded`) means a busy store: the provider backs off
 * and asks again within its budget. Each call gets an `AbortSignal` that aborts when the provider stops waiting
 * for it; honour it where the client allows, so no request outlives its use.
 *
 * @example
 * A store for one process, to show the contract (a real one must be shared by the instances):
 * ```ts
 * import type { StoreRecord, TokenStore } from 'cognito-token-provider';
 *
 * function mapTokenStore(): TokenStore {
 *   const items = new Map<
 *     string,
 *     { value?: string; expiresAtMs?: number; holder?: string; until?: number; expected?: number; refused?: number }
 *   >();
 *   const view = (key: string): StoreRecord => {
 *     const item = items.get(key) ?? {};
 *     const now = Date.now();
 *     return {
 *       ...(item.value !== undefined && (item.expiresAtMs ?? 0) > now
 *         ? { entry: { value: item.value, expiresAtMs: item.expiresAtMs ?? 0 } }
 *         : {}),
 *       ...((item.until ?? 0) > now
 *         ? { lease: { lapsesInMs: (item.until ?? 0) - now, expectedInMs: (item.expected ?? 0) - now } }
 *         : {}),
 *       refusedThroughMs: item.refused,
 *     };
 *   };
 *   return {
 *     async read(key) {
 *       return view(key);
 *     },
 *     async acquireLease(key, lease, unlessEntryExpiresAfterMs) {
 *       const record = view(key);
 *       if (record.lease !== undefined || (record.entry?.expiresAtMs ?? 0) > unlessEntryExpiresAfterMs) {
 *         return { acquired: false, record };
 *       }
 *       const now = Date.now();
 *       const item = items.get(key) ?? {};
 *       items.set(key, { ...item, holder: lease.holder, until: now + lease.ttlMs, expected: now + lease.expectedInMs });
 *       return { acquired: true };
 *     },
 *     async put(key, entry, holder) {
 *       const item = items.get(key) ?? {};
 *       const newer = entry.expiresAtMs > (item.expiresAtMs ?? 0) && entry.expiresAtMs > (item.refused ?? 0);
 *       const ours = holder !== undefined && item.holder === holder;
 *       items.set(key, {
 *         ...item,
 *         ...(newer ? { value: entry.value, expiresAtMs: entry.expiresAtMs } : {}),
 *         ...(ours ? { holder: undefined, until: undefined, expected: undefined } : {}),
 *       });
 *     },
 *     async releaseLease(key, holder) {
 *       const item = items.get(key);
 *       if (item?.holder === holder) items.set(key, { ...item, holder: undefined, until: undefined });
 *     },
 *     async refuse(key, expiresAtMs) {
 *       const item = items.get(key) ?? {};
 *       const dropped = (item.expiresAtMs ?? 0) <= expiresAtMs;
 *       items.set(key, {
 *         ...item,
 *         refused: Math.max(item.refused ?? 0, expiresAtMs),
 *         ...(dropped ? { value: undefined, expiresAtMs: undefined } : {}),
 *       });
 *     },
 *   };
 * }
 * ```
 */
export interface TokenStore {
  /**
   * What `key` holds, in one request: see {@link StoreRecord}. Read consistently where the store offers a
   * choice: an instance that was just refused a lease reads next.
   */
  read(key: string, signal: AbortSignal): Promise<StoreRecord>;

  /**
   * Takes the lease of `key` for `lease.ttlMs`, atomically, only if no other live lease exists and no entry
   * expires after `unlessEntryExpiresAfterMs` (one that makes a new fetch unnecessary; pass `Infinity` to ignore
   * entries). Refused, it resolves with what holds the key. Taking the lease leaves the entry readable.
   */
  acquireLease(
    key: string,
    lease: LeaseRequest,
    unlessEntryExpiresAfterMs: number,
    signal: AbortSignal,
  ): Promise<LeaseAnswer>;

  /**
   * Writes `entry`, unless the stored entry expires as late or later, or the refusal mark is at or after its
   * expiry; and ends `holder`'s lease if it still has it, in the same request where the store can. The store
   * must stop returning the entry at `entry.expiresAtMs` (a TTL, or a check on read). Never rejects because
   * the entry was not written.
   */
  put(key: string, entry: StoredEntry, holder: string | undefined, signal: AbortSignal): Promise<void>;

  /** Ends the lease of `key` if `holder` still has it; does nothing (and does not reject) otherwise. */
  releaseLease(key: string, holder: string, signal: AbortSignal): Promise<void>;

  /**
   * Refuses every entry that expires at or before `expiresAtMs`: drops such an entry, and raises the refusal
   * mark, so that no later `put` writes it back (an instance that fetched before the refusal and writes after).
   * The mark only rises, and the store may forget it after `expiresAtMs`.
   */
  refuse(key: string, expiresAtMs: number, signal: AbortSignal): Promise<void>;

  /**
   * Optional: {@link TokenStore.read} and {@link TokenStore.acquireLease} in one request, for stores where a
   * refused lease costs nothing (a Redis script). Returns the entry if one expires after
   * `unlessEntryExpiresAfterMs`, else takes the lease if no other is live, else returns what holds the key.
   */
  readOrAcquireLease?(
    key: string,
    lease: LeaseRequest,
    unlessEntryExpiresAfterMs: number,
    signal: AbortSignal,
  ): Promise<LeaseAnswer>;

  /**
   * A 32-byte key that replaces the derivation of the sealing key from the instances' secrets, and keys the
   * store keys: every instance given the same key can open every entry. Leave it out to derive keys from the
   * secrets. A method rather than a property, so that printing the store shows no key.
   */
  encryptionKey?(): Uint8Array | undefined;
}
