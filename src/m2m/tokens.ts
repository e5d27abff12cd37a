/**
 * A machine-to-machine access token, as returned by a client token provider's `getTokens()`.
 *
 * The token is readable through `accessToken`, but it is kept in a private field, so `console.log(tokens)`,
 * `util.inspect(tokens)` and `JSON.stringify(tokens)` show only `expiresAt`, `scopes` and `tokenType`. Object
 * spread (`{ ...tokens }`) therefore copies no token: read the property.
 *
 * Frozen, `scopes` included, and each call of `getTokens()` or `refresh()` gets its own copy with its own
 * `expiresAt`: a `Date` can be changed (`setTime`) even inside a frozen object, and no caller may change what the
 * others see.
 *
 * @example
 * ```ts
 * import type { ClientTokenProvider } from 'cognito-token-provider';
 *
 * declare const m2m: ClientTokenProvider;
 * const { accessToken, expiresAt, scopes } = await m2m.getTokens();
 * console.log(`token for ${scopes.join(' ')} until ${expiresAt.toISOString()}`);
 * ```
 */
export class ClientTokens {
  /** When the access token expires. */
  readonly expiresAt: Date;
  /**
   * The scopes granted, for example `['orders/read']`: the token endpoint's `scope`, else the token's `scope`
   * claim, else the scopes requested. Empty when none of them names any.
   */
  readonly scopes: readonly string[];
  /** The token type the server named, normally `Bearer`. */
  readonly tokenType: string;
  readonly #accessToken: string;

  /** @internal Built by the providers; not meant to be constructed by users. */
  constructor(accessToken: string, expiresAt: Date, scopes: readonly string[], tokenType: string) {
    this.#accessToken = accessToken;
    // A Date of our own: the one passed in may be changed by whoever else holds it.
    this.expiresAt = new Date(expiresAt.getTime());
    this.scopes = Object.freeze([...scopes]);
    this.tokenType = tokenType;
    Object.freeze(this);
  }

  /** The access token (a JWT with Cognito), for the `Authorization` header of the API you call. */
  get accessToken(): string {
    return this.#accessToken;
  }
}

/**
 * The copy of the cached token that one caller gets, so that changing its `expiresAt` changes nothing for the
 * provider or for any other caller. The cached object itself is never handed out.
 */
export function clientTokensForCaller(tokens: ClientTokens): ClientTokens {
  return new ClientTokens(tokens.accessToken, tokens.expiresAt, tokens.scopes, tokens.tokenType);
}
