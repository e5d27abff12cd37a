/**
 * Where a fleet of instances shares its tokens: a key-value store with expiry and a short lease, which the
 * providers' `sharedCache` option accepts. `dynamoDbTokenStore` (`cognito-token-provider/dynamodb`) and
 * `redisTokenStore` (`cognito-token-provider/redis`) implement it; any store with an atomic
 * "create if absent" can, in a few dozen lines.
 *
 * What passes through it is opaque text: each entry is sealed (AES-256-GCM) with a key derived from the
 * secrets the instances hold, and holds no refresh token, password or client secret. Keys are hashes
 * (`ctp1:` and 64 hex digits), so no username appears in the store either.
 *
 * A store may fail: every method may reject or hang, and the provider then signs in directly and leaves the
 * store alone for a while. Each call gets an `AbortSignal` that aborts when the provider stops waiting for
 * it; honour it where the client allows, so no request outlives its use.
 *
 * @example
 * A store for one process, to show the contract (a real one must be shared by the instances):
 * ```ts
 * import type { TokenStore } from 'cognito-token-provider';
 *
 * function mapTokenStore(): TokenStore {
 *   const entries = new Map<string, { value: string; expiresAtMs: number }>();
 *   const leases = new Map<string, { holder: string; until: number }>();
 *   return {
 *     async get(key) {
 *       const entry = entries.get(key);
 *       return entry !== undefined && entry.expiresAtMs > Date.now() ? entry.value : undefined;
 *     },
 *     async put(key, value, expiresAtMs) {
 *       entries.set(key, { value, expiresAtMs });
 *     },
 *     async acquireLease(key, holder, ttlMs) {
 *       const lease = leases.get(key);
 *       if (lease !== undefined && lease.until > Date.now()) return false;
 *       leases.set(key, { holder, until: Date.now() + ttlMs });
 *       return true;
 *     },
 *     async releaseLease(key, holder) {
 *       if (leases.get(key)?.holder === holder) leases.delete(key);
 *     },
 *   };
 * }
 * ```
 */
export interface TokenStore {
  /**
   * The entry stored under `key`, or `undefined` when there is none or it is past its `expiresAtMs`. Read
   * consistently where the store offers a choice: an instance that just lost a lease race reads next.
   */
  get(key: string, signal: AbortSignal): Promise<string | undefined>;

  /**
   * Stores `value` under `key`, replacing any entry. The store must stop returning it at `expiresAtMs`
   * (epoch milliseconds): a TTL, or a check on read where the TTL is lazy.
   */
  put(key: string, value: string, expiresAtMs: number, signal: AbortSignal): Promise<void>;

  /**
   * Takes the lease of `key` for `ttlMs` and resolves `true`, atomically and only if no other holder's lease
   * is live (absent, or past its time). Resolves `false` when another holder has it. The lease is separate
   * from the entry: taking it must leave the entry readable.
   */
  acquireLease(key: string, holder: string, ttlMs: number, signal: AbortSignal): Promise<boolean>;

  /** Ends the lease of `key` if `holder` still has it; does nothing (and does not reject) otherwise. */
  releaseLease(key: string, holder: string, signal: AbortSignal): Promise<void>;

  /**
   * A 32-byte key that replaces the derivation of the sealing key from the instances' secrets: every
   * instance given the same key can open every entry. Leave it out to derive keys from the secrets. A method
   * rather than a property, so that printing the store shows no key.
   */
  encryptionKey?(): Uint8Array | undefined;
}
