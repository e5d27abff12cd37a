// The one module that imports @aws-sdk/client-ssm, and only its bare client and the one command fromSsm sends, so
// a bundler keeps nothing else of the SSM SDK. Only the /ssm entry point reaches it: the package root never
// imports the optional peer, so a handler that does not use fromSsm bundles and runs without it.
import {
  GetParametersCommand,
  type GetParametersCommandOutput,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';
import { withDeadline } from '../core/deadline.js';
import { describeCause } from '../core/redaction.js';
import { DEFAULT_RETRY_POLICY, withRetries } from '../core/retry.js';
import { CognitoTokenError } from '../errors.js';

/**
 * Bounds one read, back-off included. A source has no caller's `timeoutMs` to share (the provider that calls
 * it races it against its own), so this only stops a read nobody waits for from retrying forever.
 */
const READ_TIMEOUT_MS = 10_000;

/**
 * Returns a function that reads parameters, in the order of `names`, with one GetParameters request (retried
 * on throttling, 5xx and network failures). The SSM client is built on the first read: never per call, and
 * never at construction, where a Lambda cold start would pay for it before the first token is wanted.
 */
export function parameterReader(
  client: SSMClient | undefined,
  clientConfig: SSMClientConfig | undefined,
): (names: string[]) => Promise<string[]> {
  let ssm: SSMClient | undefined;
  const getParameters = (Names: string[], abortSignal: AbortSignal): Promise<GetParametersCommandOutput> => {
    // fromSsm runs its own bounded back-off for throttling: SDK retries underneath would multiply the
    // attempts. An explicit clientConfig.maxAttempts still wins.
    ssm ??= client ?? new SSMClient({ maxAttempts: 1, ...clientConfig });
    return ssm.send(new GetParametersCommand({ Names, WithDecryption: true }), { abortSignal });
  };
  return async (names) => {
    const { Parameters = [] } = await withDeadline(READ_TIMEOUT_MS, (deadline) =>
      withRetries(
        { deadline, policy: DEFAULT_RETRY_POLICY, logger: undefined, operation: 'SSM GetParameters' },
        (abortSignal) => getParameters(names, abortSignal),
      ),
    ).catch((error: unknown) => {
      throw readFailure(error, names);
    });
    // SSM answers in no promised order, by name or ARN, with any `:version` or `:label` selector apart.
    const values = names.map(
      (name) =>
        Parameters.find((p) => [p.Name, p.ARN].some((id) => id === name || id + (p.Selector ?? '') === name))?.Value,
    );
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

/**
 * Every failure is `ERR_CREDENTIALS` with the SDK error as `cause`: what failed is loading credentials. The
 * message has parameter and AWS error names, never a value (a GetParameters request carries none to echo).
 */
function readFailure(error: unknown, names: readonly string[]): CognitoTokenError {
  // withRetries gave up on throttling, an outage or the timeout: its message counts the attempts.
  const gaveUp = error instanceof CognitoTokenError;
  const cause = gaveUp ? error.cause : error;
  return new CognitoTokenError(
    'ERR_CREDENTIALS',
    `Could not read ${describeNames(names)} (${describeCause(cause, [])}): ${
      gaveUp ? error.message : 'check that this role may call ssm:GetParameters and kms:Decrypt'
    }`,
    { cause },
  );
}

/** `SSM parameter "/a"` or `SSM parameters "/a", "/b"`. */
export function describeNames(names: readonly string[]): string {
  return `SSM parameter${names.length > 1 ? 's' : ''} ${names.map((name) => `"${name}"`).join(', ')}`;
}
