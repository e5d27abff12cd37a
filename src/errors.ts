/**
 * The stable codes a {@link CognitoTokenError} can carry. Branch on these, never on messages.
 *
 * @example
 * ```ts
 * import { CognitoTokenError } from 'cognito-token-provider';
 * try {
 *   await tokens.getIdToken();
 * } catch (error) {
 *   if (error instanceof CognitoTokenError && error.code === 'ERR_THROTTLED') {
 *     // back off and try later
 *   }
 * }
 * ```
 */
export type CognitoTokenErrorCode =
  | 'ERR_CONFIGURATION'
  | 'ERR_CREDENTIALS'
  | 'ERR_AUTHENTICATION'
  | 'ERR_CHALLENGE_REQUIRED'
  | 'ERR_THROTTLED'
  | 'ERR_UNAVAILABLE';

/**
 * The one error type this package throws. `code` is stable across versions; `cause` is the underlying
 * AWS SDK (or fetch) error when there is one. Messages never contain passwords, secrets or tokens.
 *
 * @example
 * ```ts
 * import { CognitoTokenError } from 'cognito-token-provider';
 * try {
 *   await tokens.getIdToken();
 * } catch (error) {
 *   if (error instanceof CognitoTokenError) console.error(error.code, error.message);
 *   throw error;
 * }
 * ```
 */
export class CognitoTokenError extends Error {
  /** A stable, machine-readable code. */
  readonly code: CognitoTokenErrorCode;

  constructor(code: CognitoTokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // A literal rather than new.target.name: minifiers rename classes, and Lambda bundles are usually minified.
    this.name = 'CognitoTokenError';
  }
}

/**
 * Thrown with code `ERR_CHALLENGE_REQUIRED` when Cognito answers a sign-in with a challenge
 * (NEW_PASSWORD_REQUIRED, SMS_MFA, SOFTWARE_TOKEN_MFA, ...) that a service account cannot answer unattended.
 *
 * @example
 * ```ts
 * import { ChallengeRequiredError } from 'cognito-token-provider';
 * try {
 *   await tokens.getIdToken();
 * } catch (error) {
 *   if (error instanceof ChallengeRequiredError && error.challengeName === 'NEW_PASSWORD_REQUIRED') {
 *     // set a permanent password: aws cognito-idp admin-set-user-password --permanent ...
 *   }
 * }
 * ```
 */
export class ChallengeRequiredError extends CognitoTokenError {
  /** The challenge Cognito asked for, for example `NEW_PASSWORD_REQUIRED`. */
  readonly challengeName: string;

  constructor(challengeName: string, message: string) {
    super('ERR_CHALLENGE_REQUIRED', message);
    this.challengeName = challengeName;
    this.name = 'ChallengeRequiredError';
  }
}

/** Shorthand for the factory-time failure, so every option check reads the same. */
export function configurationError(option: string, problem: string): CognitoTokenError {
  return new CognitoTokenError('ERR_CONFIGURATION', `"${option}" ${problem}`);
}
