import type { CognitoTokenErrorCode } from '../errors.js';

/** How a failed request should be treated by the retry loop and the error mapping. */
export type FailureKind = 'throttled' | 'transient' | 'rejected';

// Name prefixes rather than lists: AWS services spell the same failure several ways
// (TooManyRequestsException, ThrottlingException, ThrottledException, DynamoDB's
// ProvisionedThroughputExceededException, …).
const THROTTLED =
  /^(TooManyRequests|Throttl|RequestLimitExceeded|LimitExceeded|ProvisionedThroughputExceeded|slow_down)/;
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
 *
 * A failure on the way back is transient whatever status the SDK recorded: a connection dropped after `200`
 * headers, or a 2xx body that does not parse, says nothing about our request, although the SDK puts the 200 on
 * the error it throws.
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
    error instanceof SyntaxError ||
    name === 'SyntaxError' ||
    (status !== undefined && status >= 200 && status < 300) ||
    isNetworkFailure(error)
  ) {
    return 'transient';
  }
  return 'rejected';
}

/**
 * The network code of a socket-level failure (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`), looked for a few
 * causes deep: fetch wraps socket errors as `TypeError('fetch failed', { cause })`, the SDK surfaces them
 * directly.
 */
export function networkCodeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = read(current, 'code');
    if (typeof code === 'string' && NETWORK_CODE.test(code)) return code;
    current = read(current, 'cause');
  }
  return undefined;
}

function isNetworkFailure(error: unknown): boolean {
  if (networkCodeOf(error) !== undefined) return true;
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    if (read(current, 'message') === 'fetch failed') return true;
    current = read(current, 'cause');
  }
  return false;
}

/**
 * A failure named for a message: the AWS error name, or what a bare name would hide, the network code of a
 * refused or dropped connection (`ECONNREFUSED from 127.0.0.1:9229`) or the status of an answer without an
 * AWS error in it (`HTTP 404 from cognito-idp.eu-west-1.amazonaws.com`). `host` is where the request went.
 */
export function describeFailure(error: unknown, host: unknown = read(error, 'host')): string {
  const name = errorName(error);
  // Ours, and it says what was wrong with the answer.
  if (name === UNUSABLE_ANSWER) return `${name}: ${String(read(error, 'message'))}`;
  const from = typeof host === 'string' ? ` from ${host}` : '';
  const code = networkCodeOf(error);
  if (code !== undefined) {
    const status = httpStatusOf(error);
    const after = status === undefined ? '' : ` after HTTP ${status}`;
    return `${GENERIC_NAMES.has(name) ? code : `${name} (${code})`}${after}${from}`;
  }
  const status = httpStatusOf(error);
  if (status !== undefined && (GENERIC_NAMES.has(name) || name === 'UnknownError')) return `HTTP ${status}${from}`;
  return name;
}

// Names that say nothing about what failed.
const GENERIC_NAMES = new Set(['Error', 'TypeError', 'Unknown']);

/**
 * An error for an answer that arrived whole but cannot be used (tokens dead on arrival, a list that is not one).
 * Classified transient (`$fault: 'server'`), so the retry loop asks again within the deadline, then gives up
 * with `ERR_UNAVAILABLE` naming it. The message says what was wrong, never what the answer held.
 */
export function unusableAnswer(message: string): Error {
  return Object.assign(new Error(message), { name: UNUSABLE_ANSWER, $fault: 'server' as const });
}

const UNUSABLE_ANSWER = 'UnusableAnswer';

/** Turns the last failure of a retried operation into the code the caller sees. */
export function codeForExhaustedRetries(kind: Exclude<FailureKind, 'rejected'>): CognitoTokenErrorCode {
  return kind === 'throttled' ? 'ERR_THROTTLED' : 'ERR_UNAVAILABLE';
}
