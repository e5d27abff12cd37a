import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import { loadSsmClient } from '#ssm-client-loader';
import { describeCause } from './aws-error.js';
import { withDeadline } from './deadline.js';
import { CognitoTokenError } from './errors.js';
import { DEFAULT_RETRY_POLICY, withRetries } from './retry.js';
import type { GetParameters } from './ssm-client.js';

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
  let bound: GetParameters | undefined;
  return async (names) => {
    // A source reads one at a time (its cache is single flight), so two reads never race to bind a client.
    bound ??= (await loadSsmClient()).ssmGetParameters(client, clientConfig);
    const getParameters = bound;
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
