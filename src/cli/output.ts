import { redact } from '../core/redaction.js';
import type { CognitoTokens } from '../index.js';
import { inCliTerms } from './option-flags.js';

/**
 * What `cognito-token` writes to stdout: the token alone and a newline, or with `--json` one line of
 * `{ idToken, accessToken, expiresAt, username }`.
 */
export function formatTokens(tokens: CognitoTokens, options: { token: 'id' | 'access'; json: boolean }): string {
  if (options.json) {
    const { idToken, accessToken, expiresAt, username } = tokens;
    return `${JSON.stringify({ idToken, accessToken, expiresAt: expiresAt.toISOString(), username })}\n`;
  }
  return `${options.token === 'id' ? tokens.idToken : tokens.accessToken}\n`;
}

/**
 * The one stderr line for a failure: `cognito-token: ERR_CODE: message`. The library's messages carry no
 * secret already; every secret the command knows is cut out again anyway, line breaks are folded so a
 * script reading stderr line by line sees one error, and the options the library names become the flags that
 * set them (`"userPoolId"` is `--user-pool-id`).
 */
export function formatError(code: string, message: string, secrets: readonly (string | undefined)[]): string {
  return `cognito-token: ${code}: ${inCliTerms(redact(message, secrets)).replace(/\s*\r?\n\s*/g, ' ')}\n`;
}

/**
 * The status for a write to a pipe whose reader has gone (`cognito-token … | head -c0`): 128 + SIGPIPE, which is
 * what a shell reports for a Unix tool that the signal ended. Node ignores SIGPIPE, so the status says it instead.
 */
export const CLOSED_PIPE_STATUS = 141;

/** Whether a stream error is a write to a pipe (or socket) with nobody reading it any more. */
export function isClosedPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EPIPE';
}
