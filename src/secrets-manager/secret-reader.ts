// The one module that imports @aws-sdk/client-secrets-manager, and only its bare client and the one command
// fromSecretsManager sends, so a bundler keeps nothing else of the Secrets Manager SDK. Only the /secrets-manager
// entry point reaches it: no other entry point imports the optional peer.
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { awsCredentialsMissingAdvice, isAwsCredentialsMissing } from '../core/aws-credentials-missing.js';
import { DEFAULT_RETRY_POLICY, withDeadline, withRetries } from '../core/deadline.js';
import { errorName, read } from '../core/failure.js';
import { describeCause, sanitize, sanitizeExhausted } from '../core/redaction.js';
import { CognitoTokenError } from '../errors.js';
import { CURRENT_STAGE } from './secrets-manager-options.js';

/**
 * Bounds one read, back-off included, when nothing cuts it shorter. A token provider's read is bounded by its
 * own `timeoutMs`, through the signal of its callers (see fromSecretsManager); this only stops a read that nobody
 * bounds from retrying forever.
 */
const READ_TIMEOUT_MS = 10_000;

/** What one GetSecretValue answered: the text, when the version has any, and which version it was. */
export interface SecretVersion {
  /** `undefined` for a secret stored as `SecretBinary` only. */
  readonly secretString: string | undefined;
  readonly versionId: string | undefined;
}

/** How one read goes. */
export interface ReadOptions {
  /** Aborted when nobody waits for the read any more: the read then stops, its request and timers included. */
  readonly signal: AbortSignal;
  /** Values already known to be secret, cut out of any message the service sends back. */
  readonly secrets: readonly string[];
  /** Whether a missing version (ResourceNotFoundException) is an answer, `undefined`, rather than a failure. */
  readonly optional: boolean;
}

/** Reads one version of the secret, by staging label. */
export type SecretVersionReader = (stage: string, options: ReadOptions) => Promise<SecretVersion | undefined>;

/**
 * Returns a function that reads one version of `secretId` with one GetSecretValue request (retried on
 * throttling, 5xx and network failures, within 10 seconds). The client is built on the first read: never per
 * call, and never at construction, where a Lambda cold start would pay for it before the first token is wanted.
 * Every failure is `ERR_CREDENTIALS`, naming the secret and the AWS error, never a value.
 */
export function secretReader(
  secretId: string,
  client: SecretsManagerClient | undefined,
  clientConfig: SecretsManagerClientConfig | undefined,
): SecretVersionReader {
  let secretsManager: SecretsManagerClient | undefined;
  const getSecretValue = async (
    VersionStage: string,
    abortSignal: AbortSignal,
    secrets: readonly string[],
  ): Promise<GetSecretValueCommandOutput> => {
    // fromSecretsManager runs its own bounded back-off for throttling: SDK retries underneath would multiply
    // the attempts. An explicit clientConfig.maxAttempts still wins.
    secretsManager ??= client ?? new SecretsManagerClient({ maxAttempts: 1, ...clientConfig });
    try {
      return await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage }), {
        abortSignal,
      });
    } catch (error) {
      // The SDK copies every field of an error body onto its exception: keep only what classifies it.
      throw sanitize(withoutEcho(error), secrets);
    }
  };
  return async (stage, { signal, secrets, optional }) => {
    const what = describeSecret(secretId, stage);
    let output: GetSecretValueCommandOutput;
    try {
      // The read's own limit, cut short by the signal: no back-off timer outlives the callers.
      output = await withDeadline(
        READ_TIMEOUT_MS,
        (deadline) =>
          withRetries(
            { deadline, policy: DEFAULT_RETRY_POLICY, logger: undefined, operation: 'Secrets Manager GetSecretValue' },
            (abortSignal) => getSecretValue(stage, abortSignal, secrets),
          ),
        signal,
      );
    } catch (error) {
      if (optional && errorName(error) === 'ResourceNotFoundException') return undefined;
      throw signal.aborted ? nobodyWaiting(what, signal.reason) : readFailure(error, what, secrets);
    }
    const secretString = read(output, 'SecretString');
    const versionId = read(output, 'VersionId');
    return {
      secretString: typeof secretString === 'string' ? secretString : undefined,
      versionId: typeof versionId === 'string' ? versionId : undefined,
    };
  };
}

/** `Secrets Manager secret "svc/orders/cognito"`, with the staging label when it is not the default one. */
export function describeSecret(secretId: string, stage: string): string {
  const secret = `Secrets Manager secret "${secretId}"`;
  return stage === CURRENT_STAGE ? secret : `the ${stage} version of ${secret}`;
}

/** The read was abandoned: every caller waiting for it ran out of time. */
function nobodyWaiting(what: string, reason: unknown): CognitoTokenError {
  return new CognitoTokenError(
    'ERR_CREDENTIALS',
    `Could not read ${what}: Secrets Manager did not answer before the token request's timeout ran out`,
    { cause: sanitize(reason, []) },
  );
}

/**
 * Every failure is `ERR_CREDENTIALS` with a sanitised stand-in for the SDK error as `cause`: what failed is
 * loading credentials. The message names the secret, the AWS error and what to check, never a value.
 */
function readFailure(error: unknown, what: string, secrets: readonly string[]): CognitoTokenError {
  // withRetries gave up on throttling, an outage or the timeout: its message counts the attempts.
  const gaveUp = error instanceof CognitoTokenError ? sanitizeExhausted(error, secrets) : undefined;
  const cause = gaveUp === undefined ? sanitize(error, secrets) : gaveUp.cause;
  return new CognitoTokenError(
    'ERR_CREDENTIALS',
    `Could not read ${what} (${describeCause(cause, secrets)}): ${gaveUp?.message ?? adviceFor(cause)}`,
    { cause },
  );
}

/** What to check, by the AWS error: a missing secret, a refused permission, or a KMS key that refused. */
function adviceFor(cause: unknown): string {
  if (isAwsCredentialsMissing(cause)) return awsCredentialsMissingAdvice('GetSecretValue');
  const name = errorName(cause);
  if (name === 'ResourceNotFoundException') {
    return 'check "secretId" (the name or ARN of the secret), "versionStage" and the Region';
  }
  const message = read(cause, 'message');
  if (name === 'DecryptionFailure' || (/AccessDenied/.test(name) && /\bKMS\b/i.test(String(message)))) {
    return (
      "the secret's KMS key refused to decrypt it: for a customer-managed key, this role needs kms:Decrypt on the " +
      'key as well as secretsmanager:GetSecretValue on the secret'
    );
  }
  return (
    'check that this role may call secretsmanager:GetSecretValue on the secret, and kms:Decrypt on its key when ' +
    'the secret is encrypted with a customer-managed KMS key'
  );
}

/**
 * Secrets Manager's own messages name secrets, labels and IAM actions, never JSON. A message holding JSON echoes
 * something back, the request or the secret itself, which nothing here may have read yet to cut out: it is
 * withheld whole, keeping the rest of the error.
 */
function withoutEcho(error: unknown): unknown {
  const message = read(error, 'message');
  if (typeof message !== 'string' || !/[{}]/.test(message)) return error;
  return {
    name: errorName(error),
    message: 'message withheld: it quotes JSON, as an answer echoing a request or a secret would',
    $metadata: read(error, '$metadata'),
    $fault: read(error, '$fault'),
    code: read(error, 'code'),
  };
}
