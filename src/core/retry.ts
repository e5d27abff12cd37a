import { CognitoTokenError } from '../errors.js';
import type { Deadline } from './deadline.js';
import { classifyFailure, codeForExhaustedRetries, describeFailure, errorName, type FailureKind } from './failure.js';
import { logEvent, type TokenProviderLogger } from './logger.js';
import { sanitize } from './redaction.js';

/** Attempts and back-off for throttling, 5xx and network failures. */
export interface RetryPolicy {
  /** Total attempts, the first one included. */
  readonly maxAttempts: number;
  /** The first back-off; each later one doubles, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * Whether to retry a 5xx, network failure or timeout. Off for requests that must not be sent twice:
   * such a failure may come after the server acted on the request. Throttling is always retried.
   */
  readonly retryTransient?: boolean;
}

/**
 * Cognito quotas are counted per second, so back-off starts in the hundreds of milliseconds: shorter waits
 * land in the same second and are throttled again.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 3_200 };

/**
 * The key of an internal option that replaces {@link DEFAULT_RETRY_POLICY}, for tests that would otherwise wait
 * seconds of real back-off. A symbol, not a name: it is no part of the documented options, and the check for
 * unknown options looks at names only.
 */
export const RETRY_POLICY_OPTION: unique symbol = Symbol('cognito-token-provider.retryPolicy');

interface RetryContext {
  readonly deadline: Deadline;
  readonly policy: RetryPolicy;
  readonly logger: TokenProviderLogger | undefined;
  /** Names the request in messages and log events, for example `InitiateAuth`. */
  readonly operation: string;
}

/**
 * Runs `attempt` until it succeeds, is rejected, or runs out of attempts or time.
 *
 * A rejection (4xx other than throttling) is rethrown untouched for the caller to map, because only the
 * caller knows whether it means a wrong password or a dead refresh token. Exhausted retries become
 * `ERR_THROTTLED` or `ERR_UNAVAILABLE` according to the last failure.
 */
export async function withRetries<T>(context: RetryContext, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { deadline, policy, logger, operation } = context;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await deadline.race(attempt(deadline.signal));
    } catch (error) {
      if (error instanceof CognitoTokenError) throw error;
      // An attempt cut off by the deadline failed for want of an answer, whatever it would have said.
      const kind: FailureKind = deadline.expired ? 'transient' : classifyFailure(error);
      if (kind === 'rejected') throw error;
      const delay = backoffMs(policy, attemptNumber);
      if (
        attemptNumber >= policy.maxAttempts ||
        (kind === 'transient' && policy.retryTransient === false) ||
        deadline.expired ||
        deadline.remainingMs() <= delay
      ) {
        throw exhausted(operation, kind, error, attemptNumber, deadline);
      }
      logEvent(logger, 'cognito-token-provider: retrying', {
        operation,
        attempt: attemptNumber,
        error: errorName(error),
        delayMs: delay,
      });
      try {
        await deadline.sleep(delay);
      } catch {
        throw exhausted(operation, kind, error, attemptNumber, deadline);
      }
    }
  }
}

/**
 * Exponential back-off with "equal jitter": half fixed, half random, so callers spread out but still wait.
 * `random` (uniform in [0, 1)) is injectable, so tests do not depend on a draw.
 */
export function backoffMs(
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  attemptNumber: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function exhausted(
  operation: string,
  kind: Exclude<FailureKind, 'rejected'>,
  cause: unknown,
  attempts: number,
  deadline: Deadline,
): CognitoTokenError {
  const what = kind === 'throttled' ? 'was throttled' : 'failed';
  const why = deadline.expired ? `the ${deadline.timeoutMs} ms timeout ran out` : `${attempts} attempt(s)`;
  // Throttling and outages do not echo our input, but a garbled answer's parse error quotes it. Callers that
  // know the request's secrets sanitise each attempt's failure with them first; this is a no-op for those.
  const safe = sanitize(cause, []);
  return new CognitoTokenError(
    codeForExhaustedRetries(kind),
    `${operation} ${what} (${describeFailure(safe)}); gave up after ${why}`,
    { cause: safe },
  );
}
