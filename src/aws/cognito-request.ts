import {
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Deadline } from '../core/deadline.js';
import { type RetryPolicy, withRetries } from '../core/deadline.js';
import { read, unusableAnswer } from '../core/failure.js';
import { deadOnArrival, readableClaims } from '../core/jwt-claims.js';
import type { TokenProviderLogger } from '../core/logger.js';
import { sanitize, sanitizeExhausted } from '../core/redaction.js';
import { CognitoTokenError } from '../errors.js';

/** What every Cognito call of one token operation shares. */
export interface CognitoRequestContext {
  readonly client: () => CognitoIdentityProviderClient;
  readonly clientId: string;
  /** Only the admin sign-in names the user pool; client tokens and renewals do without it. */
  readonly userPoolId?: string | undefined;
  readonly deadline: Deadline;
  readonly retryPolicy: RetryPolicy;
  readonly logger: TokenProviderLogger | undefined;
}

/**
 * Sends a command built fresh for each attempt (a sent command carries per-request state), with the
 * operation's abort signal and retry policy.
 *
 * Every failure leaves here sanitised, once for every caller: a rejection is rethrown as a `SanitizedError`
 * (see `sanitize`) that keeps the SDK error's name, `$metadata`, `$fault` and network code, for the caller's
 * mapping, and nothing else of it, with `secrets` (the request's secret values, in every printed form) cut out
 * of its message; exhausted retries are rebuilt around a sanitised cause, and name a network code or an
 * endpoint's status and host where the SDK has only `Error` or `UnknownError`.
 *
 * An answer holding tokens that were dead on arrival (`exp` not after `iat`, or a lifetime already over) is
 * unusable, and retried like a 5xx within the deadline; `validate` may refuse other answers the same way, by
 * throwing `unusableAnswer(...)`.
 */
export function sendWithRetries<Output>(
  context: CognitoRequestContext,
  operation: string,
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own input and output types
  makeCommand: () => any,
  secrets: readonly (string | undefined)[],
  validate?: (output: Output) => void,
): Promise<Output> {
  const { deadline, retryPolicy, logger } = context;
  let host: string | undefined;
  return withRetries({ deadline, policy: retryPolicy, logger, operation }, async (abortSignal) => {
    const command = makeCommand();
    recordHost(command, (seen) => {
      host = seen;
    });
    let output: Output;
    try {
      output = (await context.client().send(command, { abortSignal })) as Output;
    } catch (error) {
      throw sanitize(error, secrets, host);
    }
    checkTokensAlive(output);
    validate?.(output);
    return output;
  }).catch((error: unknown) => {
    throw error instanceof CognitoTokenError ? sanitizeExhausted(error, secrets, host) : sanitize(error, secrets, host);
  });
}

/** Refuses an AuthenticationResult (or ClientAuthenticationResult) whose tokens were dead on arrival. */
function checkTokensAlive(output: unknown): void {
  const result = read(output, 'AuthenticationResult') ?? read(output, 'ClientAuthenticationResult');
  if (typeof result !== 'object' || result === null) return;
  const expiresIn = read(result, 'ExpiresIn');
  const claims = [readableClaims(read(result, 'IdToken')), readableClaims(read(result, 'AccessToken'))];
  const dead = deadOnArrival(
    'Cognito',
    'tokens',
    Date.now(),
    typeof expiresIn === 'number' ? expiresIn : undefined,
    claims,
  );
  if (dead !== undefined) throw unusableAnswer(dead);
}

/**
 * Learns the host a command is sent to, for messages about answers that do not say who sent them (an empty 404
 * from a wrong endpoint). A middleware at the build step, where the endpoint is resolved into the request: it
 * reads two fields and adds no I/O. A command without a middleware stack (a test double) is left alone.
 */
function recordHost(command: unknown, seen: (host: string) => void): void {
  const stack = read(command, 'middlewareStack') as { add?: unknown } | undefined;
  if (typeof stack?.add !== 'function') return;
  (stack.add as (middleware: unknown, options: unknown) => void).call(
    stack,
    (next: (args: unknown) => Promise<unknown>) => (args: unknown) => {
      const request = read(args, 'request');
      const hostname = read(request, 'hostname');
      const port = read(request, 'port');
      if (typeof hostname === 'string') seen(port === undefined ? hostname : `${hostname}:${port}`);
      return next(args);
    },
    { step: 'build', name: 'cognitoTokenProviderHost', override: true },
  );
}

/**
 * Returns a getter for the SDK client that builds it on first use, not at construction: creating a client
 * resolves its configuration, and a provider made at module scope should add nothing to a Lambda cold start
 * until it is actually asked for a token.
 */
export function lazyCognitoClient(
  client: CognitoIdentityProviderClient | undefined,
  clientConfig: CognitoIdentityProviderClientConfig | undefined,
  region: string | undefined,
): () => CognitoIdentityProviderClient {
  if (client !== undefined) return () => client;
  let created: CognitoIdentityProviderClient | undefined;
  return () => {
    created ??= new CognitoIdentityProviderClient({
      // The provider runs its own back-off, tuned to Cognito's per-second quotas and bounded by timeoutMs;
      // SDK retries underneath would multiply the attempts. An explicit clientConfig.maxAttempts still wins.
      maxAttempts: 1,
      ...(region === undefined ? {} : { region }),
      ...clientConfig,
    });
    return created;
  };
}
