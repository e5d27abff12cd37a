import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { lazyCognitoClient } from '../aws/cognito-request.js';
import { getTokensFromRefreshTokenCommand } from '../aws/optional-commands.js';
import { rejectUnknownOptions } from '../core/known-options.js';
import {
  CREDENTIAL_FIELDS,
  type CredentialsLoader,
  type CredentialsSource,
  credentialsLoaderOf,
  DEVICE_FIELDS,
  type UserCredentials,
} from '../credentials/credentials.js';
import { configurationError } from '../errors.js';
import {
  COMMON_OPTION_NAMES,
  type CognitoClientChoice,
  type CommonProviderOptions,
  type ResolvedCommonOptions,
  requireOneOf,
  resolveCommonOptions,
} from '../provider/options.js';

/**
 * How tokens are renewed once they near expiry.
 * - `'auto'`: REFRESH_TOKEN_AUTH, switching for good to GetTokensFromRefreshToken if Cognito refuses it
 *   (app clients with refresh-token rotation do).
 * - `'refresh-token-auth'`: InitiateAuth REFRESH_TOKEN_AUTH only; works with every SDK version.
 * - `'get-tokens-from-refresh-token'`: GetTokensFromRefreshToken only; required for rotation.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type RefreshMode, type UserCredentials } from 'cognito-token-provider';
 *
 * declare const clientId: string;
 * declare const credentials: UserCredentials;
 * // The app client rotates refresh tokens, so skip the REFRESH_TOKEN_AUTH attempt that 'auto' makes first.
 * const refresh: RefreshMode = 'get-tokens-from-refresh-token';
 * const tokens = createTokenProvider({ clientId, credentials, refresh });
 * ```
 */
export type RefreshMode = (typeof REFRESH_MODES)[number];

/**
 * Every {@link RefreshMode}, for option checks, the CLI and its help.
 *
 * @example
 * ```ts
 * import { REFRESH_MODES } from 'cognito-token-provider';
 * console.log(`refresh: one of ${REFRESH_MODES.join(', ')}`);
 * ```
 */
export const REFRESH_MODES = ['auto', 'refresh-token-auth', 'get-tokens-from-refresh-token'] as const;

/**
 * How the provider signs in with the password. Each needs its auth flow allowed on the app client.
 * - `'user-password'`: InitiateAuth USER_PASSWORD_AUTH (ALLOW_USER_PASSWORD_AUTH), unsigned: needs no AWS
 *   credentials. The password travels to Cognito over TLS.
 * - `'user-srp'`: InitiateAuth USER_SRP_AUTH, then the PASSWORD_VERIFIER challenge (ALLOW_USER_SRP_AUTH, on by
 *   default for app clients made without `ExplicitAuthFlows`): the password never leaves the process. Needs
 *   `userPoolId`.
 * - `'user-auth'`: InitiateAuth USER_AUTH, choice-based sign-in (ALLOW_USER_AUTH, Essentials tier and up),
 *   preferring PASSWORD_SRP when `userPoolId` is given and PASSWORD otherwise.
 * - `'admin-user-password'`: AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH (ALLOW_ADMIN_USER_PASSWORD_AUTH), signed
 *   with the caller's IAM credentials (`cognito-idp:AdminInitiateAuth`); needs `userPoolId`.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type SignInFlow, type UserCredentials } from 'cognito-token-provider';
 *
 * declare const clientId: string;
 * declare const credentials: UserCredentials;
 * const flow: SignInFlow = 'user-srp';
 * const tokens = createTokenProvider({ clientId, userPoolId: 'eu-west-1_AbC123', credentials, flow });
 * ```
 */
export type SignInFlow = (typeof SIGN_IN_FLOWS)[number];

/**
 * Every {@link SignInFlow}, for option checks, the CLI and its help.
 *
 * @example
 * ```ts
 * import { SIGN_IN_FLOWS } from 'cognito-token-provider';
 * console.log(`flow: one of ${SIGN_IN_FLOWS.join(', ')}`);
 * ```
 */
export const SIGN_IN_FLOWS = ['user-password', 'user-srp', 'user-auth', 'admin-user-password'] as const;

/**
 * Options of {@link createTokenProvider}.
 *
 * @example
 * ```ts
 * import type { TokenProviderOptions } from 'cognito-token-provider';
 * import { fromSsm } from 'cognito-token-provider/ssm';
 *
 * const options: TokenProviderOptions = {
 *   clientId: '4rtbp1kcm0example',
 *   userPoolId: 'eu-west-1_AbC123',
 *   credentials: fromSsm({ parameter: '/svc/orders/cognito' }),
 * };
 * ```
 */
export type TokenProviderOptions = CommonProviderOptions &
  CognitoClientChoice & {
    /** `{ username, password, clientSecret?, totpSecret?, device? }`, or a source such as `fromSsm()`. Required. */
    readonly credentials: UserCredentials | CredentialsSource;
    /** The user pool ID, for example `eu-west-1_AbC123`. Optional, but validated when given. */
    readonly userPoolId?: string | undefined;
    /** Renewal method. Default `'auto'`. */
    readonly refresh?: RefreshMode | undefined;
    /**
     * Sign-in method. Default `'user-password'`; left unset, a client that refuses USER_PASSWORD_AUTH (as app
     * clients made with the API's or CDK's defaults do) is signed in with `'user-srp'` instead when `userPoolId`
     * is given, remembered for the process, with a warning to set `flow`. A `flow` that is set never switches.
     */
    readonly flow?: SignInFlow | undefined;
  };

const USER_OPTION_NAMES = [...COMMON_OPTION_NAMES, 'credentials', 'userPoolId', 'refresh', 'flow'];

/** The checked and defaulted form of {@link TokenProviderOptions}. */
export interface ResolvedUserOptions extends ResolvedCommonOptions {
  readonly userPoolId: string | undefined;
  readonly refresh: RefreshMode;
  readonly flow: SignInFlow;
  /** `true` when the caller left `flow` unset: the default may then switch to `'user-srp'`. */
  readonly flowDefaulted: boolean;
  readonly credentials: CredentialsLoader;
  /** The SDK client, built on first use. */
  readonly client: () => CognitoIdentityProviderClient;
}

/** Validates every option of {@link createTokenProvider} before any I/O; each message names the option. */
export function resolveUserOptions(options: TokenProviderOptions): ResolvedUserOptions {
  rejectUnknownOptions(options, USER_OPTION_NAMES, 'createTokenProvider', {
    // A password given beside clientId rather than inside credentials: point at where it belongs.
    alsoSuggest: CREDENTIAL_FIELDS.map((name) => `credentials.${name}`),
  });
  const given = (options as Partial<TokenProviderOptions> | null | undefined)?.credentials;
  if (typeof given !== 'function') {
    rejectUnknownOptions(given, [...CREDENTIAL_FIELDS, 'device'], 'createTokenProvider', { prefix: 'credentials.' });
    rejectUnknownOptions(given?.device, DEVICE_FIELDS, 'createTokenProvider', { prefix: 'credentials.device.' });
  }
  const common = resolveCommonOptions(options, options?.userPoolId);
  const { userPoolId, refresh = 'auto', flow = 'user-password' } = options;
  requireOneOf('refresh', refresh, REFRESH_MODES);
  requireOneOf('flow', flow, SIGN_IN_FLOWS);
  if ((flow === 'admin-user-password' || flow === 'user-srp') && !userPoolId) {
    throw configurationError('userPoolId', `is required with flow '${flow}'`);
  }
  if (refresh === 'get-tokens-from-refresh-token' && !getTokensFromRefreshTokenCommand()) {
    throw configurationError(
      'refresh',
      'needs GetTokensFromRefreshTokenCommand: install @aws-sdk/client-cognito-identity-provider 3.794.0 or later',
    );
  }
  const { sharedCache } = common;
  if (
    sharedCache !== undefined &&
    typeof given === 'object' &&
    !given.clientSecret &&
    sharedCache.encryptionKey?.() === undefined
  ) {
    // A public client leaves only the password to seal the fleet's entries with: a reader of the store could
    // guess at it offline, past Cognito's lockout. (With a credentials source, the first read checks this.)
    throw configurationError(
      'sharedCache',
      'needs an explicit encryptionKey (32 random bytes, kept in SSM or Secrets Manager) for an app client ' +
        'without a secret: without one, entries would be sealed with a key derived from the password alone',
    );
  }
  return {
    ...common,
    userPoolId,
    refresh,
    flow,
    flowDefaulted: options.flow === undefined,
    credentials: credentialsLoaderOf(options.credentials),
    client: lazyCognitoClient(options.client, options.clientConfig, common.region),
  };
}
