/**
 * The tokens of one signed-in session, as returned by `getTokens()`.
 *
 * The tokens are readable through `idToken` and `accessToken`, but they are kept in private fields, so
 * `console.log(tokens)`, `util.inspect(tokens)` and `JSON.stringify(tokens)` show only `expiresAt` and
 * `username`. Note that object spread (`{ ...tokens }`) therefore copies no token: read the properties.
 *
 * Frozen: every caller of `getTokens()` gets this same object until the next renewal, so no caller can change
 * what the others see.
 *
 * @example
 * ```ts
 * import type { TokenProvider } from 'cognito-token-provider';
 *
 * declare const tokens: TokenProvider;
 * const { idToken, accessToken, expiresAt, username } = await tokens.getTokens();
 * console.log(`signed in as ${username} until ${expiresAt.toISOString()}`);
 * ```
 */
export class CognitoTokens {
  /** When the ID and access tokens expire. */
  readonly expiresAt: Date;
  /** The `cognito:username` claim: the user's real username, a UUID when they sign in with an email alias. */
  readonly username: string;
  readonly #idToken: string;
  readonly #accessToken: string;

  /** @internal Built by the providers; not meant to be constructed by users. */
  constructor(idToken: string, accessToken: string, expiresAt: Date, username: string) {
    this.#idToken = idToken;
    this.#accessToken = accessToken;
    this.expiresAt = expiresAt;
    this.username = username;
    Object.freeze(this);
  }

  /** The ID token (a JWT), for API Gateway Cognito authorizers. */
  get idToken(): string {
    return this.#idToken;
  }

  /** The access token (a JWT), for APIs that check scopes. */
  get accessToken(): string {
    return this.#accessToken;
  }
}
