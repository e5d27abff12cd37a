import { ExpiringCache, type ExpiringValue } from '../core/expiring-cache.js';
import { parseJsonObject } from '../core/json-object.js';
import {
  type CognitoCredentials,
  CREDENTIAL_FIELDS,
  type CredentialField,
  type CredentialsSource,
  quotedFields,
  type RememberedDevice,
} from '../credentials/credentials.js';
import { CognitoTokenError } from '../errors.js';
import { describeNames, parameterReader } from './parameter-reader.js';
import { type FromSsmOptions, resolveSsmOptions } from './ssm-options.js';

export type {
  FromSsmOptions,
  SsmClientChoice,
  SsmJsonParameter,
  SsmNamedParameters,
} from './ssm-options.js';

interface CachedCredentials extends ExpiringValue {
  readonly credentials: CognitoCredentials;
}

/**
 * A credentials source that reads a service account's credentials from SSM Parameter Store, for
 * `createTokenProvider({ credentials })`.
 *
 * - One `GetParameters` request per read, with `WithDecryption: true`, covering every name.
 * - A read is reused for `maxAgeSeconds` (default 300); concurrent calls share one request.
 * - `{ forceRefresh: true }` skips the cached read; the token provider asks for it once after Cognito rejects
 *   a sign-in, so a password rotated in SSM is picked up without a restart.
 * - Throttling (Parameter Store allows 40 requests per second per account by default), 5xx and network errors
 *   are retried with jittered back-off, for at most 5 attempts and 10 seconds, or until the `signal` the caller
 *   passes aborts (the token providers pass their `timeoutMs` budget's): the read then stops, leaving no request
 *   or timer behind, and rejects naming SSM and the parameters.
 * - Every failure is a {@link CognitoTokenError} with code `ERR_CREDENTIALS`, naming the parameters and the AWS
 *   error, never a value; the SDK error is its `cause`. Throttling that outlasts the back-off is
 *   `ERR_CREDENTIALS` too, with the `ThrottlingException` as `cause`. Bad options throw `ERR_CONFIGURATION`
 *   here, at construction.
 * - The values live in a closure: logging or inspecting the source shows none of them.
 *
 * The caller needs `ssm:GetParameters` on the parameters, and `kms:Decrypt` on the key when the SecureStrings
 * are encrypted with a customer-managed KMS key. `cognito-token-provider/ssm` imports `@aws-sdk/client-ssm`
 * statically: without that package installed, importing this entry point fails with `ERR_MODULE_NOT_FOUND`
 * (`MODULE_NOT_FOUND` from CommonJS), while the package root, which never imports it, keeps working. Bundlers keep
 * only the bare client and GetParametersCommand.
 *
 * @example
 * ```ts
 * import { createTokenProvider } from 'cognito-token-provider';
 * import { fromSsm } from 'cognito-token-provider/ssm';
 *
 * declare const clientId: string;
 * // One SecureString per value...
 * const tokens = createTokenProvider({
 *   clientId,
 *   credentials: fromSsm({
 *     username: '/svc/orders/cognito/username',
 *     password: '/svc/orders/cognito/password',
 *     clientSecret: '/svc/orders/cognito/client-secret',
 *   }),
 * });
 *
 * // ...or one SecureString holding {"username": "…", "password": "…", "clientSecret": "…", "totpSecret": "…"},
 * // and, for a remembered device, "deviceKey", "deviceGroupKey" and "devicePassword" (all three or none).
 * const sameTokens = createTokenProvider({
 *   clientId,
 *   credentials: fromSsm({ parameter: '/svc/orders/cognito', maxAgeSeconds: 600 }),
 * });
 * ```
 */
export function fromSsm(options: FromSsmOptions): CredentialsSource {
  const { fields, names, maxAgeMs, client, clientConfig } = resolveSsmOptions(options);
  const read = parameterReader(client, clientConfig);
  const cache = new ExpiringCache<CachedCredentials>(async ({ signal }) => {
    // Concurrent callers share one read, and so the signal of the call that started it: when that caller's
    // time runs out, the others see the read fail, and the next call reads again.
    const values = await read(names, signal);
    const credentials =
      fields.length > 0
        ? Object.fromEntries(fields.map((field, index) => [field, values[index]]))
        : fromJson(values[0] as string, names);
    const expiresAt = Date.now() + maxAgeMs;
    // Frozen, because every caller within maxAge gets this same object.
    return { credentials: Object.freeze(credentials), expiresAt, renewAt: expiresAt };
  });
  // Everything read stays in this closure and the cache: the function object itself carries no value.
  return async (loadOptions) =>
    (await cache.load({ force: loadOptions?.forceRefresh === true, signal: loadOptions?.signal })).credentials;
}

/** The JSON fields of a remembered device (as `cognito-token device remember` prints them), and their places. */
const DEVICE_JSON_FIELDS = [
  ['deviceKey', 'key'],
  ['deviceGroupKey', 'groupKey'],
  ['devicePassword', 'password'],
] as const;

/**
 * The credential fields of a JSON parameter that are strings; the provider using them checks the ones it needs.
 * Not JSON, not an object, or none of the fields: one message naming the parameter and never quoting its value.
 */
function fromJson(text: string, names: readonly string[]): CognitoCredentials {
  // No cause on failure: a JSON SyntaxError quotes the text it choked on, and that text is the secret.
  const parsed = parseJsonObject(text) ?? {};
  const credentials: { [F in CredentialField]?: string } = {};
  for (const field of CREDENTIAL_FIELDS) {
    const value = parsed[field];
    if (typeof value === 'string') credentials[field] = value;
  }
  if (Object.keys(credentials).length === 0) {
    throw new CognitoTokenError(
      'ERR_CREDENTIALS',
      `${describeNames(names)} must hold a JSON object with ${quotedFields('or')}`,
    );
  }
  const device = deviceFromJson(parsed, names);
  return device === undefined ? credentials : { ...credentials, device };
}

/**
 * The remembered device of a JSON parameter: all three fields, or none (`null` counts as absent). One missing, or
 * one that is not a non-empty string, is an error naming the field, never quoting a value.
 */
function deviceFromJson(parsed: Record<string, unknown>, names: readonly string[]): RememberedDevice | undefined {
  const given = DEVICE_JSON_FIELDS.filter(([field]) => parsed[field] !== undefined && parsed[field] !== null);
  if (given.length === 0) return undefined;
  const device: Record<string, string> = {};
  for (const [field, place] of DEVICE_JSON_FIELDS) {
    const value = parsed[field];
    if (typeof value !== 'string' || value === '') {
      const problem = given.length < DEVICE_JSON_FIELDS.length && (value === undefined || value === null);
      throw new CognitoTokenError(
        'ERR_CREDENTIALS',
        `${describeNames(names)} ${problem ? 'lacks' : 'has an unusable'} "${field}": a remembered device needs ` +
          '"deviceKey", "deviceGroupKey" and "devicePassword" together, each a non-empty string, or none of them',
      );
    }
    device[place] = value;
  }
  return device as unknown as RememberedDevice;
}
