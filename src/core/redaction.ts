import { errorName, read } from './failure.js';

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
