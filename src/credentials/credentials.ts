import type { Deadline } from '../core/deadline.js';
import { errorName } from '../core/failure.js';
import { logEvent, type TokenProviderLogger } from '../core/logger.js';
import { describeCause } from '../core/redaction.js';
import { CognitoTokenError, configurationError } from '../errors.js';

/**
 * What a credentials source resolves to. Which fields are required depends on the consumer: a user sign-in
 * needs `username` and `password`, a machine-to-machine client only `clientSecret`.
 *
 * @example
 * ```ts
 * import type { CognitoCredentials } from 'cognito-token-provider';
 * const credentials: CognitoCredentials = { username: 'svc-orders', password, clientSecret };
 * ```
 */
export interface CognitoCredentials {
  readonly username?: string;
  readonly password?: string;
  /** The app client's secret; give it exactly when the app client has one. */
  readonly clientSecret?: string;
}

/**
 * Static credentials for a user sign-in.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type UserCredentials } from 'cognito-token-provider';
 * const credentials: UserCredentials = { username: 'svc-orders', password: process.env.PASSWORD! };
 * const tokens = createTokenProvider({ clientId, credentials });
 * ```
 */
export interface UserCredentials extends CognitoCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Loads credentials on demand, for example from SSM Parameter Store (`fromSsm`). Called with
 * `forceRefresh: true` after Cognito rejects a sign-in, so a rotated password is picked up without a restart;
 * a source that caches must then bypass its cache.
 *
 * @example
 * ```ts
 * import type { CredentialsSource } from 'cognito-token-provider';
 * const fromEnv: CredentialsSource = async () => ({
 *   username: process.env.COGNITO_USERNAME,
 *   password: process.env.COGNITO_PASSWORD,
 * });
 * ```
 */
export type CredentialsSource = (options?: { forceRefresh?: boolean }) => Promise<CognitoCredentials>;

/**
 * A provider's `credentials` (or, for client tokens, `clientSecret`) option, checked at construction: a
 * fixed value behind a function, or the user's source, to be read per operation.
 */
export interface CredentialsLoader {
  readonly load: CredentialsSource;
  /** Whether the credentials can change between loads (a source), so rejected ones are worth reloading. */
  readonly isSource: boolean;
}

/** Validates the `credentials` option at construction and turns it into a source of either kind. */
export function toCredentialsSource(credentials: UserCredentials | CredentialsSource | undefined): CredentialsLoader {
  if (typeof credentials === 'function') return { load: credentials, isSource: true };
  if (typeof credentials !== 'object' || credentials === null) {
    throw configurationError(
      'credentials',
      'is required: give { username, password, clientSecret? } or a credentials source such as fromSsm()',
    );
  }
  const checked = requireUserFields(credentials, (field, problem) =>
    configurationError(`credentials.${field}`, problem),
  );
  // Frozen copy: later mutation of the caller's object must not change who we sign in as.
  const fixed = Object.freeze({ ...checked });
  return { load: () => Promise.resolve(fixed), isSource: false };
}

/**
 * Calls a source inside the operation's time budget and checks what it returned. Every failure becomes
 * `ERR_CREDENTIALS`, and no message ever quotes a value.
 */
export async function loadUserCredentials(
  load: CredentialsSource,
  deadline: Deadline,
  forceRefresh: boolean,
): Promise<UserCredentials> {
  const loaded = await callCredentialsSource(load, deadline, forceRefresh);
  return requireUserFields(
    loaded,
    (field, problem) => new CognitoTokenError('ERR_CREDENTIALS', `The credentials source's "${field}" ${problem}`),
  );
}

/**
 * Calls a source inside the operation's time budget and checks that it returned an object; which fields it
 * must hold is the caller's to check. Every failure becomes `ERR_CREDENTIALS`, and no message quotes a value.
 */
export async function callCredentialsSource(
  load: CredentialsSource,
  deadline: Deadline,
  forceRefresh: boolean,
): Promise<CognitoCredentials> {
  let fields: CognitoCredentials | undefined;
  try {
    const loaded: unknown = await deadline.race(
      Promise.resolve().then(() => load(forceRefresh ? { forceRefresh } : undefined)),
    );
    if (typeof loaded === 'object' && loaded !== null) {
      // Read inside the try: a getter on the returned object that throws is the source failing.
      const { username, password, clientSecret } = loaded as CognitoCredentials;
      fields = { username, password, clientSecret };
    }
  } catch (error) {
    if (error instanceof CognitoTokenError) throw error;
    throw new CognitoTokenError('ERR_CREDENTIALS', `The credentials source failed: ${describeCause(error, [])}`, {
      cause: error,
    });
  }
  if (fields === undefined) {
    throw new CognitoTokenError('ERR_CREDENTIALS', 'The credentials source returned no credentials object');
  }
  return fields;
}

/**
 * Runs `use` with credentials from `load`. When Cognito rejects them (`ERR_AUTHENTICATION`) and they come from
 * a source, the secret may have been rotated where the source reads it from: reload once, bypassing the
 * source's cache, and try again. Static credentials cannot change, so there is nothing to retry.
 */
export async function withCredentialsReload<C, T>(
  isSource: boolean,
  load: (forceRefresh: boolean) => Promise<C>,
  use: (credentials: C) => Promise<T>,
  logger: TokenProviderLogger | undefined,
): Promise<{ credentials: C; result: T }> {
  const credentials = await load(false);
  try {
    return { credentials, result: await use(credentials) };
  } catch (error) {
    if (!isSource || !(error instanceof CognitoTokenError) || error.code !== 'ERR_AUTHENTICATION') throw error;
    logEvent(logger, 'cognito-token-provider: sign-in rejected, reloading credentials', {
      error: errorName(error.cause),
    });
    const reloaded = await load(true);
    return { credentials: reloaded, result: await use(reloaded) };
  }
}

function requireUserFields(
  credentials: CognitoCredentials,
  fail: (field: string, problem: string) => CognitoTokenError,
): UserCredentials {
  const { username, password, clientSecret } = credentials;
  if (typeof username !== 'string' || username === '') throw fail('username', 'must be a non-empty string');
  if (typeof password !== 'string' || password === '') throw fail('password', 'must be a non-empty string');
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    throw fail('clientSecret', 'must be a non-empty string when given');
  }
  return clientSecret === undefined ? { username, password } : { username, password, clientSecret };
}
