import type { CognitoTokenErrorCode } from './errors.js';

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
function read(value: unknown, key: string): unknown {
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
 * know, so its message goes entirely; so does a message that is not text (a service's JSON can put anything
 * there). The raw HTTP response the SDK keeps on its errors goes too: through its socket it reaches the
 * request's headers, which hold the caller's AWS session token and signature on signed calls. Causes are
 * scrubbed the same way, a few levels deep.
 */
export function scrub<E>(error: E, secrets: readonly (string | undefined)[], depth = 0): E {
  if (typeof error !== 'object' || error === null || depth > 4) return error;
  const target = error as { message?: unknown; stack?: unknown; $response?: { body?: unknown } };
  const original = read(error, 'message');
  const message = safeMessage(error, secrets);
  try {
    if (original !== undefined && message !== original) {
      target.message = message;
      target.stack = `${errorName(error)}: ${message}`;
    }
    const response = target.$response;
    if (typeof response === 'object' && response !== null && response.body !== undefined) response.body = undefined;
  } catch {
    // A frozen or exotic error cannot be changed. describeCause() still quotes only its safe message.
  }
  // A wrapper's own cause is printed with it (ours: the SDK-resend guard's AbortError keeps the SDK error).
  scrub(read(error, 'cause'), secrets, depth + 1);
  return error;
}

/**
 * The name and message of an error about to become a `cause`, scrubbed of `secrets` in place (see
 * {@link scrub}), ready to quote inside our own message.
 */
export function describeCause(error: unknown, secrets: readonly (string | undefined)[]): string {
  const name = errorName(scrub(error, secrets));
  const message = safeMessage(error, secrets).trim();
  return message === '' || message === name ? name : `${name}: ${message}`;
}

/** What of an error's message may be shown: see {@link scrub}. */
function safeMessage(error: unknown, secrets: readonly (string | undefined)[]): string {
  if (error instanceof SyntaxError || errorName(error) === 'SyntaxError') return 'unreadable JSON (text withheld)';
  const message = read(error, 'message');
  return typeof message === 'string' ? redact(message, secrets) : '';
}
