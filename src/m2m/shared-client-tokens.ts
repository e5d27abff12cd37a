import type { Deadline } from '../core/deadline.js';
import { renewalPoint } from '../core/token-expiry.js';
import { FLEET_PROTOCOL } from '../fleet/protocol-key.js';
import type { SharedTokenStore } from '../fleet/share-token-store.js';
import type { SharedTokenCache } from '../fleet/shared-token-cache.js';
import type { CachedClientToken } from './client-token-grant.js';
import type { ResolvedClientTokenOptions } from './client-token-options.js';
import { ClientTokens } from './client-tokens.js';

/**
 * The M2M provider's side of the fleet cache, where it saves money: Cognito bills every token request. One
 * entry per app client, token source and scopes, holding the access token, its expiry, scopes and type, and
 * sealed with a key derived from the client secret, so an instance with another secret cannot read it. The
 * shared cache is rebuilt when the secret changes (rotated in SSM).
 */
export class SharedClientTokens {
  readonly #options: ResolvedClientTokenOptions;
  readonly #store: SharedTokenStore;
  #shared: { readonly clientSecret: string; readonly cache: SharedTokenCache<CachedClientToken> } | undefined;

  constructor(options: ResolvedClientTokenOptions) {
    this.#options = options;
    this.#store = options.common.sharedCache as SharedTokenStore;
  }

  /** The fleet's token, or `fetch`'s, fetched under the lease and shared (see `obtainShared`). */
  obtain(
    clientSecret: string,
    current: CachedClientToken | undefined,
    refused: boolean,
    deadline: Deadline,
    fetch: () => Promise<CachedClientToken>,
  ): Promise<CachedClientToken> {
    return this.#store[FLEET_PROTOCOL].obtainShared(this.#cacheFor(clientSecret), fetch, {
      signal: deadline.signal,
      remainingMs: deadline.remainingMs(),
      current,
      refused,
      refreshAheadSeconds: this.#options.common.refreshAheadSeconds,
    });
  }

  #cacheFor(clientSecret: string): SharedTokenCache<CachedClientToken> {
    if (this.#shared?.clientSecret === clientSecret) return this.#shared.cache;
    const { common, scopes, source } = this.#options;
    const { clientId, refreshAheadSeconds, logger } = common;
    // Reached through the store, not imported: a provider without a shared cache bundles none of it.
    const { SharedTokenCache, storeKeyOf, storeKeyMaterial, deriveClientSealingKey } = this.#store[FLEET_PROTOCOL];
    // Tokens of the token endpoint and of GetClientToken (per Region) are kept apart.
    const pool = source.kind === 'token-endpoint' ? source.url.href : `GetClientToken ${common.region ?? ''}`;
    const cache = new SharedTokenCache<CachedClientToken>({
      store: this.#store,
      key: storeKeyOf({ pool, clientId, scopes }, storeKeyMaterial(this.#store, clientSecret) ?? clientSecret),
      sealingKey: () => deriveClientSealingKey({ pool, clientId, clientSecret }),
      encode: ({ accessToken, expiresAt, tokens }) => ({
        accessToken,
        expiresAt,
        scopes: [...tokens.scopes],
        tokenType: tokens.tokenType,
      }),
      decode: ({ accessToken, expiresAt, scopes: granted, tokenType }) => {
        if (
          typeof accessToken !== 'string' ||
          typeof expiresAt !== 'number' ||
          !Number.isFinite(expiresAt) ||
          typeof tokenType !== 'string' ||
          !Array.isArray(granted) ||
          !granted.every((scope) => typeof scope === 'string')
        ) {
          return undefined;
        }
        return {
          accessToken,
          expiresAt,
          renewAt: renewalPoint(Date.now(), expiresAt, refreshAheadSeconds),
          tokens: new ClientTokens(accessToken, new Date(expiresAt), granted, tokenType),
        };
      },
      expiresAtOf: (token) => token.expiresAt,
      ...(logger === undefined ? {} : { logger }),
    });
    this.#shared = { clientSecret, cache };
    return cache;
  }
}
