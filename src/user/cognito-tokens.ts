/**
 * The tokens of one signed-in session, as returned by `getTokens()`.
 *
 * The tokens are readable through `idToken` and `accessToken`, but they are kept in private fields, so
 * `console.log(tokens)`, `util.inspect(tokens)` and `JSON.stringify(tokens)` show only `expiresAt` and
 * `username`. Note that object spread (`{ ...tokens }`) therefore copies no token: read the properties.
 *
 * Frozen, and each call of `getTokens()` or `refresh()` gets its own copy with its own `expiresAt`: a `Date` can
 * be changed (`setTime`) even inside a frozen object, and no caller may change what the others see.
 *
 * @example
 * ```ts
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
    // A Date of our own: the one passed in may be changed by whoever else holds it.
    this.expiresAt = new Date(expiresAt.getTime());
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

/**
 * The copy of the cached tokens that one caller gets, so that changing its `expiresAt` changes nothing for the
 * provider or for any other caller. The cached object itself is never handed out.
 */
export function tokensForCaller(tokens: CognitoTokens): CognitoTokens {
  return new CognitoTokens(tokens.idToken, tokens.accessToken, tokens.expiresAt, tokens.username);
}
