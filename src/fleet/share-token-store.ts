import type { ExpiringValue } from '../core/expiring-cache.js';
import { readableClaims } from '../core/jwt-claims.js';
import { tokenStoreShapeProblem } from '../core/token-store-shape.js';
import { configurationError } from '../errors.js';
import { deriveClientSealingKey, deriveUserSealingKey, storeKeyMaterial, storeKeyOf } from './entry-sealing.js';
import { obtainShared, type SharedCacheLogger, SharedTokenCache } from './shared-token-cache.js';
import type { LeaseAnswer, LeaseRequest, TokenStore } from './token-store.js';

/** What the fleet's cache values must carry: when each dies, and when a provider starts replacing it. */
export type SharedValue = ExpiringValue;

/**
 * Whose entry a value is: its name (pool, app client, and a user or a set of scopes) and the secrets its
 * instances hold, from which the key that seals the entry is derived.
 *
 * @example
 * ```ts
 * import type { SharingIdentity } from 'cognito-token-provider';
 *
 * const user: SharingIdentity = {
 *   pool: 'eu-west-1_AbC123',
 *   subject: { username: 'svc-orders' },
 *   secrets: { password: 'example-password' },
 * };
 * ```
 */
export interface SharingIdentity {
  /** The user pool ID, or for M2M tokens where they come from (a token endpoint's URL, or a Region). */
  readonly pool: string;
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
}

/**
 * What a provider shares of one kind of value through a fleet's store. `C` is the credentials a value is made
 * with: they name and seal its entry.
 *
 * @example
 * ```ts
 * import type { ValueSharing } from 'cognito-token-provider';
 *
 * interface Held {
 *   readonly token: string;
 *   readonly expiresAt: number;
 *   readonly renewAt: number;
 * }
 * const sharing: ValueSharing<Held, { username: string; password: string }> = {
 *   clientId: 'example-client-id',
 *   identify: ({ username, password }) => ({ pool: 'eu-west-1_AbC123', subject: { username }, secrets: { password } }),
 *   encode: ({ token, expiresAt }) => ({ token, expiresAt }),
 *   decode: ({ token }, expiresAt) =>
 *     typeof token === 'string' ? { token, expiresAt, renewAt: expiresAt - 300_000 } : undefined,
 *   tokensOf: (value) => [value.token],
 * };
 * ```
 */
export interface ValueSharing<T extends SharedValue, C> {
  /** The app client ID. */
  readonly clientId: string;
  /** Whose entry a value made with `credentials` is, and the secrets that seal it. */
  identify(credentials: C): SharingIdentity;
  /** The fields of `value` to share: only what a token call returns, never a refresh token or a secret. */
  encode(value: T): Record<string, unknown>;
  /**
   * The value back from its fields, expiring at `expiresAt` (the writer's figure, capped by the tokens' own
   * `exp`), or `undefined` if the fields do not make one.
   */
  decode(fields: Record<string, unknown>, expiresAt: number, credentials: C): T | undefined;
  /** The JWTs in `value`, whose `exp` claims bound how long any instance serves it, whatever clock wrote it. */
  tokensOf(value: T): readonly string[];
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
 * type Held = { token: string; expiresAt: number; renewAt: number };
 * declare const shared: SharedValues<Held, { username: string; password: string }>;
 * const credentials = { username: 'svc-orders', password: 'example-password' };
 * // What fetched the value, and with which credentials (after a rotation, the new ones): they seal the entry.
 * const fetchNew = async () => ({
 *   value: { token: 't', expiresAt: Date.now() + 3_600_000, renewAt: Date.now() + 3_300_000 },
 *   credentials,
 * });
 * const value = await shared.obtain(credentials, fetchNew, {
 *   signal: AbortSignal.timeout(5_000),
 *   deadlineAt: Date.now() + 5_000,
 *   current: undefined,
 *   refused: false,
 *   refreshAheadSeconds: 300,
 * });
 * ```
 */
export interface SharedValues<T extends SharedValue, C> {
  /**
   * The fleet's value for `credentials` if it will do, else `fetch`'s, fetched under the fleet's lease and
   * shared. Rejects only with `fetch`'s own errors: store trouble means `fetch()` directly.
   */
  obtain(
    credentials: C,
    fetch: () => Promise<{ readonly value: T; readonly credentials: C }>,
    context: ShareContext<T>,
  ): Promise<T>;
  /**
   * Makes sure `value` (invalidated, or refused by an API) never comes back from the store, to this instance or
   * another. Never rejects: the store is an optimisation.
   */
  discard(value: T): Promise<void>;
}

/**
 * One provider call's side of {@link SharedValues.obtain}.
 *
 * @example
 * ```ts
 * import type { ShareContext } from 'cognito-token-provider';
 *
 * const context: ShareContext<{ expiresAt: number; renewAt: number }> = {
 *   signal: AbortSignal.timeout(5_000),
 *   deadlineAt: Date.now() + 5_000,
 *   current: undefined,
 *   refused: false,
 *   refreshAheadSeconds: 300,
 * };
 * ```
 */
export interface ShareContext<T extends SharedValue> {
  /** Aborts when the caller's budget runs out. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds at which the caller's budget runs out. */
  readonly deadlineAt: number;
  /**
   * What the provider holds, when it is renewing ahead of expiry: only a newer shared value helps, and while
   * another instance renews this one is served a little longer.
   */
  readonly current: T | undefined;
  /** `current` was refused (`refresh()`): it is never served back. */
  readonly refused: boolean;
  /** The provider's renewal margin: a cold start takes a shared value only if it will not renew at once. */
  readonly refreshAheadSeconds: number;
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
  shareValues<T extends SharedValue, C>(sharing: ValueSharing<T, C>): SharedValues<T, C>;
}

/**
 * Makes a {@link TokenStore} you wrote yourself usable as `sharedCache`. The lease protocol, the sealing of
 * entries and the store keys come with it, so a handler that never calls this (nor imports a store from
 * `/dynamodb` or `/redis`) bundles none of that code. Anything without the four methods is refused with
 * `ERR_CONFIGURATION` naming what is missing; a Redis or DynamoDB client is pointed to `redisTokenStore` or
 * `dynamoDbTokenStore`, which wrap it.
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
  const problem = tokenStoreShapeProblem(store);
  if (problem !== undefined) throw configurationError('store', problem);
  if (isSharedTokenStore(store)) return store;
  // A new object: the caller's store may be frozen, and is theirs to keep as it is.
  const shared: SharedTokenStore = {
    read: (key, signal) => store.read(key, signal),
    acquireLease: (key, lease, unless, signal) => store.acquireLease(key, lease, unless, signal),
    put: (key, entry, holder, signal) => store.put(key, entry, holder, signal),
    releaseLease: (key, holder, signal) => store.releaseLease(key, holder, signal),
    refuse: (key, expiresAtMs, signal) => store.refuse(key, expiresAtMs, signal),
    ...(typeof store.readOrAcquireLease === 'function'
      ? {
          readOrAcquireLease: (key: string, lease: LeaseRequest, unless: number, signal: AbortSignal) =>
            store.readOrAcquireLease?.(key, lease, unless, signal) as Promise<LeaseAnswer>,
        }
      : {}),
    ...(typeof store.encryptionKey === 'function' ? { encryptionKey: () => store.encryptionKey?.() } : {}),
    shareValues(sharing) {
      // The receiver, not the object built here: a wrapper around the store (a counting proxy, a tracer) then
      // sees every call the protocol makes.
      return shareValuesThrough(this, sharing);
    },
  };
  return shared;
}

/** Whether `value` already carries the fleet protocol (a store from this package, or shared before). */
function isSharedTokenStore(value: unknown): value is SharedTokenStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<SharedTokenStore>).shareValues === 'function'
  );
}

function shareValuesThrough<T extends SharedValue, C>(
  store: TokenStore,
  sharing: ValueSharing<T, C>,
): SharedValues<T, C> {
  // The entry of the identity last used: opened again when it changes (a password rotated in SSM), which also
  // changes the key that seals it. Compared field by field: no digest of a password is kept.
  let opened: { readonly identity: SharingIdentity; readonly cache: SharedTokenCache<T> } | undefined;
  // Which credentials made each value this instance fetched, so its entry is sealed with their key: after a
  // rotation, the new password, not the one the call started with.
  const madeWith = new WeakMap<T, SharingIdentity>();
  const cacheFor = (credentials: C) => {
    const identity = sharing.identify(credentials);
    if (opened !== undefined && sameIdentity(opened.identity, identity)) return opened.cache;
    opened = { identity, cache: openEntry(store, sharing, identity, credentials, madeWith) };
    return opened.cache;
  };
  return {
    obtain(credentials, fetch, context) {
      const cache = cacheFor(credentials);
      return obtainShared(
        cache,
        async () => {
          const { value, credentials: used } = await fetch();
          madeWith.set(value, sharing.identify(used));
          return value;
        },
        {
          signal: context.signal,
          remainingMs: Math.max(0, context.deadlineAt - Date.now()),
          current: context.current,
          refused: context.refused,
          refreshAheadSeconds: context.refreshAheadSeconds,
        },
      );
    },
    async discard(value) {
      await opened?.cache.discard(value);
    },
  };
}

function openEntry<T extends SharedValue, C>(
  store: TokenStore,
  sharing: ValueSharing<T, C>,
  identity: SharingIdentity,
  credentials: C,
  madeWith: WeakMap<T, SharingIdentity>,
): SharedTokenCache<T> {
  const { clientId } = sharing;
  const { pool, subject } = identity;
  const material = storeKeyMaterial(store, identity.secrets.clientSecret);
  if (material === undefined) {
    // A public client leaves only the password to key and seal entries with: anyone who can read the store
    // could guess at it offline, past Cognito's lockout.
    throw configurationError(
      'sharedCache',
      'needs an explicit encryptionKey (32 random bytes, kept in SSM or Secrets Manager) for an app client ' +
        'without a secret: without one, entries would be sealed with a key derived from the password alone',
    );
  }
  const expiresAtOf = (value: T) => cappedByClaims(value.expiresAt, sharing.tokensOf(value));
  return new SharedTokenCache<T>({
    store,
    key: storeKeyOf({ pool, clientId, ...subject }, material),
    sealingKey: () => sealingKeyOf(clientId, identity),
    writeKey: (value) => sealingKeyOf(clientId, madeWith.get(value) ?? identity),
    encode: (value) => sharing.encode(value),
    decode: (fields) => {
      const stated = fields.expiresAt;
      if (typeof stated !== 'number' || !Number.isFinite(stated)) return undefined;
      const decoded = sharing.decode(fields, stated, credentials);
      if (decoded === undefined) return undefined;
      // Dated by the writer's clock: never served past the tokens' own exp, read on this instance's clock.
      const capped = expiresAtOf(decoded);
      return capped < stated ? sharing.decode(fields, capped, credentials) : decoded;
    },
    expiresAtOf,
    ...(sharing.logger === undefined ? {} : { logger: sharing.logger }),
  });
}

/** The key that seals an entry made with the secrets of `identity`. */
function sealingKeyOf(clientId: string, { pool, subject, secrets }: SharingIdentity): Promise<Uint8Array> {
  // Called only without an explicit encryptionKey, which a client without a secret must have (see openEntry):
  // so here there is always a client secret, and a password exactly for a user's entry.
  const { password, clientSecret } = secrets as { password?: string; clientSecret: string };
  return password === undefined
    ? deriveClientSealingKey({ pool, clientId, clientSecret })
    : deriveUserSealingKey({
        pool,
        clientId,
        username: (subject as { username: string }).username,
        password,
        clientSecret,
      });
}

function sameIdentity(a: SharingIdentity, b: SharingIdentity): boolean {
  return (
    a.pool === b.pool &&
    a.secrets.password === b.secrets.password &&
    a.secrets.clientSecret === b.secrets.clientSecret &&
    JSON.stringify(a.subject) === JSON.stringify(b.subject)
  );
}

/** `expiresAt`, or earlier when a token's own `exp` says so. */
function cappedByClaims(expiresAt: number, tokens: readonly string[]): number {
  let capped = expiresAt;
  for (const token of tokens) {
    const exp = readableClaims(token)?.exp;
    if (typeof exp === 'number' && Number.isFinite(exp)) capped = Math.min(capped, exp * 1000);
  }
  return capped;
}
