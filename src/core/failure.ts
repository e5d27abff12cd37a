import type { CognitoTokenErrorCode } from '../errors.js';

/** How a failed request should be treated by the retry loop and the error mapping. */
export type FailureKind = 'throttled' | 'transient' | 'rejected';

// Name prefixes rather than lists: AWS services spell the same failure several ways
// (TooManyRequestsException, ThrottlingException, ThrottledException, …).
const THROTTLED = /^(TooManyRequests|Throttl|RequestLimitExceeded|LimitExceeded|slow_down)/;
const TRANSIENT = /^(Internal|ServiceUnavailable|RequestTimeout|TimeoutError|AbortError)/;
// Node's socket-level failures: worth another attempt, since they say nothing about the request itself.
const NETWORK_CODE = /^(ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_)/;

/**
 * A property of whatever was thrown, or `undefined` when there is none or reading it throws: a hostile getter
 * must not replace the failure we are describing with one of its own.
 */
export function read(value: unknown, key: string): unknown {
  try {
    return (value as Record<string, unknown> | null | undefined)?.[key];
  } catch {
    return undefined;
  }
}

/** The AWS error name (`NotAuthorizedException`), or `Error` when there is none. */
export function errorName(error: unknown): string {
  const name = read(error, 'name');
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/** The HTTP status the SDK recorded for a service error, when there was a response at all. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = read(read(error, '$metadata'), 'httpStatusCode');
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
    read(error, '$fault') === 'server' ||
    // A garbled answer (the SDK's parse error, often with a 2xx status) says nothing about our request.
    error instanceof SyntaxError
  ) {
    return 'transient';
  }
  return status === undefined && isNetworkFailure(error) ? 'transient' : 'rejected';
}

function isNetworkFailure(error: unknown): boolean {
  // fetch wraps socket errors as TypeError('fetch failed', { cause }); the SDK surfaces them directly.
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = read(current, 'code');
    if ((typeof code === 'string' && NETWORK_CODE.test(code)) || read(current, 'message') === 'fetch failed') {
      return true;
    }
    current = read(current, 'cause');
  }
  return false;
}

/** Turns the last failure of a retried operation into the code the caller sees. */
export function codeForExhaustedRetries(kind: Exclude<FailureKind, 'rejected'>): CognitoTokenErrorCode {
  return kind === 'throttled' ? 'ERR_THROTTLED' : 'ERR_UNAVAILABLE';
}
