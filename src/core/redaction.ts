import { CognitoTokenError } from '../errors.js';
import { errorName, networkCodeOf, read } from './failure.js';

/**
 * Cognito's own messages are safe to show ("Incorrect username or password."), but some services echo input
 * back, and not always as it was sent: a JSON body escapes `"` and `\`, a query string or form body percent-encodes.
 * Anything we know to be secret is cut out, in each of those forms, before a message reaches an error or a log.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let safe = text;
  for (const form of printedFormsOf(secrets)) safe = safe.split(form).join('[redacted]');
  return safe;
}

/**
 * Each secret as it may appear in a service's answer: raw, JSON-escaped (once, and twice for JSON quoted inside
 * JSON), URL-encoded and form-encoded (space as `+`). Longest first, so a secret inside a longer one (the raw
 * secret inside a token, say) cannot break the longer one up before it is found. Values of three characters or
 * fewer are left: they would redact ordinary words and reveal nothing worth hiding.
 */
function printedFormsOf(secrets: readonly (string | undefined)[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length <= 3) continue;
    const jsonEscaped = JSON.stringify(secret).slice(1, -1);
    forms.add(secret);
    forms.add(jsonEscaped);
    forms.add(JSON.stringify(jsonEscaped).slice(1, -1));
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ v: secret }).toString().slice('v='.length));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * What we keep of a failed request, in place of the SDK's (or fetch's) own error. The SDK copies every field of
 * an error body onto the exception it throws, and a service that echoes the request (a `detail` field holding
 * the password, the SECRET_HASH, the client secret) would have it printed by `console.log(error)` or
 * `JSON.stringify(error.cause)`; its raw `$response` reaches the request's headers through the socket. So this
 * is a new error carrying only what classifies and explains the failure: the original's `name`, `$metadata`
 * (status, request ID, attempts), `$fault`, a network `code` such as `ECONNRESET`, a redacted message, and its
 * own cause sanitised the same way. Nothing else of the original is reachable from it.
 */
export class SanitizedError extends Error {
  /** The HTTP status and request ID the SDK recorded, when there was a response. */
  declare readonly $metadata?: Readonly<Record<string, string | number | undefined>>;
  /** `client` or `server`, as the SDK said. */
  declare readonly $fault?: 'client' | 'server';
  /** A Node or undici network code (`ECONNREFUSED`, `UND_ERR_SOCKET`), when the failure had one. */
  declare readonly code?: string;
  /** The host the failed request went to, when it is known: messages name it. */
  declare readonly host?: string;

  static {
    // It is the `cause` of every CognitoTokenError from a failed request, which util.inspect prints with its
    // constructor's name: a literal, since minifiers rename classes.
    Object.defineProperty(SanitizedError, 'name', { value: 'SanitizedError' });
  }

  constructor(name: string, message: string, fields: SanitizedFields, cause: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = name;
    if (fields.$metadata !== undefined) this.$metadata = fields.$metadata;
    if (fields.$fault !== undefined) this.$fault = fields.$fault;
    if (fields.code !== undefined) this.code = fields.code;
    if (fields.host !== undefined) this.host = fields.host;
  }
}

interface SanitizedFields {
  readonly $metadata?: Readonly<Record<string, string | number | undefined>>;
  readonly $fault?: 'client' | 'server';
  readonly code?: string;
  readonly host?: string;
}

// The $metadata fields worth keeping: what support asks for, and what classifyFailure reads.
const METADATA_FIELDS = ['httpStatusCode', 'requestId', 'extendedRequestId', 'cfId', 'attempts', 'totalRetryDelay'];

/**
 * A {@link SanitizedError} standing for `error`, with `secrets` (in every printed form) cut out of its message.
 * `host`, when known, is the endpoint the request went to: an answer with no AWS error type in it (an empty 404
 * from a wrong endpoint) is then described by its status and that host instead of the SDK's `UnknownError`. Our
 * own errors pass through unchanged, and so does an error already sanitised.
 */
export function sanitize(error: unknown, secrets: readonly (string | undefined)[], host?: string, depth = 0): unknown {
  if (error instanceof CognitoTokenError || error instanceof SanitizedError) return error;
  const name = errorName(error);
  const metadata = read(error, '$metadata');
  const fault = read(error, '$fault');
  const code = read(error, 'code');
  const fields: SanitizedFields = {
    ...(typeof metadata === 'object' && metadata !== null ? { $metadata: pickMetadata(metadata) } : {}),
    ...(fault === 'client' || fault === 'server' ? { $fault: fault } : {}),
    ...(typeof code === 'string' && networkCodeOf({ code }) === code ? { code } : {}),
    ...(host === undefined ? {} : { host }),
  };
  const status = fields.$metadata?.httpStatusCode;
  let message = safeMessage(error, secrets);
  if (isUnknownAnswer(name, message) && typeof status === 'number') {
    message = `HTTP ${status} from ${host ?? 'the endpoint'}, with no AWS error in the answer`;
  }
  const nested = read(error, 'cause');
  const cause = depth >= 4 || nested === undefined ? undefined : sanitize(nested, secrets, host, depth + 1);
  const sanitized = new SanitizedError(name, message, fields, cause);
  // The original's frames are code locations, worth keeping; its first lines repeat the unsafe message.
  const frames = String(read(error, 'stack') ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line));
  sanitized.stack = [`${name}: ${message}`, ...frames].join('\n');
  return sanitized;
}

/**
 * Rebuilds the `CognitoTokenError` of exhausted retries (see `withRetries`) around a sanitised cause, and names
 * the failure better than its bare error name could: the network code of a refused or dropped connection, the
 * status and host of an answer with no AWS error in it.
 */
export function sanitizeExhausted(
  error: CognitoTokenError,
  secrets: readonly (string | undefined)[],
  host?: string,
): CognitoTokenError {
  const cause = error.cause === undefined ? undefined : sanitize(error.cause, secrets, host);
  const message = redact(error.message, secrets);
  return cause === error.cause && message === error.message
    ? error
    : new CognitoTokenError(error.code, message, cause === undefined ? undefined : { cause });
}

function pickMetadata(metadata: object): Record<string, string | number | undefined> {
  const picked: Record<string, string | number | undefined> = {};
  for (const field of METADATA_FIELDS) {
    const value = read(metadata, field);
    if (typeof value === 'string' || typeof value === 'number') picked[field] = value;
  }
  return picked;
}

// The SDK's name and message for an error answer without a type it can read.
function isUnknownAnswer(name: string, message: string): boolean {
  return name === 'Unknown' || name === 'UnknownError' || message === 'UnknownError' || message === '';
}

/**
 * The name and message of an error, with `secrets` cut out, ready to quote inside our own message. It changes
 * nothing: an error kept as a `cause` goes through {@link sanitize} first.
 */
export function describeCause(error: unknown, secrets: readonly (string | undefined)[]): string {
  const name = errorName(error);
  const message = safeMessage(error, secrets).trim();
  return message === '' || message === name ? name : `${name}: ${message}`;
}

/**
 * What of an error's message may be shown. A parse error quotes the text it choked on, which may be a token or
 * a secret we do not know, so its message goes entirely; so does a message that is not text (a service's JSON
 * can put anything there).
 */
function safeMessage(error: unknown, secrets: readonly (string | undefined)[]): string {
  if (error instanceof SyntaxError || errorName(error) === 'SyntaxError') return 'unreadable JSON (text withheld)';
  const message = read(error, 'message');
  return typeof message === 'string' ? redact(message, secrets) : '';
}
