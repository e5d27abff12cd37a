import { rejectUnknownOptions } from '../core/known-options.js';
import { configurationError } from '../errors.js';
import { encryptionKeyOption } from '../fleet/entry-sealing.js';
import { type SharedTokenStore, shareTokenStore } from '../fleet/share-token-store.js';
import type { TokenStore } from '../fleet/token-store.js';

/**
 * The Redis commands the store uses, as ioredis and iovalkey (`Redis` and `Cluster`) spell them. Typed by
 * shape, so this package needs neither at run time nor for its types: any client with these methods fits.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisClientLike } from 'cognito-token-provider/redis';
 * const client: RedisClientLike = new Redis(process.env.REDIS_URL!);
 * ```
 */
export interface RedisClientLike {
  /** `GET key`: the value, or `null`. */
  get(key: string): Promise<string | null>;
  /** `SET key value PX milliseconds NX`: `'OK'` if set, `null` if the key exists. */
  set(key: string, value: string, expiryToken: 'PX', milliseconds: number, condition: 'NX'): Promise<'OK' | null>;
  /** `SET key value PXAT unixTimeMilliseconds`. */
  set(key: string, value: string, expiryToken: 'PXAT', unixTimeMilliseconds: number): Promise<'OK' | null>;
  /** `EVAL script numkeys key [key ...] arg [arg ...]`. */
  eval(script: string, numberOfKeys: number, ...keysAndArguments: string[]): Promise<unknown>;
}

/**
 * Options of {@link redisTokenStore}.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisTokenStoreOptions } from 'cognito-token-provider/redis';
 * const options: RedisTokenStoreOptions = {
 *   // Fail fast while Redis is away, rather than queue commands: the provider falls back to Cognito.
 *   client: new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
 * };
 * ```
 */
export interface RedisTokenStoreOptions {
  /**
   * Your connected ioredis or iovalkey client (or any {@link RedisClientLike}). The store never closes it.
   * Redis commands cannot be cancelled: the store stops waiting for one when the provider does, so set the
   * client's `commandTimeout` or `maxRetriesPerRequest` to keep its own queue short.
   */
  readonly client: RedisClientLike;
  /**
   * A 32-byte key (bytes, or their base64) that seals every entry instead of keys derived from the
   * instances' secrets. Default: none (derived keys). Kept private: printing the store does not show it.
   */
  readonly encryptionKey?: Uint8Array | string | undefined;
}

/**
 * A {@link TokenStore} on Redis or Valkey, for the providers' `sharedCache` option: the instances of a
 * fleet share one sign-in, and one takes a lease (`SET NX PX`) to fetch for all.
 *
 * Each identity takes two keys: its entry (`ctp1:<hash>`, expiring with the tokens, `SET PXAT`) and, while
 * an instance is fetching, its lease (`ctp1:<hash>#lease`, released by a compare-and-delete script).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createTokenProvider, type UserCredentials } from 'cognito-token-provider';
 * import { redisTokenStore } from 'cognito-token-provider/redis';
 *
 * declare const clientId: string;
 * declare const credentials: UserCredentials;
 * const sharedCache = redisTokenStore({ client: new Redis(process.env.REDIS_URL!) });
 * const tokens = createTokenProvider({ clientId, credentials, sharedCache });
 * ```
 */
export function redisTokenStore(options: RedisTokenStoreOptions): SharedTokenStore {
  if (typeof options !== 'object' || options === null) {
    throw configurationError('options', 'must be an object with "client"');
  }
  rejectUnknownOptions(options, ['client', 'encryptionKey'], 'redisTokenStore');
  const { client } = options;
  const methods = client as Partial<Record<'get' | 'set' | 'eval', unknown>> | null | undefined;
  if (typeof methods?.get !== 'function' || typeof methods.set !== 'function' || typeof methods.eval !== 'function') {
    throw configurationError('client', 'must be a Redis client with get, set and eval (ioredis or iovalkey)');
  }
  return shareTokenStore(new RedisTokenStore(client, encryptionKeyOption(options.encryptionKey)));
}

const LEASE_SUFFIX = '#lease';
// Deletes the lease only if it is still ours: a plain DEL could end the lease of whoever took over ours.
const RELEASE_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/**
 * Private fields only, so nothing it holds (the client, the encryption key) shows when it is logged, whether on
 * its own or through the `shareTokenStore` wrapper that `redisTokenStore` returns.
 */
class RedisTokenStore implements TokenStore {
  readonly #client: RedisClientLike;
  readonly #encryptionKey: Uint8Array | undefined;

  constructor(client: RedisClientLike, encryptionKey: Uint8Array | undefined) {
    this.#client = client;
    this.#encryptionKey = encryptionKey;
  }

  async get(key: string, signal: AbortSignal): Promise<string | undefined> {
    signal.throwIfAborted();
    const value = await raced(this.#client.get(key), signal);
    return typeof value === 'string' ? value : undefined;
  }

  async put(key: string, value: string, expiresAtMs: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    // Redis rejects a PXAT in the past; an entry that has expired is simply not stored.
    if (!(expiresAtMs > Date.now())) return;
    await raced(this.#client.set(key, value, 'PXAT', Math.floor(expiresAtMs)), signal);
  }

  async acquireLease(key: string, holder: string, ttlMs: number, signal: AbortSignal): Promise<boolean> {
    signal.throwIfAborted();
    const command = this.#client.set(key + LEASE_SUFFIX, holder, 'PX', Math.max(1, Math.floor(ttlMs)), 'NX');
    try {
      return (await raced(command, signal)) === 'OK';
    } catch (error) {
      // Given up on, but it may still succeed: then free the lease at once rather than block the fleet
      // until it lapses.
      if (signal.aborted) {
        command.then(
          (answer) => (answer === 'OK' ? this.#release(key, holder) : undefined),
          () => undefined,
        );
      }
      throw error;
    }
  }

  async releaseLease(key: string, holder: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    await raced(this.#release(key, holder), signal);
  }

  encryptionKey(): Uint8Array | undefined {
    return this.#encryptionKey === undefined ? undefined : new Uint8Array(this.#encryptionKey);
  }

  #release(key: string, holder: string): Promise<unknown> {
    return this.#client.eval(RELEASE_SCRIPT, 1, key + LEASE_SUFFIX, holder);
  }
}

/**
 * Settles with `command`, or rejects when `signal` aborts: Redis clients take no signal. A command given up
 * on still completes in the client; its late failure is swallowed here.
 */
function raced<T>(command: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    command.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
