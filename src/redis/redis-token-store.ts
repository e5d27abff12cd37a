import { rejectUnknownOptions } from '../core/known-options.js';
import { configurationError } from '../errors.js';
import { encryptionKeyOption } from '../fleet/entry-sealing.js';
import { type SharedTokenStore, shareTokenStore } from '../fleet/share-token-store.js';
import type { LeaseAnswer, LeaseRequest, StoredEntry, StoreRecord, TokenStore } from '../fleet/token-store.js';

/**
 * The Redis command the store uses, as ioredis and iovalkey (`Redis` and `Cluster`) spell it: `EVAL`, for its
 * scripts (each reads and writes one key, so Redis Cluster works too). Typed by shape, so this package needs
 * neither at run time nor for its types: any client with this method fits.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import type { RedisClientLike } from 'cognito-token-provider/redis';
 * const client: RedisClientLike = new Redis(process.env.REDIS_URL!);
 * ```
 */
export interface RedisClientLike {
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
 * fleet share one sign-in, and one takes a lease to fetch for all.
 *
 * Each identity takes one hash (`ctp2:<hash>`) holding its entry, the lease of the instance fetching it, and
 * a refusal mark; it expires with the latest of them. Every operation is one Lua script (`EVAL`) on that one
 * key: a read that takes the lease when nothing is there (a refused lease writes nothing), a write of the
 * entry that also ends the writer's lease, a compare-and-delete release, and a refusal.
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
  if (typeof (client as Partial<Record<'eval', unknown>> | null | undefined)?.eval !== 'function') {
    throw configurationError('client', 'must be a Redis client with eval (ioredis or iovalkey)');
  }
  return shareTokenStore(new RedisTokenStore(client, encryptionKeyOption(options.encryptionKey)));
}

/*
 * One hash per key: the entry (`e`, and its expiry `x`, epoch milliseconds from the token's own `exp`), the lease
 * (`h` holder, `u` lapse and `w` expected time, on the Redis server's clock) and the refusal mark (`r`). The key
 * expires with the latest of the three. Each script is one round trip and one key. Times of the lease are
 * the server's (`TIME`), so instances with skewed clocks still agree on when a lease lapses.
 */
const NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/**
 * Reads the key, or takes the lease: ARGV = mode ('read' or 'lease'), holder, ttl, expected in, and the expiry
 * after which an entry makes the lease unnecessary. Returns {1} when the lease was taken, else
 * {0, entry, expiry, lapses in, expected in, refused through} (absent parts as nil).
 */
const READ_OR_LEASE = `${NOW}
local f = redis.call('HMGET', KEYS[1], 'e', 'x', 'u', 'w', 'r')
local x = tonumber(f[2]) or 0
local u = tonumber(f[3]) or 0
local entry = f[1] and x > now
if ARGV[1] == 'lease' and u <= now and not (entry and x > tonumber(ARGV[5])) then
  local untilMs = now + tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], 'h', ARGV[2], 'u', untilMs, 'w', now + tonumber(ARGV[4]))
  redis.call('PEXPIREAT', KEYS[1], math.max(untilMs, entry and x or 0, tonumber(f[5]) or 0))
  return {1}
end
local lease = u > now
return {0, entry and f[1] or false, entry and f[2] or false, lease and (u - now) or false,
  lease and ((tonumber(f[4]) or now) - now) or false, f[5] or false}`;

/**
 * Writes the entry if it expires later than the stored one and after the refusal mark, and ends the holder's
 * lease if it still has it: ARGV = entry, expiry, holder ('' for none).
 */
const PUT = `${NOW}
local f = redis.call('HMGET', KEYS[1], 'x', 'r', 'h', 'u')
local x = tonumber(ARGV[2])
local u = tonumber(f[4]) or 0
if ARGV[3] ~= '' and f[3] == ARGV[3] then
  redis.call('HDEL', KEYS[1], 'h', 'u', 'w')
  u = 0
end
if x > now and x > (tonumber(f[1]) or 0) and x > (tonumber(f[2]) or 0) then
  redis.call('HSET', KEYS[1], 'e', ARGV[1], 'x', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], math.max(x, u))
  return 1
end
return 0`;

/** Ends the lease only if it is still ARGV[1]'s: a plain delete could end the lease of whoever took over. */
const RELEASE = `if redis.call('HGET', KEYS[1], 'h') == ARGV[1] then
  return redis.call('HDEL', KEYS[1], 'h', 'u', 'w')
end
return 0`;

/** Raises the refusal mark to ARGV[1] and drops an entry that expires at or before it. */
const REFUSE = `${NOW}
local f = redis.call('HMGET', KEYS[1], 'x', 'r', 'u')
local r = math.max(tonumber(ARGV[1]), tonumber(f[2]) or 0)
local x = tonumber(f[1]) or 0
redis.call('HSET', KEYS[1], 'r', r)
if x <= r then
  redis.call('HDEL', KEYS[1], 'e', 'x')
  x = 0
end
local keep = math.max(r, x, tonumber(f[3]) or 0)
if keep > now then redis.call('PEXPIREAT', KEYS[1], keep) else redis.call('DEL', KEYS[1]) end
return 1`;

/** Larger than any expiry: "no entry makes the lease unnecessary". */
const NEVER = '9007199254740991';

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

  async read(key: string, signal: AbortSignal): Promise<StoreRecord> {
    signal.throwIfAborted();
    const sent = Date.now();
    const answer = await raced(this.#client.eval(READ_OR_LEASE, 1, key, 'read', '', '0', '0', NEVER), signal);
    return (recordOf(answer, Date.now() - sent) as { record: StoreRecord }).record;
  }

  acquireLease(key: string, lease: LeaseRequest, unlessEntryExpiresAfterMs: number, signal: AbortSignal) {
    return this.readOrAcquireLease(key, lease, unlessEntryExpiresAfterMs, signal);
  }

  /** One script: the entry, or the lease, or what holds it. A refused lease writes nothing. */
  async readOrAcquireLease(
    key: string,
    lease: LeaseRequest,
    unlessEntryExpiresAfterMs: number,
    signal: AbortSignal,
  ): Promise<LeaseAnswer> {
    signal.throwIfAborted();
    const sent = Date.now();
    const command = this.#client.eval(
      READ_OR_LEASE,
      1,
      key,
      'lease',
      lease.holder,
      String(Math.max(1, Math.floor(lease.ttlMs))),
      String(Math.max(0, Math.floor(lease.expectedInMs))),
      Number.isFinite(unlessEntryExpiresAfterMs) ? String(Math.floor(unlessEntryExpiresAfterMs)) : NEVER,
    );
    try {
      const answered = await raced(command, signal);
      const answer = recordOf(answered, Date.now() - sent);
      return answer.acquired ? { acquired: true } : { acquired: false, record: answer.record };
    } catch (error) {
      // Given up on, but it may still take the lease: then free it at once rather than block the fleet until
      // it lapses.
      if (signal.aborted) {
        command.then(
          (answer) => (recordOf(answer).acquired ? this.#client.eval(RELEASE, 1, key, lease.holder) : undefined),
          () => undefined,
        );
      }
      throw error;
    }
  }

  async put(key: string, entry: StoredEntry, holder: string | undefined, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const expiresAt = String(Math.floor(entry.expiresAtMs));
    await raced(this.#client.eval(PUT, 1, key, entry.value, expiresAt, holder ?? ''), signal);
  }

  async releaseLease(key: string, holder: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    await raced(this.#client.eval(RELEASE, 1, key, holder), signal);
  }

  async refuse(key: string, expiresAtMs: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    await raced(this.#client.eval(REFUSE, 1, key, String(Math.floor(expiresAtMs))), signal);
  }

  encryptionKey(): Uint8Array | undefined {
    return this.#encryptionKey === undefined ? undefined : new Uint8Array(this.#encryptionKey);
  }
}

/**
 * The READ_OR_LEASE script's answer; anything else is no answer of ours, and fails the call. The lease's times
 * were taken on the server, about half the round trip before the answer arrived: they are made relative to
 * the answer.
 */
function recordOf(answer: unknown, roundTripMs = 0): { acquired: true } | { acquired: false; record: StoreRecord } {
  if (!Array.isArray(answer) || (answer[0] !== 0 && answer[0] !== 1)) throw unexpected();
  if (answer[0] === 1) return { acquired: true };
  const [, value, expiresAt, lapsesIn, expectedIn, refused] = answer as unknown[];
  const expiresAtMs = numberOf(expiresAt);
  const lapsesInMs = numberOf(lapsesIn);
  const refusedThroughMs = numberOf(refused);
  return {
    acquired: false,
    record: {
      ...(typeof value === 'string' && expiresAtMs !== undefined ? { entry: { value, expiresAtMs } } : {}),
      ...(lapsesInMs !== undefined
        ? {
            lease: {
              lapsesInMs: lapsesInMs - roundTripMs / 2,
              expectedInMs: (numberOf(expectedIn) ?? 0) - roundTripMs / 2,
            },
          }
        : {}),
      ...(refusedThroughMs === undefined ? {} : { refusedThroughMs }),
    },
  };
}

function numberOf(value: unknown): number | undefined {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : undefined;
}

function unexpected(): Error {
  const error = new Error('unexpected answer from the Redis script');
  error.name = 'InvalidStoreAnswer';
  return error;
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
