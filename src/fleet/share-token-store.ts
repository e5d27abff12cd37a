import {
  deriveClientSealingKey,
  deriveUserSealingKey,
  requiresExplicitKey,
  storeKeyMaterial,
  storeKeyOf,
} from './entry-sealing.js';
import { FLEET_PROTOCOL } from './protocol-key.js';
import { obtainShared, SharedTokenCache } from './shared-token-cache.js';
import type { LeaseAnswer, LeaseRequest, TokenStore } from './token-store.js';

/** What a provider needs of the fleet protocol; reached through a {@link SharedTokenStore}. */
export interface FleetProtocol {
  readonly SharedTokenCache: typeof SharedTokenCache;
  readonly obtainShared: typeof obtainShared;
  readonly storeKeyOf: typeof storeKeyOf;
  readonly storeKeyMaterial: typeof storeKeyMaterial;
  readonly deriveUserSealingKey: typeof deriveUserSealingKey;
  readonly deriveClientSealingKey: typeof deriveClientSealingKey;
  readonly requiresExplicitKey: typeof requiresExplicitKey;
}

const PROTOCOL: FleetProtocol = {
  SharedTokenCache,
  obtainShared,
  storeKeyOf,
  storeKeyMaterial,
  deriveUserSealingKey,
  deriveClientSealingKey,
  requiresExplicitKey,
};

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
  /** The fleet protocol the providers run over this store. */
  readonly [FLEET_PROTOCOL]: FleetProtocol;
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
  return {
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
    [FLEET_PROTOCOL]: PROTOCOL,
  };
}

function isSharedTokenStore(value: TokenStore): value is SharedTokenStore {
  return FLEET_PROTOCOL in value;
}
