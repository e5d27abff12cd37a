import type { Deadline } from '../core/deadline.js';
import { type UserCredentials, userCredentialsFrom } from '../credentials/credentials.js';
import { ProviderKernel } from '../provider/token-kernel.js';
import { resolveUserOptions, type TokenProviderOptions } from './options.js';
import { Renewer } from './renewal.js';
import type { CognitoTokens } from './session.js';
import { type Session, sessionFromResult, sessionSharing, tokensForCaller } from './session.js';
import { SignIn, type UserRequestContext } from './sign-in.js';

/**
 * Cognito User Pool tokens for one user, cached and renewed ahead of expiry. Create one per user at module
 * scope and call it on every request: cached calls cost about as much as a bare `await`.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type TokenProvider, type UserCredentials } from 'cognito-token-provider';
 *
 * declare const clientId: string;
 * declare const credentials: UserCredentials;
 * const tokens: TokenProvider = createTokenProvider({ clientId, credentials });
 * const response = await fetch('https://api.example.com/orders', {
 *   headers: { Authorization: await tokens.getIdToken() },
 * });
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
  readonly #kernel: ProviderKernel<Session, UserCredentials>;

  constructor(options: TokenProviderOptions) {
    const resolved = resolveUserOptions(options);
    const { clientId, userPoolId, refresh, flow, refreshAheadSeconds, client, retryPolicy, logger, clientMetadata } =
      resolved;
    const renewer = new Renewer(refresh, flow);
    const signIn = new SignIn(flow, userPoolId, { switchToSrpWhenRefused: resolved.flowDefaulted });
    const contextOf = (deadline: Deadline): UserRequestContext => ({
      client,
      clientId,
      userPoolId,
      deadline,
      retryPolicy,
      logger,
      clientMetadata,
    });
    this.#kernel = new ProviderKernel<Session, UserCredentials>(resolved, {
      checkCredentials: userCredentialsFrom,
      issue: async (credentials, deadline) =>
        sessionFromResult(
          await signIn.signIn(contextOf(deadline), credentials),
          credentials.username,
          credentials.clientSecret,
          refreshAheadSeconds,
        ),
      issued: () => ['cognito-token-provider: signed in', { flow: signIn.flow }],
      // Without a refresh token, or when Cognito rejects it, the kernel signs in again.
      renewal: {
        renew: async (current, deadline) => {
          if (!current.refreshToken) return undefined;
          const renewed = await renewer.renew(contextOf(deadline), current);
          return (
            renewed && sessionFromResult(renewed, current.username, current.clientSecret, refreshAheadSeconds, current)
          );
        },
        renewed: () => ['cognito-token-provider: renewed', { method: renewer.method }],
      },
      fleet: sessionSharing(userPoolId, refreshAheadSeconds),
    });
  }

  async getIdToken(): Promise<string> {
    return (this.#kernel.fresh() ?? (await this.#kernel.load())).idToken;
  }

  async getAccessToken(): Promise<string> {
    return (this.#kernel.fresh() ?? (await this.#kernel.load())).accessToken;
  }

  async getTokens(): Promise<CognitoTokens> {
    return tokensForCaller((this.#kernel.fresh() ?? (await this.#kernel.load())).tokens);
  }

  async refresh(): Promise<CognitoTokens> {
    return tokensForCaller((await this.#kernel.refresh()).tokens);
  }

  invalidate(): void {
    this.#kernel.invalidate();
  }
}
