import { CognitoTokenError, type CognitoTokenErrorCode } from '../errors.js';
import { CliUsageError } from './usage-error.js';

/** The codes `cognito-token` prints: the library's, plus two of its own. */
type CliErrorCode = CognitoTokenErrorCode | 'ERR_USAGE' | 'ERR_INTERNAL';

/**
 * Exit status per error code, so scripts can tell "fix the command" from "fix the password" from "try later".
 * Documented in `--help` and the README; changing a number is a breaking change.
 */
export const EXIT_CODES: Readonly<Record<CliErrorCode, number>> = {
  ERR_INTERNAL: 1,
  ERR_USAGE: 2,
  ERR_CONFIGURATION: 2,
  ERR_AUTHENTICATION: 3,
  ERR_CHALLENGE_REQUIRED: 4,
  ERR_CREDENTIALS: 5,
  ERR_UNAVAILABLE: 6,
  ERR_THROTTLED: 7,
};

/** The code to print and the status to exit with for anything the command throws. */
export function classifyCliError(error: unknown): { code: CliErrorCode; exitCode: number } {
  const code: CliErrorCode =
    error instanceof CognitoTokenError || error instanceof CliUsageError ? error.code : 'ERR_INTERNAL';
  return { code, exitCode: EXIT_CODES[code] };
}
