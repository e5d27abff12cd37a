import type {
  CognitoIdentityProviderClient,
  CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';
import type { CredentialsSource, UserCredentials } from './credentials.js';
import { configurationError } from './errors.js';
import type { TokenProviderLogger } from './logger.js';
import { regionOfUserPoolId } from './user-pool-id.js';

/**
 * How tokens are renewed once they near expiry.
 * - `'auto'`: REFRESH_TOKEN_AUTH, switching for good to GetTokensFromRefreshToken if Cognito refuses it
 *   (app clients with refresh-token rotation do).
 * - `'refresh-token-auth'`: InitiateAuth REFRESH_TOKEN_AUTH only; works with every SDK version.
 * - `'get-tokens-from-refresh-token'`: GetTokensFromRefreshToken only; required for rotation.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type RefreshMode } from 'cognito-token-provider';
 * // The app client rotates refresh tokens, so skip the REFRESH_TOKEN_AUTH attempt that 'auto' makes first.
 * const refresh: RefreshMode = 'get-tokens-from-refresh-token';
 * const tokens = createTokenProvider({ clientId, credentials, refresh });
 * ```
 */
export type RefreshMode = 'auto' | 'refresh-token-auth' | 'get-tokens-from-refresh-token';

/**
 * How the provider signs in with the password.
 * - `'user-password'`: InitiateAuth USER_PASSWORD_AUTH, unsigned: needs no AWS credentials or IAM permission.
 * - `'admin-user-password'`: AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH, signed with the caller's IAM
 *   credentials (`cognito-idp:AdminInitiateAuth`); needs `userPoolId`.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type SignInFlow } from 'cognito-token-provider';
 * const flow: SignInFlow = 'admin-user-password';
 * const tokens = createTokenProvider({ clientId, userPoolId: 'eu-west-1_AbC123', credentials, flow });
 * ```
 */
export type SignInFlow = 'user-password' | 'admin-user-password';

/**
 * Settings shared by every provider in the package.
 *
 * @example
 * ```ts
 * import { type CommonProviderOptions, createTokenProvider, fromSsm } from 'cognito-token-provider';
 * const common: CommonProviderOptions = {
 *   clientId: '4rtbp1kcm0example',
 *   region: 'eu-west-1',
 *   refreshAheadSeconds: 600,
 *   timeoutMs: 5_000,
 * };
 * const tokens = createTokenProvider({ ...common, credentials: fromSsm({ parameter: '/svc/orders/cognito' }) });
 * ```
 */
export interface CommonProviderOptions {
  /** The app client ID. Required. */
  readonly clientId: string;
  /** AWS Region of the user pool. Default: the prefix of `userPoolId`, then the SDK's usual resolution. */
  readonly region?: string;
  /**
   * Seconds before expiry at which tokens are renewed. Default 300. Never later than half a token's
   * lifetime, so short-lived tokens still renew ahead.
   */
  readonly refreshAheadSeconds?: number;
  /** Upper bound in milliseconds on one `get*` call, retries and back-off included. Default 10000. */
  readonly timeoutMs?: number;
  /** Receives debug events, never secrets. Default: none. */
  readonly logger?: TokenProviderLogger;
}

/**
 * Either your own SDK client, or the config for the one the provider creates on first use. With neither, the
 * provider creates a client with the SDK's defaults and its own retry policy.
 *
 * @example
 * ```ts
 * import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
 * import type { CognitoClientChoice } from 'cognito-token-provider';
 * const shared: CognitoClientChoice = { client: new CognitoIdentityProviderClient({ region: 'eu-west-1' }) };
 * const emulator: CognitoClientChoice = { clientConfig: { endpoint: 'http://127.0.0.1:9229', region: 'eu-west-1' } };
 * ```
 */
export type CognitoClientChoice =
  | {
      /** An SDK client to reuse. Its own retry settings then add to the provider's. */
      readonly client: CognitoIdentityProviderClient;
      readonly clientConfig?: never;
    }
  | {
      readonly client?: never;
      /** Config for the client the provider creates, for example `{ endpoint }` for a local emulator. */
      readonly clientConfig?: CognitoIdentityProviderClientConfig;
    };

/**
 * Options of {@link createTokenProvider}.
 *
 * @example
 * ```ts
 * const options: TokenProviderOptions = {
 *   clientId: '4rtbp1kcm0example',
 *   userPoolId: 'eu-west-1_AbC123',
 *   credentials: fromSsm({ parameter: '/svc/orders/cognito' }),
 * };
 * ```
 */
export type TokenProviderOptions = CommonProviderOptions &
  CognitoClientChoice & {
    /** `{ username, password, clientSecret? }`, or a source such as `fromSsm()`. Required. */
    readonly credentials: UserCredentials | CredentialsSource;
    /** The user pool ID, for example `eu-west-1_AbC123`. Optional, but validated when given. */
    readonly userPoolId?: string;
    /** Renewal method. Default `'auto'`. */
    readonly refresh?: RefreshMode;
    /** Sign-in method. Default `'user-password'`. */
    readonly flow?: SignInFlow;
  };

export const DEFAULT_REFRESH_AHEAD_SECONDS = 300;
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The checked and defaulted form of {@link CommonProviderOptions}. */
export interface ResolvedCommonOptions {
  readonly clientId: string;
  readonly region: string | undefined;
  readonly refreshAheadSeconds: number;
  readonly timeoutMs: number;
  readonly logger: TokenProviderLogger | undefined;
}

/** Throws ERR_CONFIGURATION naming `option` unless `value` is one of `allowed`. */
export function requireOneOf(option: string, value: unknown, allowed: readonly string[]): void {
  if (!allowed.includes(value as string)) throw configurationError(option, `must be one of '${allowed.join("', '")}'`);
}

const isPositiveNumber = (value: unknown, orZero = false) =>
  typeof value === 'number' && Number.isFinite(value) && (value > 0 || (orZero && value === 0));

/** Validates the options every provider shares; each message names the option. */
export function resolveCommonOptions(
  options: CommonProviderOptions & { readonly client?: unknown; readonly clientConfig?: unknown },
  userPoolId?: string,
): ResolvedCommonOptions {
  if (typeof options !== 'object' || options === null) throw configurationError('options', 'must be an object');
  const { clientId, region, refreshAheadSeconds, timeoutMs, logger, client, clientConfig } = options;
  const check = (option: string, ok: unknown, problem: string) => {
    if (!ok) throw configurationError(option, problem);
  };
  check('clientId', typeof clientId === 'string' && clientId.trim(), 'must be a non-empty string');
  check(
    'region',
    region === undefined || (typeof region === 'string' && /^[a-z]{2,4}(-[a-z]+)+-\d+$/.test(region)),
    'must be a Region such as "eu-west-1"',
  );
  const poolRegion = userPoolId === undefined ? undefined : regionOfUserPoolId(userPoolId);
  check('region', !region || !poolRegion || region === poolRegion, `must match "userPoolId" (${poolRegion})`);
  check(
    'refreshAheadSeconds',
    refreshAheadSeconds === undefined || isPositiveNumber(refreshAheadSeconds, true),
    'must be a non-negative number',
  );
  // Timers clamp delays above 2^31 - 1 ms to 1 ms, which would time every call out at once.
  check(
    'timeoutMs',
    timeoutMs === undefined || (isPositiveNumber(timeoutMs) && timeoutMs <= 2_147_483_647),
    'must be a positive number of milliseconds, at most 2147483647',
  );
  check('logger', logger === undefined || typeof logger?.debug === 'function', 'must have a debug() method');
  check('client', client === undefined || clientConfig === undefined, 'and "clientConfig" are mutually exclusive');
  check(
    'client',
    client === undefined || typeof (client as { send?: unknown })?.send === 'function',
    'must be an AWS SDK v3 client',
  );
  check('region', client === undefined || region === undefined, 'cannot be combined with "client"');
  check(
    'clientConfig',
    clientConfig === undefined || (typeof clientConfig === 'object' && clientConfig),
    'must be an object',
  );
  return {
    clientId,
    region: region ?? poolRegion,
    refreshAheadSeconds: refreshAheadSeconds ?? DEFAULT_REFRESH_AHEAD_SECONDS,
    timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS,
    logger,
  };
}
