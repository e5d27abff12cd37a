// The one module that imports @aws-sdk/client-ssm, and only its bare client and the one command fromSsm sends, so
// a bundler keeps nothing else of the SSM SDK. Only the /ssm entry point reaches it: the package root never
// imports the optional peer, so a handler that does not use fromSsm bundles and runs without it.
import {
  GetParametersCommand,
  type GetParametersCommandOutput,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';
import { awsCredentialsMissingAdvice, isAwsCredentialsMissing } from '../core/aws-credentials-missing.js';
import { DEFAULT_RETRY_POLICY, withDeadline, withRetries } from '../core/deadline.js';
import { read, unusableAnswer } from '../core/failure.js';
import { describeCause, sanitize, sanitizeExhausted } from '../core/redaction.js';
import { CognitoTokenError } from '../errors.js';

/**
 * Bounds one read, back-off included, when the caller gives no signal. A provider's read is bounded by its own
 * `timeoutMs` instead, through the signal it passes (see {@link parameterReader}); this only stops a read nobody
 * bounds from retrying forever.
 */
const READ_TIMEOUT_MS = 10_000;

/**
 * Returns a function that reads parameters, in the order of `names`, with one GetParameters request (retried
 * on throttling, 5xx, network failures and unusable answers). The SSM client is built on the first read: never
 * per call, and never at construction, where a Lambda cold start would pay for it before the first token is
 * wanted.
 *
 * When `signal` aborts (the token operation that asked ran out of time), the read stops at once, its request,
 * back-off and timers included, and rejects with `ERR_CREDENTIALS` naming SSM and the parameters: nothing it
 * started may keep the process alive after the caller has given up.
 */
export function parameterReader(
  client: SSMClient | undefined,
  clientConfig: SSMClientConfig | undefined,
): (names: string[], signal?: AbortSignal) => Promise<string[]> {
  let ssm: SSMClient | undefined;
  const getParameters = async (Names: string[], abortSignal: AbortSignal): Promise<GetParametersCommandOutput> => {
    // fromSsm runs its own bounded back-off for throttling: SDK retries underneath would multiply the
    // attempts. An explicit clientConfig.maxAttempts still wins.
    ssm ??= client ?? new SSMClient({ maxAttempts: 1, ...clientConfig });
    let output: GetParametersCommandOutput;
    try {
      output = await ssm.send(new GetParametersCommand({ Names, WithDecryption: true }), { abortSignal });
    } catch (error) {
      // The SDK copies every field of an error body onto its exception: keep only what classifies it.
      throw sanitize(error, []);
    }
    // A list that is not one is a garbled answer, retried like one; so is an entry that is not an object.
    if (output.Parameters !== undefined && !Array.isArray(output.Parameters)) {
      throw unusableAnswer('SSM answered GetParameters with "Parameters" that is not a list');
    }
    return output;
  };
  return async (names, signal) => {
    if (signal?.aborted) throw callerGaveUp(names, signal.reason);
    let Parameters: unknown[];
    try {
      // The read's own limit, cut short by the caller's: no back-off timer outlives the caller.
      ({ Parameters = [] } = await withDeadline(
        READ_TIMEOUT_MS,
        (deadline) =>
          withRetries(
            { deadline, policy: DEFAULT_RETRY_POLICY, logger: undefined, operation: 'SSM GetParameters' },
            (abortSignal) => getParameters(names, abortSignal),
          ),
        signal,
      ));
    } catch (error) {
      throw signal?.aborted ? callerGaveUp(names, signal.reason) : readFailure(error, names);
    }
    // SSM answers in no promised order, by name or ARN, with any `:version` or `:label` selector apart.
    const values = names.map((name) => {
      const found = Parameters.find((p) =>
        [read(p, 'Name'), read(p, 'ARN')].some(
          (id) => typeof id === 'string' && (id === name || id + String(read(p, 'Selector') ?? '') === name),
        ),
      );
      const value = read(found, 'Value');
      return typeof value === 'string' ? value : undefined;
    });
    // Names in InvalidParameters have no value; so has a name SSM left out without saying.
    const missing = names.filter((_, index) => values[index] === undefined);
    if (missing.length > 0) {
      throw new CognitoTokenError(
        'ERR_CREDENTIALS',
        `Could not read ${describeNames(missing)}: not found (InvalidParameters); check the name and the Region`,
      );
    }
    return values as string[];
  };
}

/** The caller ran out of time while SSM had not answered: say so, naming the parameters, not a bare timeout. */
function callerGaveUp(names: readonly string[], reason: unknown): CognitoTokenError {
  return new CognitoTokenError(
    'ERR_CREDENTIALS',
    `Could not read ${describeNames(names)}: SSM did not answer before the token request's timeout ran out`,
    { cause: sanitize(reason, []) },
  );
}

/**
 * Every failure is `ERR_CREDENTIALS` with a sanitised stand-in for the SDK error as `cause`: what failed is
 * loading credentials. The message has parameter and AWS error names, never a value (a GetParameters request
 * carries none to echo).
 */
function readFailure(error: unknown, names: readonly string[]): CognitoTokenError {
  // withRetries gave up on throttling, an outage or the timeout: its message counts the attempts.
  const gaveUp = error instanceof CognitoTokenError ? sanitizeExhausted(error, []) : undefined;
  const cause = gaveUp === undefined ? sanitize(error, []) : gaveUp.cause;
  return new CognitoTokenError(
    'ERR_CREDENTIALS',
    `Could not read ${describeNames(names)} (${describeCause(cause, [])}): ${
      gaveUp?.message ??
      (isAwsCredentialsMissing(cause)
        ? awsCredentialsMissingAdvice('GetParameters')
        : 'check that this role may call ssm:GetParameters and kms:Decrypt')
    }`,
    { cause },
  );
}

/** `SSM parameter "/a"` or `SSM parameters "/a", "/b"`. */
export function describeNames(names: readonly string[]): string {
  return `SSM parameter${names.length > 1 ? 's' : ''} ${names.map((name) => `"${name}"`).join(', ')}`;
}
