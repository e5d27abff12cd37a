import type { GetParametersCommandOutput, Parameter, SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';
import { describeCause } from './aws-error.js';
import { withDeadline } from './deadline.js';
import { CognitoTokenError } from './errors.js';
import { DEFAULT_RETRY_POLICY, withRetries } from './retry.js';

type SsmBindings = typeof import('./ssm-client.js');

/**
 * Bounds one read, back-off included. A source has no caller's `timeoutMs` to share (the provider that calls
 * it races it against its own), so this only stops a read nobody waits for from retrying forever.
 */
const READ_TIMEOUT_MS = 10_000;

let bindings: Promise<SsmBindings> | undefined;

/** Loads the SDK bindings once per process; a failed load is forgotten so the next read tries again. */
function loadBindings(): Promise<SsmBindings> {
  bindings ??= import('./ssm-client.js').catch((error: unknown) => {
    bindings = undefined;
    throw new CognitoTokenError(
      'ERR_CONFIGURATION',
      'fromSsm needs the optional peer dependency @aws-sdk/client-ssm: npm install @aws-sdk/client-ssm',
      { cause: error },
    );
  });
  return bindings;
}

/**
 * Returns a function that reads parameters with one SSM client, built on the first read (never per call, and
 * never at construction, where a Lambda cold start would pay for it before the first token is wanted).
 */
export function parameterReader(
  client: SSMClient | undefined,
  clientConfig: SSMClientConfig | undefined,
): (names: readonly string[]) => Promise<Map<string, string>> {
  let created: SSMClient | undefined = client;
  return async (names) => {
    const sdk = await loadBindings();
    created ??= sdk.createSsmClient(clientConfig);
    const ssm = created;
    const output = await withDeadline(READ_TIMEOUT_MS, (deadline) =>
      withRetries(
        { deadline, policy: DEFAULT_RETRY_POLICY, logger: undefined, operation: 'SSM GetParameters' },
        (abortSignal) => sdk.getParameters(ssm, names, abortSignal),
      ),
    ).catch((error: unknown) => {
      throw readFailure(error, names);
    });
    return valuesByName(output, names);
  };
}

/**
 * Every failure is `ERR_CREDENTIALS` with the SDK error as `cause`, throttling that outlasted the back-off
 * included: what failed is loading credentials, and the message and cause say why. Messages carry parameter
 * names and AWS error names, which are not secret; GetParameters requests carry no value to echo.
 */
function readFailure(error: unknown, names: readonly string[]): CognitoTokenError {
  const which = describeNames(names);
  if (error instanceof CognitoTokenError) {
    // withRetries gave up on throttling or an unavailable service: keep its account of the attempts, and add
    // the last error's own message, which for a network failure is the only clue (ECONNREFUSED, ENOTFOUND...).
    return new CognitoTokenError(
      'ERR_CREDENTIALS',
      `Could not read ${which}: ${error.message}; last error: ${describeCause(error.cause, [])}`,
      { cause: error.cause },
    );
  }
  return new CognitoTokenError(
    'ERR_CREDENTIALS',
    `Could not read ${which} (${describeCause(error, [])}); check that this role may call ssm:GetParameters on ` +
      'them and kms:Decrypt with the KMS key of each SecureString',
    { cause: error },
  );
}

function valuesByName(output: GetParametersCommandOutput, names: readonly string[]): Map<string, string> {
  const invalid = names.filter((name) => output.InvalidParameters?.includes(name));
  if (invalid.length > 0) {
    throw new CognitoTokenError(
      'ERR_CREDENTIALS',
      `SSM Parameter Store has no ${describeNames(invalid)} (InvalidParameters) in this account and Region; ` +
        'check the name, the Region of the SSM client and, for a selector, the version or label',
    );
  }
  const values = new Map<string, string>();
  for (const name of names) {
    const value = output.Parameters?.find((parameter) => answers(parameter, name))?.Value;
    if (typeof value !== 'string') {
      throw new CognitoTokenError('ERR_CREDENTIALS', `SSM returned no value for ${describeNames([name])}`);
    }
    values.set(name, value);
  }
  return values;
}

/** A parameter answers a requested name by its name or ARN, with the version or label selector if one was asked. */
function answers(parameter: Parameter, requested: string): boolean {
  const selector = parameter.Selector ?? '';
  return [parameter.Name, parameter.ARN].some(
    (id) => id !== undefined && (id === requested || `${id}${selector}` === requested),
  );
}

/** `SSM parameter "/a"` or `SSM parameters "/a", "/b"`. */
export function describeNames(names: readonly string[]): string {
  const quoted = names.map((name) => `"${name}"`).join(', ');
  return names.length === 1 ? `SSM parameter ${quoted}` : `SSM parameters ${quoted}`;
}
