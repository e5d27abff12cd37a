import { deriveClientSealingKey, deriveUserSealingKey, storeKeyOf } from './entry-sealing.js';
import { type ObtainContext, type SharedCacheLogger, SharedTokenCache } from './shared-token-cache.js';
import type { TokenStore } from './token-store.js';

/**
 * What a provider shares of one kind of value through a fleet's store, and whose it is: the entry's name
 * (pool, app client, and a user or a set of scopes) and the secrets its instances hold, from which the key that
 * seals the entry is derived.
 *
 * @example
 * ```ts
 * import type { ValueSharing } from 'cognito-token-provider';
 *
 * const sharing: ValueSharing<{ token: string; expiresAt: number }> = {
 *   pool: 'eu-west-1_AbC123',
 *   clientId: 'example-client-id',
 *   subject: { username: 'svc-orders' },
 *   secrets: { password: 'example-password' },
 *   encode: ({ token, expiresAt }) => ({ token, expiresAt }),
 *   decode: ({ token, expiresAt }) =>
 *     typeof token === 'string' && typeof expiresAt === 'number' ? { token, expiresAt } : undefined,
 *   expiresAtOf: (value) => value.expiresAt,
 * };
 * ```
 */
export interface ValueSharing<T> {
  /** The user pool ID, or for M2M tokens where they come from (a token endpoint's URL, or a Region). */
  readonly pool: string;
  /** The app client ID. */
  readonly clientId: string;
  /** Whose value it is: one user's, or an app client's for a set of scopes. */
  readonly subject:
    | {
        /** The user's name, as the provider signs in with it. */
        readonly username: string;
      }
    | {
        /** The scopes an M2M token was asked for. */
        readonly scopes: readonly string[];
      };
  /** The secrets every instance of the fleet holds: a user's password, and the app client's secret if any. */
  readonly secrets: {
    /** The user's password; absent for M2M tokens. */
    readonly password?: string | undefined;
    /** The app client's secret, when it has one. */
    readonly clientSecret?: string | undefined;
  };
  /** The fields of `value` to share: only what a token call returns, never a refresh token or a secret. */
  encode(value: T): Record<string, unknown>;
  /** The value back from its fields, or `undefined` if they do not make one. */
  decode(fields: Record<string, unknown>): T | undefined;
  /** Epoch milliseconds at which `value` expires; the store drops the entry then. */
  expiresAtOf(value: T): number;
  /** Where the shared cache says it gave up on the store. */
  readonly logger?: SharedCacheLogger | undefined;
}

/**
 * One kind of value shared through a fleet's store: the providers' view of the fleet protocol.
 *
 * @example
 * ```ts
 * import type { SharedValues } from 'cognito-token-provider';
 *
 * declare const shared: SharedValues<{ token: string; expiresAt: number }>;
 * const value = await shared.obtain(async () => ({ token: 'fetched', expiresAt: Date.now() + 3_600_000 }), {
 *   signal: AbortSignal.timeout(5_000),
 *   deadlineAt: Date.now() + 5_000,
 *   minValidUntil: Date.now() + 60_000,
 * });
 * ```
 */
export interface SharedValues<T> {
  /**
   * A shared value that expires after `context.minValidUntil`, or `fetch`'s result, fetched under the fleet's
   * lease and shared. Rejects only with `fetch`'s own errors: store trouble means `fetch()` directly.
   */
  obtain(fetch: () => Promise<T>, context: ObtainContext<T>): Promise<T>;
}

/**
 * A {@link TokenStore} ready for the `sharedCache` option: `dynamoDbTokenStore()` and `redisTokenStore()`
 * return one, and {@link shareTokenStore} makes one of a store you write yourself.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type SharedTokenStore } from 'cognito-token-provider';
 * import { dynamoDbTokenStore } from 'cognito-token-provider/dynamodb';
 *
 * const sharedCache: SharedTokenStore = dynamoDbTokenStore({ tableName: 'token-cache' });
 * const tokens = createTokenProvider({
 *   clientId: 'example-client-id',
 *   credentials: { username: 'svc-orders', password: process.env.PASSWORD ?? '' },
 *   sharedCache,
 * });
 * ```
 */
export interface SharedTokenStore extends TokenStore {
  /**
   * Opens the fleet protocol over this store for one kind of value. The providers call it; the protocol comes
   * with the store, so a handler without a shared cache bundles none of it.
   */
  shareValues<T>(sharing: ValueSharing<T>): SharedValues<T>;
}

/**
 * Makes a {@link TokenStore} you wrote yourself usable as `sharedCache`. The lease protocol, the sealing of
 * entries and the store keys come with it, so a handler that never calls this (nor imports a store from
 * `/dynamodb` or `/redis`) bundles none of that code.
 *
 * @example
 * ```ts
 * import { createTokenProvider, shareTokenStore, type TokenStore } from 'cognito-token-provider';
 *
 * declare const myStore: TokenStore;
 * const tokens = createTokenProvider({
 *   clientId: 'example-client-id',
 *   credentials: { username: 'svc-orders', password: process.env.PASSWORD ?? '' },
 *   sharedCache: shareTokenStore(myStore),
 * });
 * ```
 */
export function shareTokenStore(store: TokenStore): SharedTokenStore {
  if (isSharedTokenStore(store)) return store;
  // A new object: the caller's store may be frozen, and is theirs to keep as it is.
  const shared: SharedTokenStore = {
    get: (key, signal) => store.get(key, signal),
    put: (key, value, expiresAtMs, signal) => store.put(key, value, expiresAtMs, signal),
    acquireLease: (key, holder, ttlMs, signal) => store.acquireLease(key, holder, ttlMs, signal),
    releaseLease: (key, holder, signal) => store.releaseLease(key, holder, signal),
    ...(typeof store.encryptionKey === 'function' ? { encryptionKey: () => store.encryptionKey?.() } : {}),
    shareValues: (sharing) => shareValuesThrough(shared, sharing),
  };
  return shared;
}

/** Whether `value` already carries the fleet protocol (a store from this package, or shared before). */
export function isSharedTokenStore(value: unknown): value is SharedTokenStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<SharedTokenStore>).shareValues === 'function'
  );
}

function shareValuesThrough<T>(store: TokenStore, sharing: ValueSharing<T>): SharedValues<T> {
  const { pool, clientId, subject, secrets } = sharing;
  const password = secrets.password;
  const clientSecret = secrets.clientSecret;
  return new SharedTokenCache<T>({
    store,
    key: storeKeyOf({ pool, clientId, ...subject }),
    sealingKey: () =>
      password === undefined
        ? deriveClientSealingKey({ pool, clientId, clientSecret: clientSecret ?? '' })
        : deriveUserSealingKey({
            pool,
            clientId,
            username: 'username' in subject ? subject.username : '',
            password,
            ...(clientSecret === undefined ? {} : { clientSecret }),
          }),
    encode: (value) => sharing.encode(value),
    decode: (fields) => sharing.decode(fields),
    expiresAtOf: (value) => sharing.expiresAtOf(value),
    ...(sharing.logger === undefined ? {} : { logger: sharing.logger }),
  });
}
