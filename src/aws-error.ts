import type { CognitoTokenErrorCode } from './errors.js';

/** How a failed request should be treated by the retry loop and the error mapping. */
export type FailureKind = 'throttled' | 'transient' | 'rejected';

const THROTTLING_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequests',
  'LimitExceededException',
  'slow_down',
]);

const TRANSIENT_NAMES = new Set([
  'InternalErrorException',
  'InternalServerError',
  'InternalServerErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
]);

// Node's socket-level failures: worth another attempt, since they say nothing about the request itself.
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

/** The AWS error name (`NotAuthorizedException`), or the JS error name when there is none. */
export function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const name = (error as AwsLikeError).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'Error';
}

/** The HTTP status the SDK recorded for a service error, when there was a response at all. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as AwsLikeError).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Sorts an SDK or network error into throttled, transient (server or network, worth retrying) or rejected
 * (the request itself was refused: retrying cannot help).
 */
export function classifyFailure(error: unknown): FailureKind {
  const name = errorName(error);
  const status = httpStatusOf(error);
  if (THROTTLING_NAMES.has(name) || status === 429) return 'throttled';
  if (TRANSIENT_NAMES.has(name) || (status !== undefined && status >= 500)) return 'transient';
  if (status === undefined && isNetworkFailure(error)) return 'transient';
  if (typeof error === 'object' && error !== null && (error as AwsLikeError).$fault === 'server') {
    return 'transient';
  }
  return 'rejected';
}

function isNetworkFailure(error: unknown): boolean {
  // fetch wraps socket errors as TypeError('fetch failed', { cause }); the SDK surfaces them directly.
  for (let current = error, depth = 0; depth < 4; depth++) {
    if (typeof current !== 'object' || current === null) return false;
    const code = (current as AwsLikeError).code;
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return true;
    if (current instanceof TypeError && current.message === 'fetch failed') return true;
    current = (current as AwsLikeError).cause;
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
    if (secret !== undefined && secret.length >= 4) safe = safe.split(secret).join('[redacted]');
  }
  return safe;
}

/** The SDK's message for an error, trimmed and redacted, ready to quote inside our own message. */
export function describeCause(error: unknown, secrets: readonly (string | undefined)[]): string {
  const name = errorName(error);
  const message = error instanceof Error ? error.message.trim() : '';
  const safe = redact(message, secrets);
  return safe === '' || safe === name ? name : `${name}: ${safe}`;
}
