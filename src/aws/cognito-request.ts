import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Deadline } from '../core/deadline.js';
import type { TokenProviderLogger } from '../core/logger.js';
import { scrub } from '../core/redaction.js';
import { type RetryPolicy, withRetries } from '../core/retry.js';
import { CognitoTokenError } from '../errors.js';

/** What every Cognito call of one token operation shares. */
export interface CognitoRequestContext {
  readonly client: () => CognitoIdentityProviderClient;
  readonly clientId: string;
  /** Only the admin sign-in names the user pool; client tokens and renewals do without it. */
  readonly userPoolId?: string;
  readonly deadline: Deadline;
  readonly retryPolicy: RetryPolicy;
  readonly logger: TokenProviderLogger | undefined;
}

/**
 * Sends a command built fresh for each attempt (a sent command carries per-request state), with the
 * operation's abort signal and retry policy. `secrets` are the request's secret values: whatever fails, the
 * SDK's error or the last one kept as the `cause` of exhausted retries, may quote the request, so they are cut
 * out of it here, once for every caller.
 */
export function sendWithRetries<Output>(
  context: CognitoRequestContext,
  operation: string,
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own input and output types
  makeCommand: () => any,
  secrets: readonly (string | undefined)[],
): Promise<Output> {
  const { deadline, retryPolicy, logger } = context;
  return withRetries(
    { deadline, policy: retryPolicy, logger, operation },
    (abortSignal) => context.client().send(makeCommand(), { abortSignal }) as Promise<Output>,
  ).catch((error: unknown) => {
    scrub(error instanceof CognitoTokenError ? error.cause : error, secrets);
    throw error;
  });
}
