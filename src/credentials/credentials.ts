import type { Deadline } from '../core/deadline.js';
import { errorName } from '../core/failure.js';
import { logEvent, type TokenProviderLogger } from '../core/logger.js';
import { CognitoTokenError, configurationError } from '../errors.js';

/** The fields a credentials source may return, in the order messages and options list them. */
export const CREDENTIAL_FIELDS = ['username', 'password', 'clientSecret', 'totpSecret'] as const;

/** One of {@link CREDENTIAL_FIELDS}. */
export type CredentialField = (typeof CREDENTIAL_FIELDS)[number];

/** The credential fields quoted for a message: `"username", "password", "clientSecret" or "totpSecret"`. */
export function quotedFields(conjunction: 'and' | 'or'): string {
  const quoted = CREDENTIAL_FIELDS.map((field) => `"${field}"`);
  return `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted.at(-1)}`;
}

/**
 * What a credentials source resolves to. Which fields are required depends on the consumer: a user sign-in
 * needs `username` and `password`, a machine-to-machine client only `clientSecret`.
 *
 * @example
 * ```ts
 * import type { CognitoCredentials } from 'cognito-token-provider';
 * declare const password: string;
 * declare const clientSecret: string;
 * const credentials: CognitoCredentials = { username: 'svc-orders', password, clientSecret };
 * ```
 */
export interface CognitoCredentials {
  /** The Cognito username (or an email or phone alias). Required for a user sign-in. */
  readonly username?: string | undefined;
  /** The user's password. Required for a user sign-in. */
  readonly password?: string | undefined;
  /** The app client's secret; give it exactly when the app client has one. */
  readonly clientSecret?: string | undefined;
  /**
   * The base32 TOTP secret that AssociateSoftwareToken returned, for a user with TOTP MFA: the provider answers
   * SOFTWARE_TOKEN_MFA with its codes. A secret as much as the password.
   */
  readonly totpSecret?: string | undefined;
  /**
   * A device remembered for this user, in a user pool that tracks devices: the provider signs in as that device
   * (USER_SRP_AUTH with `DEVICE_KEY`, then device SRP), so no new device is registered per instance, and MFA is
   * skipped where the pool lets remembered devices suppress it. `cognito-token device remember` creates one. Its
   * password is a secret as much as the user's.
   */
  readonly device?: RememberedDevice | undefined;
}

/**
 * A device Cognito remembers for a user: the `DeviceKey` and `DeviceGroupKey` of its NewDeviceMetadata, and the
 * random device password whose verifier was given to ConfirmDevice. All three or none.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type RememberedDevice } from 'cognito-token-provider';
 * declare const remembered: { deviceKey: string; deviceGroupKey: string; devicePassword: string };
 * const device: RememberedDevice = {
 *   key: remembered.deviceKey,
 *   groupKey: remembered.deviceGroupKey,
 *   password: remembered.devicePassword,
 * };
 * const tokens = createTokenProvider({
 *   clientId: '4rtbp1kcm0example',
 *   userPoolId: 'eu-west-1_AbC123',
 *   flow: 'user-srp',
 *   credentials: { username: 'svc-orders', password: process.env.PASSWORD!, device },
 * });
 * ```
 */
export interface RememberedDevice {
  /** The device key, `<region>_<uuid>`. */
  readonly key: string;
  /** The device group key: the user's, from the same NewDeviceMetadata. */
  readonly groupKey: string;
  /** The device password, a secret. */
  readonly password: string;
}

/** The fields of {@link RememberedDevice}, in the order they are checked. */
export const DEVICE_FIELDS = ['key', 'groupKey', 'password'] as const;

/**
 * Static credentials for a user sign-in.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type UserCredentials } from 'cognito-token-provider';
 * declare const clientId: string;
 * const credentials: UserCredentials = { username: 'svc-orders', password: process.env.PASSWORD! };
 * const tokens = createTokenProvider({ clientId, credentials });
 * ```
 */
export interface UserCredentials extends CognitoCredentials {
  /** The Cognito username (or an email or phone alias). */
  readonly username: string;
  /** The user's password. */
  readonly password: string;
  /** A device remembered earlier in a user pool with device tracking. Secrets as much as the password. */
  readonly device?:
    | {
        /** The `DeviceKey` Cognito gave the device. */
        readonly key: string;
        /** The device's `DeviceGroupKey`. */
        readonly groupKey: string;
        /** The random password the device's verifier was made from. */
        readonly password: string;
      }
    | undefined;
}

/**
 * What a {@link CredentialsSource} is called with.
 *
 * @example
 * ```ts
 * import type { CredentialsSource } from 'cognito-token-provider';
 * const options: Parameters<CredentialsSource>[0] = { forceRefresh: true, signal: AbortSignal.timeout(1_000) };
 * ```
 */
export interface CredentialsSourceOptions {
  /** Set after Cognito rejected the credentials: a source that caches must bypass its cache. */
  readonly forceRefresh?: boolean | undefined;
  /**
   * Aborted when the token operation that asked runs out of time (`timeoutMs`). A source should then stop its
   * work, its requests and timers included, and reject: nobody waits for its answer any more, and anything it
   * leaves running keeps a script or a Lambda's event loop alive. Hand it to `fetch` or an SDK client's `send`.
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Loads credentials on demand, for example from SSM Parameter Store (`fromSsm`). Called with
 * `forceRefresh: true` after Cognito rejects a sign-in, so a rotated password is picked up without a restart;
 * a source that caches must then bypass its cache. Called with the `signal` of the token operation that asked:
 * stop when it aborts.
 *
 * A source's own errors are kept as the `cause` of the `ERR_CREDENTIALS` error the provider throws, and only
 * their `name` is quoted in its message: print the cause yourself if its message is safe to show.
 *
 * @example
 * ```ts
 * import type { CognitoCredentials, CredentialsSource } from 'cognito-token-provider';
 * const fromEnv: CredentialsSource = async () => ({
 *   username: process.env.COGNITO_USERNAME,
 *   password: process.env.COGNITO_PASSWORD,
 * });
 * const fromVault: CredentialsSource = async ({ signal } = {}) => {
 *   const response = await fetch('https://vault.internal/v1/cognito', { signal: signal ?? null });
 *   return (await response.json()) as CognitoCredentials;
 * };
 * ```
 */
export type CredentialsSource = (options?: CredentialsSourceOptions) => Promise<CognitoCredentials>;

/**
 * A provider's `credentials` (or, for client tokens, `clientSecret`) option, checked at construction: a
 * fixed value behind a function, or the user's source, to be read per operation.
 */
export interface CredentialsLoader {
  readonly load: CredentialsSource;
  /** Whether the credentials can change between loads (a source), so rejected ones are worth reloading. */
  readonly isSource: boolean;
}

/** Validates the `credentials` option at construction and turns it into a loader of either kind. */
export function credentialsLoaderOf(credentials: UserCredentials | CredentialsSource | undefined): CredentialsLoader {
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
 * The user credentials in what a source returned, checked: every problem is `ERR_CREDENTIALS` naming the
 * field, and no message ever quotes a value.
 */
export function userCredentialsFrom(loaded: CognitoCredentials): UserCredentials {
  return requireUserFields(
    loaded,
    (field, problem) => new CognitoTokenError('ERR_CREDENTIALS', `The credentials source's "${field}" ${problem}`),
  );
}

/**
 * Calls a source inside the operation's time budget, with the budget's abort signal, and checks that it returned
 * an object; which fields it must hold is the caller's to check. Every failure becomes `ERR_CREDENTIALS`, and no
 * message quotes a value: a source's own error is named, not quoted (its message is the source's, and may hold
 * anything, a vault token included), and kept as the `cause`.
 */
export async function callCredentialsSource(
  load: CredentialsSource,
  deadline: Deadline,
  forceRefresh: boolean,
): Promise<CognitoCredentials> {
  let fields: CognitoCredentials | undefined;
  const signal = deadline.signal;
  const work = Promise.resolve().then(() => load(forceRefresh ? { forceRefresh, signal } : { signal }));
  try {
    const loaded: unknown = await deadline.race(work);
    if (typeof loaded === 'object' && loaded !== null) {
      // Read inside the try: a getter on the returned object that throws is the source failing.
      const source = loaded as CognitoCredentials;
      fields = {
        ...(Object.fromEntries(CREDENTIAL_FIELDS.map((field) => [field, source[field]])) as CognitoCredentials),
        device: source.device,
      };
    }
  } catch (error) {
    if (error instanceof CognitoTokenError) throw error;
    if (deadline.expired) throw await outOfTime(work, deadline, error);
    throw new CognitoTokenError('ERR_CREDENTIALS', `The credentials source failed (${errorName(error)})`, {
      cause: error,
    });
  }
  if (fields === undefined) {
    throw new CognitoTokenError('ERR_CREDENTIALS', 'The credentials source returned no credentials object');
  }
  return fields;
}

/**
 * The failure of a source the deadline cut off. A source that honours the signal (fromSsm) rejects at once with
 * an error naming what it was waiting for, but the deadline's own rejection wins the race by a few microtasks;
 * the source's is given a bounded number of microtask turns (no timer: nothing may outlive the operation) to
 * arrive, and preferred.
 */
async function outOfTime(work: Promise<unknown>, deadline: Deadline, timeout: unknown): Promise<CognitoTokenError> {
  let settled: { error: unknown } | undefined;
  work.then(
    () => undefined,
    (error: unknown) => {
      settled = { error };
    },
  );
  for (let turn = 0; turn < SOURCE_ABORT_TURNS && settled === undefined; turn++) await undefined;
  if (settled?.error instanceof CognitoTokenError) return settled.error;
  return new CognitoTokenError(
    'ERR_CREDENTIALS',
    `The credentials source did not answer in time (timed out after ${deadline.timeoutMs} ms)`,
    { cause: timeout },
  );
}

// Enough for a rejection to travel through a few async layers (a cache, a retry loop, our own wrappers).
const SOURCE_ABORT_TURNS = 64;

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
  const { username, password, clientSecret, totpSecret, device } = credentials;
  if (typeof username !== 'string' || username === '') throw fail('username', 'must be a non-empty string');
  if (typeof password !== 'string' || password === '') throw fail('password', 'must be a non-empty string');
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    throw fail('clientSecret', 'must be a non-empty string when given');
  }
  // Base32 with optional spaces and padding, the way authenticator apps show it; checked here so a mistake
  // fails at construction (static credentials) or at loading, not halfway through a sign-in.
  if (totpSecret !== undefined && (typeof totpSecret !== 'string' || !/^[A-Za-z2-7 =]{16,}$/.test(totpSecret))) {
    throw fail(
      'totpSecret',
      'must be the base32 secret AssociateSoftwareToken returned (16 or more characters A–Z, 2–7)',
    );
  }
  const checkedDevice = device === undefined || device === null ? undefined : requireDevice(device, fail);
  return {
    username,
    password,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(totpSecret === undefined ? {} : { totpSecret }),
    ...(checkedDevice === undefined ? {} : { device: checkedDevice }),
  };
}

/** A remembered device is all three fields or nothing: a device key without its password cannot sign in. */
function requireDevice(device: unknown, fail: (field: string, problem: string) => CognitoTokenError): RememberedDevice {
  const remembered = '{ key, groupKey, password }, as `cognito-token device remember` prints them';
  if (typeof device !== 'object') throw fail('device', `must be ${remembered}`);
  const fields = device as Partial<Record<(typeof DEVICE_FIELDS)[number], unknown>>;
  for (const field of DEVICE_FIELDS) {
    const value = fields[field];
    if (typeof value !== 'string' || value === '') {
      throw fail(`device.${field}`, `must be a non-empty string: give all of ${remembered}, or no device`);
    }
  }
  // A frozen copy of the three fields alone.
  const { key, groupKey, password } = fields as RememberedDevice;
  return Object.freeze({ key, groupKey, password });
}
