/**
 * The stable codes a {@link CognitoTokenError} can carry. Branch on these, never on messages.
 *
 * @example
 * ```ts
 * import { CognitoTokenError, type TokenProvider } from 'cognito-token-provider';
 * declare const tokens: TokenProvider;
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
 * import { CognitoTokenError, type TokenProvider } from 'cognito-token-provider';
 * declare const tokens: TokenProvider;
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

  /**
   * `instanceof` that holds across copies of this package: an app that loads both the ES module and the
   * CommonJS build (or two bundles of it) has two classes of each name, and a check against one must still
   * recognise an error thrown by the other.
   *
   * For TypeScript, `error instanceof CognitoTokenError` narrows to {@link CognitoTokenErrors}, so that a
   * check of `error.code` narrows further: to {@link ChallengeRequiredError}, with its `challengeName`, for
   * `'ERR_CHALLENGE_REQUIRED'`. `instanceof` a subclass narrows to that subclass.
   *
   * @example
   * ```ts
   * import { CognitoTokenError } from 'cognito-token-provider';
   * declare const error: unknown;
   * if (error instanceof CognitoTokenError && error.code === 'ERR_CHALLENGE_REQUIRED') {
   *   console.error('Cognito asks for', error.challengeName);
   * }
   * ```
   */
  // Narrows to the union for the base class itself (and subclasses that add nothing), to the class for others.
  static override [Symbol.hasInstance]<T>(
    this: abstract new (
      ...args: never[]
    ) => T,
    value: unknown,
  ): value is CognitoTokenError extends T ? CognitoTokenErrors : T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class on the right of instanceof, a subclass included
    const brand = BRANDS.get(this);
    // biome-ignore lint/complexity/noThisInStatic: a user's own subclass keeps the ordinary prototype check
    if (brand === undefined) return Function.prototype[Symbol.hasInstance].call(this, value);
    const kinds = typeof value === 'object' && value !== null ? (value as Record<symbol, unknown>)[KINDS] : undefined;
    return Array.isArray(kinds) && kinds.includes(brand);
  }

  static {
    // util.inspect prints the constructor's name beside `name` when they differ (`l [CognitoTokenError]`), and
    // minifiers rename classes, Lambda bundles being usually minified: the class is named by a literal.
    Object.defineProperty(CognitoTokenError, 'name', { value: 'CognitoTokenError' });
  }

  constructor(code: CognitoTokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    const kinds: string[] = [];
    // Every branded class on the chain, a user's own subclasses of ours skipped rather than ending the walk.
    for (let type: unknown = new.target; typeof type === 'function'; type = Object.getPrototypeOf(type)) {
      const brand = BRANDS.get(type);
      if (brand !== undefined) kinds.push(brand);
    }
    // Not enumerable: it is no part of what the error says, and JSON.stringify leaves it out.
    Object.defineProperty(this, KINDS, { value: Object.freeze(kinds) });
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
 * import { ChallengeRequiredError, type TokenProvider } from 'cognito-token-provider';
 * declare const tokens: TokenProvider;
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
  /** Always `ERR_CHALLENGE_REQUIRED`: the code that tells this error from the others. */
  declare readonly code: 'ERR_CHALLENGE_REQUIRED';
  /** The challenge Cognito asked for, for example `NEW_PASSWORD_REQUIRED`. */
  readonly challengeName: string;

  static {
    // As for CognitoTokenError: util.inspect shows this name, not a minifier's.
    Object.defineProperty(ChallengeRequiredError, 'name', { value: 'ChallengeRequiredError' });
  }

  constructor(challengeName: string, message: string) {
    super('ERR_CHALLENGE_REQUIRED', message);
    this.challengeName = challengeName;
    this.name = 'ChallengeRequiredError';
  }
}

/**
 * Every error this package throws, as a union on `code`: once `error.code` is checked, TypeScript knows the
 * class, so `'ERR_CHALLENGE_REQUIRED'` gives a {@link ChallengeRequiredError} with its `challengeName`.
 * `error instanceof CognitoTokenError` narrows to this type.
 *
 * @example
 * ```ts
 * import { type CognitoTokenErrors, CognitoTokenError } from 'cognito-token-provider';
 * function advice(error: CognitoTokenErrors): string {
 *   switch (error.code) {
 *     case 'ERR_CHALLENGE_REQUIRED':
 *       return `answer the ${error.challengeName} challenge once, by hand`;
 *     case 'ERR_THROTTLED':
 *       return 'back off and try later';
 *     default:
 *       return error.message;
 *   }
 * }
 * declare const caught: unknown;
 * if (caught instanceof CognitoTokenError) console.error(advice(caught));
 * ```
 */
export type CognitoTokenErrors =
  | ChallengeRequiredError
  | (CognitoTokenError & {
      /** Any code but `ERR_CHALLENGE_REQUIRED`, which only a {@link ChallengeRequiredError} carries. */
      readonly code: Exclude<CognitoTokenErrorCode, 'ERR_CHALLENGE_REQUIRED'>;
    });

// Shared by every copy of the package through the global symbol registry; the strings are the class names,
// written out because minifiers rename classes.
const KINDS = Symbol.for('cognito-token-provider.error-kinds');
const BRANDS = new Map<unknown, string>([
  [CognitoTokenError, 'CognitoTokenError'],
  [ChallengeRequiredError, 'ChallengeRequiredError'],
]);

/** Shorthand for the factory-time failure, so every option check reads the same. */
export function configurationError(option: string, problem: string): CognitoTokenError {
  return new CognitoTokenError('ERR_CONFIGURATION', `"${option}" ${problem}`);
}
