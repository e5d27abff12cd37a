import type { Deadline } from '../core/deadline.js';
import { withRetries } from '../core/deadline.js';
import { ProviderKernel } from '../provider/token-kernel.js';
import { clientTokenFailure } from './failure.js';
import { getClientToken } from './get-client-token.js';
import {
  type CachedClientToken,
  type ClientTokenGrant,
  cachedClientToken,
  checkGrantAlive,
  clientTokenSharing,
} from './grant.js';
import { type ClientTokenProviderOptions, type ResolvedClientTokenOptions, resolveClientOptions } from './options.js';
import { clientSecretFrom } from './secret.js';
import { requestClientCredentialsGrant } from './token-endpoint.js';
import { type ClientTokens, clientTokensForCaller } from './tokens.js';

/**
 * Machine-to-machine access tokens for one app client (the OAuth2 client-credentials grant), cached and
 * renewed ahead of expiry. Cognito bills every M2M token request, so create one per app client at module
 * scope and call it on every request: cached calls make no request at all.
 *
 * @example
 * ```ts
 * import { type ClientTokenProvider, createClientTokenProvider } from 'cognito-token-provider';
 *
 * declare const clientId: string;
 * declare const clientSecret: string;
 * const m2m: ClientTokenProvider = createClientTokenProvider({ clientId, clientSecret, scopes: ['orders/read'] });
 * const response = await fetch('https://api.example.com/orders', {
 *   headers: { Authorization: `Bearer ${await m2m.getAccessToken()}` },
 * });
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
 * import { createClientTokenProvider } from 'cognito-token-provider';
 * import { fromSsm } from 'cognito-token-provider/ssm';
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
  readonly #kernel: ProviderKernel<CachedClientToken, string>;

  constructor(options: ClientTokenProviderOptions) {
    const resolved = resolveClientOptions(options);
    const { source, scopes, region } = resolved;
    // There is no refresh token: renewing means asking for a new token, which Cognito bills.
    this.#kernel = new ProviderKernel<CachedClientToken, string>(resolved, {
      checkCredentials: clientSecretFrom,
      issue: (clientSecret, deadline) => requestToken(resolved, deadline, clientSecret),
      issued: (token) => [
        'cognito-token-provider: client token issued',
        { source: source.kind, scopes: token.tokens.scopes, expiresAt: new Date(token.expiresAt) },
      ],
      // Tokens of the token endpoint and of GetClientToken (per Region) are kept apart.
      fleet: clientTokenSharing(
        source.kind === 'token-endpoint' ? source.url.href : `GetClientToken ${region ?? ''}`,
        scopes,
        resolved.refreshAheadSeconds,
      ),
    });
  }

  async getAccessToken(): Promise<string> {
    return (this.#kernel.fresh() ?? (await this.#kernel.load())).accessToken;
  }

  async getTokens(): Promise<ClientTokens> {
    return clientTokensForCaller((this.#kernel.fresh() ?? (await this.#kernel.load())).tokens);
  }

  async refresh(): Promise<ClientTokens> {
    return clientTokensForCaller((await this.#kernel.refresh()).tokens);
  }

  invalidate(): void {
    this.#kernel.invalidate();
  }
}

async function requestToken(
  options: ResolvedClientTokenOptions,
  deadline: Deadline,
  clientSecret: string,
): Promise<CachedClientToken> {
  const { scopes, source, clientId, logger, retryPolicy, clientMetadata, refreshAheadSeconds } = options;
  const operation = source.kind === 'get-client-token' ? 'GetClientToken' : 'The OAuth2 token endpoint';
  let grant: ClientTokenGrant;
  try {
    grant =
      source.kind === 'get-client-token'
        ? await getClientToken(
            { client: source.client, clientId, deadline, retryPolicy, logger },
            clientSecret,
            scopes,
            clientMetadata,
          )
        : await withRetries({ deadline, policy: retryPolicy, logger, operation }, (signal) =>
            requestClientCredentialsGrant(
              { url: source.url, clientId, clientSecret, scopes, clientMetadata },
              signal,
            ).then((answer) => checkGrantAlive(answer, operation)),
          );
  } catch (error) {
    throw clientTokenFailure(error, operation, [clientSecret]);
  }
  return cachedClientToken(grant, scopes, refreshAheadSeconds, operation);
}
