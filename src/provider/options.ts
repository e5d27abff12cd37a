import type {
  CognitoIdentityProviderClient,
  CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';
import { DEFAULT_RETRY_POLICY, RETRY_POLICY_OPTION, type RetryPolicy } from '../core/deadline.js';
import { isJsonObject } from '../core/json-object.js';
import type { TokenProviderLogger } from '../core/logger.js';
import { tokenStoreShapeProblem } from '../core/token-store-shape.js';
import { regionOfUserPoolId } from '../core/user-pool-id.js';
import { configurationError } from '../errors.js';
import type { SharedTokenStore } from '../fleet/share-token-store.js';

/**
 * Settings shared by every provider in the package. The Region goes with the client choice
 * ({@link CognitoClientChoice}): a client of your own has its Region already.
 *
 * @example
 * ```ts
 * import { type CommonProviderOptions, createTokenProvider } from 'cognito-token-provider';
 * import { fromSsm } from 'cognito-token-provider/ssm';
 * const common: CommonProviderOptions = {
 *   clientId: '4rtbp1kcm0example',
 *   refreshAheadSeconds: 600,
 *   timeoutMs: 5_000,
 * };
 * const tokens = createTokenProvider({ ...common, credentials: fromSsm({ parameter: '/svc/orders/cognito' }) });
 * ```
 */
export interface CommonProviderOptions {
  /** The app client ID. Required. */
  readonly clientId: string;
  /**
   * Seconds before expiry at which tokens are renewed. Default 300. Never later than half a token's
   * lifetime, so short-lived tokens still renew ahead.
   */
  readonly refreshAheadSeconds?: number | undefined;
  /** Upper bound in milliseconds on one `get*` call, retries and back-off included. Default 10000. */
  readonly timeoutMs?: number | undefined;
  /** Receives debug events, never secrets. Default: none. */
  readonly logger?: TokenProviderLogger | undefined;
  /**
   * A store the instances of a fleet share tokens through, so that they sign in (or request an M2M token) once
   * between them rather than once each: `dynamoDbTokenStore()` from `cognito-token-provider/dynamodb`,
   * `redisTokenStore()` from `cognito-token-provider/redis`, or your own {@link TokenStore} through `shareTokenStore()`. The in-process
   * cache stays in front: cached calls do no store I/O. Entries are encrypted with a key derived from the
   * credentials and hold no refresh token, password or secret. A failing store never fails a call. Default:
   * none.
   */
  readonly sharedCache?: SharedTokenStore | undefined;
  /**
   * Forwarded as `ClientMetadata` to every Cognito call that takes it (InitiateAuth, RespondToAuthChallenge,
   * GetTokensFromRefreshToken, GetClientToken) and as `aws_client_metadata` to the OAuth2 token endpoint, for
   * the user pool's Lambda triggers: a pre-token-generation trigger that customises tokens is the usual reader.
   * Default: none.
   */
  readonly clientMetadata?: Readonly<Record<string, string>> | undefined;
}

/**
 * Either your own SDK client, or the Region and config for the one the provider creates on first use. With
 * none of them, the provider creates a client with the SDK's defaults and its own retry policy. `client` takes
 * neither `region` nor `clientConfig`: your client has its own.
 *
 * @example
 * ```ts
 * import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
 * import type { CognitoClientChoice } from 'cognito-token-provider';
 * const shared: CognitoClientChoice = { client: new CognitoIdentityProviderClient({ region: 'eu-west-1' }) };
 * const inRegion: CognitoClientChoice = { region: 'eu-west-1' };
 * const emulator: CognitoClientChoice = { clientConfig: { endpoint: 'http://127.0.0.1:9229', region: 'eu-west-1' } };
 * ```
 */
export type CognitoClientChoice =
  | {
      /** An SDK client to reuse. Its own retry settings then add to the provider's. */
      readonly client: CognitoIdentityProviderClient;
      /** Not with `client`: configure your client instead. */
      readonly clientConfig?: never;
      /** Not with `client`: your client has its Region. */
      readonly region?: never;
    }
  | {
      /** Not with `clientConfig` or `region`. */
      readonly client?: never;
      /** Config for the client the provider creates, for example `{ endpoint }` for a local emulator. */
      readonly clientConfig?: CognitoIdentityProviderClientConfig | undefined;
      /** AWS Region of the user pool. Default: the prefix of `userPoolId`, then the SDK's usual resolution. */
      readonly region?: string | undefined;
    };

/** The options every provider accepts, the client choice's included; each factory adds its own. */
export const COMMON_OPTION_NAMES = [
  'clientId',
  'region',
  'refreshAheadSeconds',
  'timeoutMs',
  'logger',
  'sharedCache',
  'clientMetadata',
  'client',
  'clientConfig',
] as const;

const DEFAULT_REFRESH_AHEAD_SECONDS = 300;
const DEFAULT_TIMEOUT_MS = 10_000;

/** The checked and defaulted form of {@link CommonProviderOptions}. */
export interface ResolvedCommonOptions {
  readonly clientId: string;
  readonly region: string | undefined;
  readonly refreshAheadSeconds: number;
  readonly timeoutMs: number;
  readonly logger: TokenProviderLogger | undefined;
  readonly sharedCache: SharedTokenStore | undefined;
  readonly clientMetadata: Readonly<Record<string, string>> | undefined;
  /** {@link DEFAULT_RETRY_POLICY}, unless a test replaced it (see {@link RETRY_POLICY_OPTION}). */
  readonly retryPolicy: RetryPolicy;
}

/** Throws ERR_CONFIGURATION naming `option` unless `value` is one of `allowed`. */
export function requireOneOf(option: string, value: unknown, allowed: readonly string[]): void {
  if (!allowed.includes(value as string)) throw configurationError(option, `must be one of '${allowed.join("', '")}'`);
}

const isPositiveNumber = (value: unknown, orZero = false) =>
  typeof value === 'number' && Number.isFinite(value) && (value > 0 || (orZero && value === 0));

/** Validates the options every provider shares; each message names the option. */
export function resolveCommonOptions(
  options: CommonProviderOptions & {
    readonly client?: unknown;
    readonly clientConfig?: unknown;
    readonly region?: string | undefined;
  },
  userPoolId?: string,
): ResolvedCommonOptions {
  if (typeof options !== 'object' || options === null) throw configurationError('options', 'must be an object');
  const { clientId, region, refreshAheadSeconds, timeoutMs, logger, client, clientConfig, sharedCache } = options;
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
  if (sharedCache !== undefined) {
    // What it lacks first (a Redis or DynamoDB client is pointed to its store); then whether it came wrapped.
    const problem =
      tokenStoreShapeProblem(sharedCache) ??
      (typeof (sharedCache as Partial<SharedTokenStore>).shareValues === 'function'
        ? undefined
        : 'must be a store from dynamoDbTokenStore() or redisTokenStore(), or shareTokenStore(yourStore)');
    if (problem !== undefined) throw configurationError('sharedCache', problem);
  }
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
    sharedCache,
    clientMetadata: resolveClientMetadata(options.clientMetadata),
    retryPolicy: (options as { [RETRY_POLICY_OPTION]?: RetryPolicy })[RETRY_POLICY_OPTION] ?? DEFAULT_RETRY_POLICY,
  };
}

/** A frozen copy: Cognito takes string values only, and a later change to the caller's object must not leak in. */
function resolveClientMetadata(metadata: unknown): Readonly<Record<string, string>> | undefined {
  if (metadata === undefined) return undefined;
  const entries = isJsonObject(metadata) ? Object.entries(metadata) : undefined;
  if (entries === undefined || !entries.every(([, value]) => typeof value === 'string')) {
    throw configurationError('clientMetadata', 'must be an object whose values are strings');
  }
  return Object.freeze(Object.fromEntries(entries as [string, string][]));
}
