import { ExpiringCache, type ExpiringValue } from '../core/expiring-cache.js';
import { sanitize } from '../core/redaction.js';
import type { CognitoCredentials, CredentialsSource } from '../credentials/credentials.js';
import { CognitoTokenError } from '../errors.js';
import { credentialsFromSecret, sameCredentials, secretValuesOf } from './secret-credentials.js';
import { describeSecret, secretReader } from './secret-reader.js';
import {
  CURRENT_STAGE,
  type FromSecretsManagerOptions,
  PENDING_STAGE,
  resolveSecretsManagerOptions,
} from './secrets-manager-options.js';
import { WaitingCallers } from './waiting-callers.js';

interface CachedCredentials extends ExpiringValue {
  readonly credentials: CognitoCredentials;
}

/**
 * A credentials source that reads a service account's credentials from one AWS Secrets Manager secret, for
 * `createTokenProvider({ credentials })`, or an app client's secret for `createClientTokenProvider({ credentials })`.
 *
 * - The secret's `SecretString` is a JSON object: `username` and `password`, optionally `clientSecret`,
 *   `totpSecret`, and `deviceKey`, `deviceGroupKey`, `devicePassword` (a remembered device, all three or none).
 *   For machine-to-machine tokens, `clientSecret` alone. Other fields are ignored; `null` counts as absent.
 * - One `GetSecretValue` request per read, reused for `maxAgeSeconds` (default 300); concurrent calls share one
 *   request.
 * - Rotation: after Cognito rejects a sign-in, the token provider asks again with `forceRefresh: true`. The
 *   source then reads `AWSCURRENT` again; when it holds the credentials just rejected and an `AWSPENDING` version
 *   exists (a rotation is under way, and Cognito may already have its password), it answers with that one. At
 *   most two requests, and the provider tries once: a password still wrong ends in `ERR_AUTHENTICATION`.
 * - Throttling, 5xx and network errors are retried with jittered back-off, for at most 5 attempts and 10
 *   seconds. Each caller stops waiting when the `signal` it passes aborts (the token providers pass their
 *   `timeoutMs` budget's), and the shared request stops, timers included, once no caller waits for it.
 * - Every failure is a {@link CognitoTokenError} with code `ERR_CREDENTIALS`, naming the secret and the AWS error,
 *   never a value; the sanitised SDK error is its `cause`. Bad options throw `ERR_CONFIGURATION` here, at
 *   construction.
 * - The values live in a closure: logging or inspecting the source shows none of them.
 *
 * The caller needs `secretsmanager:GetSecretValue` on the secret, and `kms:Decrypt` on its key when the secret is
 * encrypted with a customer-managed KMS key.
 *
 * @example
 * ```ts
 * import { createTokenProvider } from 'cognito-token-provider';
 * import { fromSecretsManager } from 'cognito-token-provider/secrets-manager';
 *
 * // The secret holds {"username": "…", "password": "…", "clientSecret": "…"}.
 * const tokens = createTokenProvider({
 *   clientId: process.env.CLIENT_ID!,
 *   credentials: fromSecretsManager({ secretId: 'svc/orders/cognito' }),
 * });
 * ```
 */
export function fromSecretsManager(options: FromSecretsManagerOptions): CredentialsSource {
  const { secretId, versionStage, maxAgeMs, client, clientConfig } = resolveSecretsManagerOptions(options);
  const readVersion = secretReader(secretId, client, clientConfig);

  /** One version's credentials; `undefined` when an optional version does not exist. */
  const readStage = async (stage: string, signal: AbortSignal, secrets: readonly string[], optional = false) => {
    const version = await readVersion(stage, { signal, secrets, optional });
    return version && credentialsFromSecret(version.secretString, describeSecret(secretId, stage));
  };

  // After a rejection (`refused`), the rejected credentials are `current`: a rotation that changed AWSCURRENT
  // already is picked up by the first read; one still under way, by the AWSPENDING read.
  const readCredentials = async (current: CachedCredentials | undefined, refused: boolean, signal: AbortSignal) => {
    const rejected = refused ? current?.credentials : undefined;
    const known = secretValuesOf(current?.credentials);
    // Not optional: a missing version fails the read rather than answering undefined.
    const read = (await readStage(versionStage, signal, known)) as CognitoCredentials;
    if (rejected === undefined || versionStage !== CURRENT_STAGE || !sameCredentials(read, rejected)) return read;
    // A missing AWSPENDING is the usual answer: no rotation is under way.
    const pending = await readStage(PENDING_STAGE, signal, [...known, ...secretValuesOf(read)], true);
    return pending === undefined || sameCredentials(pending, read) ? read : pending;
  };

  const callers = new WaitingCallers();
  const cache = new ExpiringCache<CachedCredentials>(async ({ current, refused }) => {
    const read = callers.startRead();
    try {
      const credentials = await readCredentials(current, refused, read.signal);
      const expiresAt = Date.now() + maxAgeMs;
      return { credentials, expiresAt, renewAt: expiresAt };
    } finally {
      read.end();
    }
  });
  const gaveUp = (reason: unknown) =>
    new CognitoTokenError(
      'ERR_CREDENTIALS',
      `Could not read ${describeSecret(secretId, versionStage)}: Secrets Manager did not answer before the token ` +
        "request's timeout ran out",
      { cause: sanitize(reason, []) },
    );
  // Everything read stays in this closure and the cache: the function object itself carries no value.
  return async (loadOptions) => {
    const force = loadOptions?.forceRefresh === true;
    // Within maxAge: a clock read and a comparison, no waiting to set up.
    const fresh = force ? undefined : cache.fresh();
    if (fresh !== undefined) return fresh.credentials;
    const cached = await callers.wait(loadOptions?.signal, () => cache.load({ force }), gaveUp);
    return cached.credentials;
  };
}
