import type { CognitoTokenErrorCode } from './errors.js';

/** How a failed request should be treated by the retry loop and the error mapping. */
export type FailureKind = 'throttled' | 'transient' | 'rejected';

// Name prefixes rather than lists: AWS services spell the same failure several ways
// (TooManyRequestsException, ThrottlingException, ThrottledException, …).
const THROTTLED = /^(TooManyRequests|Throttl|RequestLimitExceeded|LimitExceeded|slow_down)/;
const TRANSIENT = /^(Internal|ServiceUnavailable|RequestTimeout|TimeoutError|AbortError)/;
// Node's socket-level failures: worth another attempt, since they say nothing about the request itself.
const NETWORK_CODE = /^(ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_)/;

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

/** The AWS error name (`NotAuthorizedException`), or `Error` when there is none. */
export function errorName(error: unknown): string {
  const name = (error as AwsLikeError | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/** The HTTP status the SDK recorded for a service error, when there was a response at all. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = (error as AwsLikeError | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Sorts an SDK or network error into throttled, transient (server or network, worth retrying) or rejected
 * (the request itself was refused: retrying cannot help).
 */
export function classifyFailure(error: unknown): FailureKind {
  const name = errorName(error);
  const status = httpStatusOf(error);
  if (THROTTLED.test(name) || status === 429) return 'throttled';
  if (
    TRANSIENT.test(name) ||
    (status ?? 0) >= 500 ||
    (error as AwsLikeError | undefined)?.$fault === 'server' ||
    // A garbled answer (the SDK's parse error, often with a 2xx status) says nothing about our request.
    error instanceof SyntaxError
  ) {
    return 'transient';
  }
  return status === undefined && isNetworkFailure(error) ? 'transient' : 'rejected';
}

function isNetworkFailure(error: unknown): boolean {
  // fetch wraps socket errors as TypeError('fetch failed', { cause }); the SDK surfaces them directly.
  for (let current = error as AwsLikeError | undefined, depth = 0; current && depth < 4; depth++) {
    const code = current.code;
    if ((typeof code === 'string' && NETWORK_CODE.test(code)) || (current as Error).message === 'fetch failed') {
      return true;
    }
    current = current.cause as AwsLikeError | undefined;
  }
  return false;
}

/** Turns the last failure of a retried operation into the code the caller sees. */
export function codeForExhaustedRetries(kind: Exclude<FailureKind, 'rejected'>): CognitoTokenErrorCode {
  return kind === 'throttled' ? 'ERR_THROTTLED' : 'ERR_UNAVAILABLE';
}

/**
 * Cognito's own messages are safe to show ("Incorrect username or password."), but some services echo input
 * back. Anything we know to be secret is cut out before a message reaches an error or a log.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let safe = text;
  for (const secret of secrets) {
    // Short values would redact ordinary words and reveal nothing worth hiding.
    if (secret && secret.length > 3) safe = safe.split(secret).join('[redacted]');
  }
  return safe;
}

/**
 * Removes known secrets from an error's message and stack, in place: it stays the SDK's own error, with its
 * class and `$metadata`, but a `cause` is printed by `util.inspect` and `console.log`, so it must be as safe as
 * our own message. A parse error quotes the text it choked on, which may be a token or a secret we do not
 * know, so its message goes entirely.
 */
export function scrub<E>(error: E, secrets: readonly (string | undefined)[]): E {
  if (error instanceof Error) {
    const message = error instanceof SyntaxError ? 'unreadable JSON (text withheld)' : redact(error.message, secrets);
    if (message !== error.message) {
      error.message = message;
      error.stack = `${error.name}: ${message}`;
    }
  }
  return error;
}

/**
 * The name and message of an error about to become a `cause`, scrubbed of `secrets` in place (see
 * {@link scrub}), ready to quote inside our own message.
 */
export function describeCause(error: unknown, secrets: readonly (string | undefined)[]): string {
  const name = errorName(scrub(error, secrets));
  const message = error instanceof Error ? error.message.trim() : '';
  return message === '' || message === name ? name : `${name}: ${message}`;
}
