import { lazyCognitoClient } from './cognito-client.js';
import type { CognitoRequestContext } from './cognito-request.js';
import type { CognitoTokens } from './cognito-tokens.js';
import {
  type CredentialsSource,
  loadUserCredentials,
  toCredentialsSource,
  type UserCredentials,
  withCredentialsReload,
} from './credentials.js';
import { withDeadline } from './deadline.js';
import { configurationError } from './errors.js';
import { logEvent } from './logger.js';
import { Renewer, rotationCommand } from './renewal.js';
import { DEFAULT_RETRY_POLICY } from './retry.js';
import { type Session, sessionFromResult } from './session.js';
import { signInWithPassword } from './sign-in.js';
import { TokenCache } from './token-cache.js';
import {
  type RefreshMode,
  type ResolvedCommonOptions,
  resolveCommonOptions,
  type SignInFlow,
  type TokenProviderOptions,
} from './token-provider-options.js';

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

const REFRESH_MODES: readonly RefreshMode[] = ['auto', 'refresh-token-auth', 'get-tokens-from-refresh-token'];
const SIGN_IN_FLOWS: readonly SignInFlow[] = ['user-password', 'admin-user-password'];

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
  readonly #cache: TokenCache<Session>;

  constructor(options: TokenProviderOptions) {
    const common = resolveCommonOptions(options, options?.userPoolId);
    const { userPoolId } = options;
    const refresh = options.refresh ?? 'auto';
    const flow = options.flow ?? 'user-password';
    if (!REFRESH_MODES.includes(refresh)) {
      throw configurationError('refresh', `must be one of ${REFRESH_MODES.map((m) => `'${m}'`).join(', ')}`);
    }
    if (!SIGN_IN_FLOWS.includes(flow)) {
      throw configurationError('flow', `must be one of ${SIGN_IN_FLOWS.map((f) => `'${f}'`).join(', ')}`);
    }
    if (flow === 'admin-user-password' && userPoolId === undefined) {
      throw configurationError('userPoolId', "is required with flow 'admin-user-password'");
    }
    if (refresh === 'get-tokens-from-refresh-token' && rotationCommand() === undefined) {
      throw configurationError(
        'refresh',
        "is 'get-tokens-from-refresh-token' but the installed @aws-sdk/client-cognito-identity-provider has no " +
          "GetTokensFromRefreshTokenCommand: install a version from 2025-04 or later, or use 'refresh-token-auth'",
      );
    }
    const credentials = toCredentialsSource(options.credentials);
    const client = lazyCognitoClient(options.client, options.clientConfig, common.region);
    const renewer = new Renewer(refresh, flow);
    const obtain = (current: Session | undefined) =>
      obtainSession({ common, userPoolId, flow, client, renewer, credentials }, current);
    this.#cache = new TokenCache(obtain, common.logger);
  }

  async getIdToken(): Promise<string> {
    return (this.#cache.fresh() ?? (await this.#cache.load())).idToken;
  }

  async getAccessToken(): Promise<string> {
    return (this.#cache.fresh() ?? (await this.#cache.load())).accessToken;
  }

  async getTokens(): Promise<CognitoTokens> {
    return (this.#cache.fresh() ?? (await this.#cache.load())).tokens;
  }

  async refresh(): Promise<CognitoTokens> {
    return (await this.#cache.load({ force: true })).tokens;
  }

  invalidate(): void {
    this.#cache.clear();
  }
}

interface ProviderParts {
  readonly common: ResolvedCommonOptions;
  readonly userPoolId: string | undefined;
  readonly flow: SignInFlow;
  readonly client: CognitoRequestContext['client'];
  readonly renewer: Renewer;
  readonly credentials: { load: CredentialsSource; isSource: boolean };
}

/**
 * One token operation, inside one `timeoutMs` budget: renew from the refresh token when there is one,
 * otherwise (or when it is rejected) sign in with the password.
 */
function obtainSession(parts: ProviderParts, current: Session | undefined): Promise<Session> {
  const { common, userPoolId, client, renewer } = parts;
  return withDeadline(common.timeoutMs, async (deadline) => {
    const context: CognitoRequestContext = {
      client,
      clientId: common.clientId,
      userPoolId,
      deadline,
      retryPolicy: DEFAULT_RETRY_POLICY,
      logger: common.logger,
    };
    if (current?.refreshToken !== undefined) {
      const renewed = await renewer.renew(context, current);
      if (renewed !== undefined) {
        const session = sessionFromResult(renewed, {
          signInUsername: current.username,
          clientSecret: current.clientSecret,
          refreshAheadSeconds: common.refreshAheadSeconds,
          previous: current,
        });
        logEvent(common.logger, 'cognito-token-provider: renewed', { expiresAt: session.tokens.expiresAt });
        return session;
      }
    }
    return await signIn(parts, context);
  });
}

async function signIn(parts: ProviderParts, context: CognitoRequestContext): Promise<Session> {
  const { common, flow, credentials } = parts;
  const { credentials: loaded, result } = await withCredentialsReload(
    credentials.isSource,
    (forceRefresh) => loadUserCredentials(credentials.load, context.deadline, forceRefresh),
    (loadedCredentials) => signInWithPassword(context, flow, loadedCredentials),
    common.logger,
  );
  const session = sessionFromResult(result, sessionInputs(loaded, common));
  logEvent(common.logger, 'cognito-token-provider: signed in', { expiresAt: session.tokens.expiresAt });
  return session;
}

function sessionInputs(credentials: UserCredentials, common: ResolvedCommonOptions) {
  return {
    signInUsername: credentials.username,
    clientSecret: credentials.clientSecret,
    refreshAheadSeconds: common.refreshAheadSeconds,
  };
}
