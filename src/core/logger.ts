/**
 * Receives events: signed in, renewed, fell back, retried, switched renewal mode, and the few that ask for action
 * (warnings). The details carry names, counts and timings, never a password, secret or token. `console`,
 * Powertools' `Logger` and pino all fit.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type TokenProviderLogger, type UserCredentials } from 'cognito-token-provider';
 * declare const clientId: string;
 * declare const credentials: UserCredentials;
 * const logger: TokenProviderLogger = {
 *   debug: (message, details) => console.debug(message, details),
 *   warn: (message, details) => console.warn(message, details),
 * };
 * const tokens = createTokenProvider({ clientId, credentials, logger });
 * ```
 */
export interface TokenProviderLogger {
  /**
   * One event: `message` says what happened (`cognito-token-provider: signed in`), `details` carries its names,
   * counts and timings (`{ flow: 'user-password', durationMs: 182 }`).
   */
  debug(message: string, details?: Record<string, unknown>): void;
  /**
   * An event that asks for a change of configuration: the provider still works, at a cost the message names.
   * Optional: without it, such events go to `debug` with `details.level: 'warn'`.
   */
  warn?(message: string, details?: Record<string, unknown>): void;
}

/** Lets callers log unconditionally without a null check on every event. */
export function logEvent(
  logger: TokenProviderLogger | undefined,
  message: string,
  details?: Record<string, unknown>,
): void {
  if (logger === undefined) return;
  try {
    logger.debug(message, details);
  } catch {
    // A broken logger must never turn a token request into a failure.
  }
}

/** A warning-level event: to `warn` when the logger has one, otherwise to `debug` marked `level: 'warn'`. */
export function logWarning(
  logger: TokenProviderLogger | undefined,
  message: string,
  details: Record<string, unknown> = {},
): void {
  if (logger === undefined) return;
  try {
    if (typeof logger.warn === 'function') logger.warn(message, details);
    else logger.debug(message, { ...details, level: 'warn' });
  } catch {
    // A broken logger must never turn a token request into a failure.
  }
}
