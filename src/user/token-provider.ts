import { type Deadline, withDeadline } from '../core/deadline.js';
import { ExpiringCache } from '../core/expiring-cache.js';
import { logEvent } from '../core/logger.js';
import { loadUserCredentials, withCredentialsReload } from '../credentials/credentials.js';
import { type CognitoTokens, tokensForCaller } from './cognito-tokens.js';
import { Renewer } from './renewal.js';
import { type Session, sessionFromResult } from './session.js';
import { SharedSessions } from './shared-sessions.js';
import { SignIn } from './sign-in.js';
import { resolveUserOptions, type TokenProviderOptions } from './user-options.js';

/**
 * Cognito User Pool tokens for one user, cached and renewed ahead of expiry. Create one per user at module
 * scope and call it on every request: cached calls cost about as much as a bare `await`.
 *
 * @example
 * ```ts
 * const tokens: TokenProvider = createTokenProvider({ clientId, credentials });
 * const response = await fetch(url, { headers: { Authorization: await tokens.getIdToken() } });
 * ```
 */
export interface TokenProvider {
  /** A valid ID token (JWT), signing in or renewing only when needed. */
  getIdToken(): Promise<string>;
  /** A valid access token (JWT), signing in or renewing only when needed. */
  getAccessToken(): Promise<string>;
  /** Both tokens, their expiry and the user's `cognito:username`. */
  getTokens(): Promise<CognitoTokens>;
  /**
   * Renews now, even if the cached tokens look fresh, keeping the refresh token: a renewal, not a password
   * sign-in, while the refresh token is valid. Use it when an API rejects a token the cache still holds.
   * Concurrent calls share one renewal.
   */
  refresh(): Promise<CognitoTokens>;
  /**
   * Forgets every token, the refresh token included, so the next call signs in with the password again.
   * Use it after changing the user's password or signing them out globally.
   */
  invalidate(): void;
}

/**
 * Creates a {@link TokenProvider}. Every option is checked here, before any I/O, and a bad one throws a
 * {@link CognitoTokenError} with code `ERR_CONFIGURATION` that names it. No AWS client is created until the
 * first token is requested.
 *
 * @example
 * ```ts
 * import { createTokenProvider } from 'cognito-token-provider';
 *
 * const tokens = createTokenProvider({
 *   clientId: process.env.CLIENT_ID!,
 *   credentials: { username: 'svc-orders', password: process.env.PASSWORD!, clientSecret: process.env.SECRET },
 * });
 *
 * export const handler = async () =>
 *   fetch('https://api.example.com/orders', { headers: { Authorization: await tokens.getIdToken() } });
 * ```
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  return new CognitoUserTokenProvider(options);
}

class CognitoUserTokenProvider implements TokenProvider {
  readonly #cache: ExpiringCache<Session>;

  constructor(options: TokenProviderOptions) {
    const resolved = resolveUserOptions(options);
    const { clientId, userPoolId, refresh, flow, refreshAheadSeconds, timeoutMs, logger } = resolved;
    const { load, isSource } = resolved.credentials;
    const renewer = new Renewer(refresh, flow);
    const signIn = new SignIn(flow, userPoolId);

    const shared =
      resolved.sharedCache === undefined
        ? undefined
        : new SharedSessions({ store: resolved.sharedCache, userPoolId, clientId, refreshAheadSeconds, logger });

    // Renews from the refresh token when there is one, otherwise (or when Cognito rejects it) signs in.
    const fromCognito = async (current: Session | undefined, deadline: Deadline): Promise<Session> => {
      const { client, retryPolicy, clientMetadata } = resolved;
      const context = { client, clientId, userPoolId, deadline, retryPolicy, logger, clientMetadata };
      if (current?.refreshToken) {
        const renewalStart = Date.now();
        const renewed = await renewer.renew(context, current);
        if (renewed) {
          logEvent(logger, 'cognito-token-provider: renewed', {
            method: renewer.method,
            durationMs: Date.now() - renewalStart,
          });
          return sessionFromResult(renewed, current.username, current.clientSecret, refreshAheadSeconds, current);
        }
      }
      const signInStart = Date.now();
      const { credentials, result } = await withCredentialsReload(
        isSource,
        (forceRefresh) => loadUserCredentials(load, deadline, forceRefresh),
        (loaded) => signIn.signIn(context, loaded),
        logger,
      );
      logEvent(logger, 'cognito-token-provider: signed in', { flow, durationMs: Date.now() - signInStart });
      return sessionFromResult(result, credentials.username, credentials.clientSecret, refreshAheadSeconds);
    };

    // One token operation, inside one timeoutMs budget. With a shared cache, Cognito is asked only on a miss
    // of the fleet's entry too, and by one instance at a time; the entry is keyed and sealed with the
    // credentials, so they are loaded first.
    const obtain = (current: Session | undefined, refused: boolean) =>
      withDeadline(timeoutMs, async (deadline) => {
        if (shared === undefined) return fromCognito(current, deadline);
        const credentials = await loadUserCredentials(load, deadline, false);
        return shared.obtain(credentials, current, refused, deadline.signal, deadline.remainingMs(), () =>
          fromCognito(current, deadline),
        );
      });
    this.#cache = new ExpiringCache(obtain, logger);
  }

  async getIdToken(): Promise<string> {
    return (this.#cache.fresh() ?? (await this.#cache.load())).idToken;
  }

  async getAccessToken(): Promise<string> {
    return (this.#cache.fresh() ?? (await this.#cache.load())).accessToken;
  }

  async getTokens(): Promise<CognitoTokens> {
    return tokensForCaller((this.#cache.fresh() ?? (await this.#cache.load())).tokens);
  }

  async refresh(): Promise<CognitoTokens> {
    return tokensForCaller((await this.#cache.load({ force: true })).tokens);
  }

  invalidate(): void {
    this.#cache.clear();
  }
}
