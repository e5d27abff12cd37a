import type { TokenProviderLogger } from '../core/logger.js';
import { renewalPoint } from '../core/token-expiry.js';
import type { UserCredentials } from '../credentials/credentials.js';
import { FLEET_PROTOCOL } from '../fleet/protocol-key.js';
import type { SharedTokenStore } from '../fleet/share-token-store.js';
import type { SharedTokenCache } from '../fleet/shared-token-cache.js';
import { CognitoTokens } from './cognito-tokens.js';
import type { Session } from './session.js';

interface SharedSessionsOptions {
  readonly store: SharedTokenStore;
  readonly userPoolId: string | undefined;
  readonly clientId: string;
  readonly refreshAheadSeconds: number;
  readonly logger: TokenProviderLogger | undefined;
}

/**
 * The user provider's side of the fleet cache: which entry a user's sessions share, what of a session goes
 * into it (the ID and access tokens, their expiry and `cognito:username`: never the refresh token, which stays
 * in the process that got it), and the sealing key derived from the credentials every instance of that user
 * holds. The entry is keyed and sealed per user, so the shared cache is rebuilt when the credentials change
 * (a password rotated in SSM), which also rebuilds the key.
 */
export class SharedSessions {
  readonly #options: SharedSessionsOptions;
  #shared: { readonly credentials: UserCredentials; readonly cache: SharedTokenCache<Session> } | undefined;

  constructor(options: SharedSessionsOptions) {
    this.#options = options;
  }

  /**
   * A session from the store, or `fetch`'s, fetched under the fleet's lease and shared (see `obtainShared`).
   * `current` is what this provider holds; `refused` when `refresh()` asked for a newer one.
   */
  async obtain(
    credentials: UserCredentials,
    current: Session | undefined,
    refused: boolean,
    signal: AbortSignal,
    remainingMs: number,
    fetch: () => Promise<Session>,
  ): Promise<Session> {
    const obtained = await this.#options.store[FLEET_PROTOCOL].obtainShared(this.#cacheFor(credentials), fetch, {
      signal,
      remainingMs,
      current,
      refused,
      refreshAheadSeconds: this.#options.refreshAheadSeconds,
    });
    // Another instance's tokens: the refresh token this process holds, if any, is still its own to renew with.
    return obtained.refreshToken === undefined && current?.refreshToken !== undefined
      ? { ...obtained, refreshToken: current.refreshToken, clientSecret: current.clientSecret }
      : obtained;
  }

  #cacheFor(credentials: UserCredentials): SharedTokenCache<Session> {
    const shared = this.#shared;
    if (
      shared !== undefined &&
      shared.credentials.username === credentials.username &&
      shared.credentials.password === credentials.password &&
      shared.credentials.clientSecret === credentials.clientSecret
    ) {
      return shared.cache;
    }
    const { store, userPoolId, clientId, refreshAheadSeconds, logger } = this.#options;
    // Reached through the store, not imported: a provider without a shared cache bundles none of it.
    const { SharedTokenCache, storeKeyOf, storeKeyMaterial, deriveUserSealingKey } = store[FLEET_PROTOCOL];
    const pool = userPoolId ?? '';
    const { username, password, clientSecret } = credentials;
    const cache = new SharedTokenCache<Session>({
      store,
      // Until the construction check for a client without a secret (requiresExplicitKey), the password keys it.
      key: storeKeyOf({ pool, clientId, username }, storeKeyMaterial(store, clientSecret) ?? password),
      sealingKey: () =>
        deriveUserSealingKey({ pool, clientId, username, password, ...(clientSecret ? { clientSecret } : {}) }),
      encode: (session) => ({
        idToken: session.idToken,
        accessToken: session.accessToken,
        expiresAt: session.expiresAt,
        username: session.username,
      }),
      decode: (fields) => {
        const { idToken, accessToken, expiresAt, username: claimed } = fields;
        if (
          typeof idToken !== 'string' ||
          typeof accessToken !== 'string' ||
          typeof claimed !== 'string' ||
          typeof expiresAt !== 'number' ||
          !Number.isFinite(expiresAt)
        ) {
          return undefined;
        }
        return {
          idToken,
          accessToken,
          refreshToken: undefined,
          username: claimed,
          clientSecret,
          expiresAt,
          renewAt: renewalPoint(Date.now(), expiresAt, refreshAheadSeconds),
          tokens: new CognitoTokens(idToken, accessToken, new Date(expiresAt), claimed),
        };
      },
      expiresAtOf: (session) => session.expiresAt,
      ...(logger === undefined ? {} : { logger }),
    });
    this.#shared = { credentials, cache };
    return cache;
  }
}
