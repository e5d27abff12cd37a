import { type Deadline, withDeadline } from '../core/deadline.js';
import { ExpiringCache } from '../core/expiring-cache.js';
import { logEvent } from '../core/logger.js';
import { withRetries } from '../core/retry.js';
import { withCredentialsReload } from '../credentials/credentials.js';
import { loadClientSecret } from './client-secret.js';
import { clientTokenFailure } from './client-token-failure.js';
import {
  type CachedClientToken,
  type ClientTokenGrant,
  cachedClientToken,
  checkGrantAlive,
} from './client-token-grant.js';
import {
  type ClientTokenProviderOptions,
  type ResolvedClientTokenOptions,
  resolveClientOptions,
} from './client-token-options.js';
import { type ClientTokens, clientTokensForCaller } from './client-tokens.js';
import { getClientToken } from './get-client-token.js';
import { requestClientCredentialsGrant } from './oauth2-token-endpoint.js';
import { SharedClientTokens } from './shared-client-tokens.js';

/**
 * Machine-to-machine access tokens for one app client (the OAuth2 client-credentials grant), cached and
 * renewed ahead of expiry. Cognito bills every M2M token request, so create one per app client at module
 * scope and call it on every request: cached calls make no request at all.
 *
 * @example
 * ```ts
 * const m2m: ClientTokenProvider = createClientTokenProvider({ clientId, clientSecret, scopes: ['orders/read'] });
 * const response = await fetch(url, { headers: { Authorization: `Bearer ${await m2m.getAccessToken()}` } });
 * ```
 */
export interface ClientTokenProvider {
  /** A valid access token (a JWT with Cognito), requesting a new one only when needed. */
  getAccessToken(): Promise<string>;
  /** The access token with its expiry, granted scopes and token type. */
  getTokens(): Promise<ClientTokens>;
  /**
   * Requests a new token now, even if the cached one looks fresh. Use it when an API rejects a token the cache
   * still holds. Concurrent calls share one request.
   */
  refresh(): Promise<ClientTokens>;
  /** Forgets the cached token, so the next call requests a new one. */
  invalidate(): void;
}

/**
 * Creates a {@link ClientTokenProvider}. Without `tokenEndpoint` or `domain` it calls GetClientToken through
 * the SDK, which signs the call, so AWS credentials must be available (Cognito checks no IAM policy for it).
 * With either, it POSTs `grant_type=client_credentials` to the OAuth2 token endpoint with `fetch`, and needs
 * no AWS credentials. Every option is checked here, before any I/O; a bad one throws a
 * {@link CognitoTokenError} with code `ERR_CONFIGURATION` that names it.
 *
 * @example
 * ```ts
 * import { createClientTokenProvider, fromSsm } from 'cognito-token-provider';
 *
 * const m2m = createClientTokenProvider({
 *   clientId: process.env.M2M_CLIENT_ID!,
 *   credentials: fromSsm({ clientSecret: '/svc/m2m/secret' }),
 *   scopes: ['orders/read'],
 *   domain: 'my-prefix.auth.eu-west-1.amazoncognito.com',
 * });
 *
 * export const handler = async () =>
 *   fetch('https://api.example.com/orders', {
 *     headers: { Authorization: `Bearer ${await m2m.getAccessToken()}` },
 *   });
 * ```
 */
export function createClientTokenProvider(options: ClientTokenProviderOptions): ClientTokenProvider {
  return new CognitoClientTokenProvider(options);
}

class CognitoClientTokenProvider implements ClientTokenProvider {
  readonly #cache: ExpiringCache<CachedClientToken>;

  constructor(options: ClientTokenProviderOptions) {
    const resolved = resolveClientOptions(options);
    const shared = resolved.common.sharedCache === undefined ? undefined : new SharedClientTokens(resolved);
    // There is no refresh token: renewing means asking for a new token, so the current one is only needed to
    // keep serving it while another instance of a fleet renews.
    this.#cache = new ExpiringCache(
      (current, refused) => obtainClientToken(resolved, shared, current, refused),
      resolved.common.logger,
    );
  }

  async getAccessToken(): Promise<string> {
    return (this.#cache.fresh() ?? (await this.#cache.load())).accessToken;
  }

  async getTokens(): Promise<ClientTokens> {
    return clientTokensForCaller((this.#cache.fresh() ?? (await this.#cache.load())).tokens);
  }

  async refresh(): Promise<ClientTokens> {
    return clientTokensForCaller((await this.#cache.load({ force: true })).tokens);
  }

  invalidate(): void {
    this.#cache.clear();
  }
}

/**
 * One token request, inside one `timeoutMs` budget, the secret's loading included. With a shared cache, the
 * fleet's entry is read first, and only one instance at a time asks Cognito (which bills every request).
 */
function obtainClientToken(
  options: ResolvedClientTokenOptions,
  shared: SharedClientTokens | undefined,
  current: CachedClientToken | undefined,
  refused: boolean,
): Promise<CachedClientToken> {
  const { common, secret } = options;
  return withDeadline(common.timeoutMs, async (deadline) => {
    const fromCognito = async () => {
      const start = Date.now();
      const { result } = await withCredentialsReload(
        secret.isSource,
        (forceRefresh) => loadClientSecret(secret.load, deadline, forceRefresh),
        (clientSecret) => requestToken(options, deadline, clientSecret),
        common.logger,
      );
      logEvent(common.logger, 'cognito-token-provider: client token issued', {
        source: options.source.kind,
        scopes: result.tokens.scopes,
        expiresAt: new Date(result.expiresAt),
        durationMs: Date.now() - start,
      });
      return result;
    };
    if (shared === undefined) return fromCognito();
    const clientSecret = await loadClientSecret(secret.load, deadline, false);
    return shared.obtain(clientSecret, current, refused, deadline, fromCognito);
  });
}

async function requestToken(
  options: ResolvedClientTokenOptions,
  deadline: Deadline,
  clientSecret: string,
): Promise<CachedClientToken> {
  const { common, scopes, source } = options;
  const { clientId, logger } = common;
  const operation = source.kind === 'get-client-token' ? 'GetClientToken' : 'The OAuth2 token endpoint';
  let grant: ClientTokenGrant;
  try {
    grant =
      source.kind === 'get-client-token'
        ? await getClientToken(
            {
              client: source.client,
              clientId,
              deadline,
              retryPolicy: common.retryPolicy,
              logger,
            },
            clientSecret,
            scopes,
            common.clientMetadata,
          )
        : await withRetries({ deadline, policy: common.retryPolicy, logger, operation }, (signal) =>
            requestClientCredentialsGrant(
              { url: source.url, clientId, clientSecret, scopes, clientMetadata: common.clientMetadata },
              signal,
            ).then((answer) => checkGrantAlive(answer, operation)),
          );
  } catch (error) {
    throw clientTokenFailure(error, operation, [clientSecret]);
  }
  return cachedClientToken(grant, scopes, common.refreshAheadSeconds, operation);
}
