import { CognitoTokenError } from '../errors.js';
import { classifyFailure, codeForExhaustedRetries, describeFailure, errorName, type FailureKind } from './failure.js';
import { logEvent, type TokenProviderLogger } from './logger.js';
import { sanitize } from './redaction.js';

/**
 * The time budget of one token operation (`timeoutMs`), shared by every request, back-off and credentials
 * load inside it. Built on plain timers rather than `AbortSignal.timeout` so fake timers drive it in tests.
 */
export class Deadline {
  readonly timeoutMs: number;
  readonly #endsAt: number;
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #expired: Promise<never>;
  readonly #parent: AbortSignal | undefined;
  readonly #abortWithParent = () => this.#controller.abort(this.#parent?.reason);

  /**
   * @param parent A signal that ends this budget early: the caller's, when this budget is a part of a larger
   *   one (fromSsm's own read limit inside a provider's `timeoutMs`).
   */
  constructor(timeoutMs: number, parent?: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.#endsAt = Date.now() + timeoutMs;
    this.#expired = new Promise<never>((_, reject) => {
      this.#controller.signal.addEventListener('abort', () => reject(this.#controller.signal.reason));
    });
    // Callers that never race against the deadline must not see an unhandled rejection.
    this.#expired.catch(() => undefined);
    this.#timer = setTimeout(() => {
      const error = new Error(`timed out after ${timeoutMs} ms`);
      error.name = 'TimeoutError';
      this.#controller.abort(error);
    }, timeoutMs);
    this.#parent = parent;
    if (parent?.aborted) this.#abortWithParent();
    else parent?.addEventListener('abort', this.#abortWithParent, { once: true });
  }

  /** Aborted when the budget runs out; hand it to the SDK's `send` and to `fetch`. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get expired(): boolean {
    return this.#controller.signal.aborted;
  }

  remainingMs(): number {
    return this.expired ? 0 : Math.max(0, this.#endsAt - Date.now());
  }

  /**
   * Settles with `work`, or rejects when the budget runs out first. The race matters for work that ignores
   * the abort signal, such as a user's own credentials source or SDK client.
   */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.#expired]);
  }

  /** Waits `ms`, or rejects as soon as the budget runs out. */
  sleep(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wait = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return this.race(wait).finally(() => clearTimeout(timer));
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#abortWithParent);
  }
}

/**
 * Runs one token operation inside a fresh `timeoutMs` budget, and releases the budget's timer however the
 * operation ends, so a finished call leaves nothing behind to hold a Lambda's event loop open.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  operation: (deadline: Deadline) => Promise<T>,
  parent?: AbortSignal,
): Promise<T> {
  const deadline = new Deadline(timeoutMs, parent);
  try {
    return await operation(deadline);
  } finally {
    deadline.dispose();
  }
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts (it never rejects), and clears its timer either way: for
 * waits that end early without being a failure, such as a poll that the caller stops.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

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
