import type { AuthenticationResultType } from '@aws-sdk/client-cognito-identity-provider';
import type { ExpiringValue } from '../core/expiring-cache.js';
import { claimsOfCognitoToken, deadOnArrival, expiryOf, readableClaims, renewalPoint } from '../core/jwt-claims.js';
import type { UserCredentials } from '../credentials/credentials.js';
import { CognitoTokenError } from '../errors.js';
import type { FleetRecipe } from '../provider/token-kernel.js';

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

/** Everything the provider keeps about a signed-in user. Held only inside the provider's private cache. */
export interface Session extends ExpiringValue {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  /** The `cognito:username` claim: what REFRESH_TOKEN_AUTH's SECRET_HASH must be computed over. */
  readonly username: string;
  /** The app client secret the session was created with, needed again to renew it. */
  readonly clientSecret: string | undefined;
  /**
   * The key of the device the session was signed in for, in a pool that tracks devices: Cognito renews its
   * tokens only when the renewal names it.
   */
  readonly deviceKey: string | undefined;
  /** The public view handed to `getTokens()` callers, built once per session rather than per call. */
  readonly tokens: CognitoTokens;
}

/**
 * Builds a session from Cognito's AuthenticationResult (with, after a sign-in, the device it was for). Every way the answer can be unusable (no tokens, tokens
 * that are not text or not JWTs, tokens dead on arrival) is `ERR_UNAVAILABLE`. The send path already retries
 * tokens dead on arrival (see `sendWithRetries`); the check here keeps them out of the cache whatever sent them.
 */
export function sessionFromResult(
  result: AuthenticationResultType & { readonly device?: { readonly key: string } | undefined },
  signInUsername: string,
  clientSecret: string | undefined,
  refreshAheadSeconds: number,
  previous?: Session,
): Session {
  const { IdToken: idToken, AccessToken: accessToken } = result;
  if (!idToken || !accessToken) {
    throw new CognitoTokenError('ERR_UNAVAILABLE', 'Cognito returned no ID or access token');
  }
  // The SDK does not check types: a JSON number where a token belongs arrives as a number.
  if (typeof idToken !== 'string' || typeof accessToken !== 'string') {
    throw new CognitoTokenError('ERR_UNAVAILABLE', 'Cognito returned an ID or access token that is not text');
  }
  const claims = claimsOfCognitoToken(idToken);
  const now = Date.now();
  const expiresIn = typeof result.ExpiresIn === 'number' ? result.ExpiresIn : undefined;
  const tokenClaims = [claims, readableClaims(accessToken)];
  const expiresAt = expiryOf(now, expiresIn, tokenClaims);
  if (expiresAt === undefined) {
    throw new CognitoTokenError('ERR_UNAVAILABLE', 'Cognito returned tokens with neither ExpiresIn nor an exp claim');
  }
  const dead = deadOnArrival('Cognito', 'tokens', now, expiresIn, tokenClaims);
  if (dead !== undefined) throw new CognitoTokenError('ERR_UNAVAILABLE', dead);
  const claimed = claims['cognito:username'];
  const username = typeof claimed === 'string' && claimed ? claimed : signInUsername;
  return {
    idToken,
    accessToken,
    // REFRESH_TOKEN_AUTH returns no refresh token; rotation returns a new one that must replace the old.
    refreshToken: result.RefreshToken ?? previous?.refreshToken,
    username,
    clientSecret,
    // A sign-in names its device (see SignedIn); a renewal keeps the one the session was signed in for.
    deviceKey: result.device?.key ?? previous?.deviceKey,
    expiresAt,
    renewAt: renewalPoint(now, expiresAt, refreshAheadSeconds),
    tokens: new CognitoTokens(idToken, accessToken, new Date(expiresAt), username),
  };
}

/**
 * How sessions are shared by a fleet: one entry per user, holding the ID and access tokens, their expiry and
 * `cognito:username`, never the refresh token or a device key (they stay in the process that got them), sealed
 * with a key derived from the credentials every instance of that user holds.
 */
export function sessionSharing(
  userPoolId: string | undefined,
  refreshAheadSeconds: number,
): FleetRecipe<Session, UserCredentials> {
  return {
    identify: ({ username, password, clientSecret }) => ({
      pool: userPoolId ?? '',
      subject: { username },
      secrets: { password, clientSecret },
    }),
    encode: ({ idToken, accessToken, expiresAt, username }) => ({ idToken, accessToken, expiresAt, username }),
    decode: ({ idToken, accessToken, username }, expiresAt, { clientSecret }) => {
      if (typeof idToken !== 'string' || typeof accessToken !== 'string' || typeof username !== 'string') {
        return undefined;
      }
      return {
        idToken,
        accessToken,
        refreshToken: undefined,
        username,
        clientSecret,
        deviceKey: undefined,
        expiresAt,
        renewAt: renewalPoint(Date.now(), expiresAt, refreshAheadSeconds),
        tokens: new CognitoTokens(idToken, accessToken, new Date(expiresAt), username),
      };
    },
    tokensOf: (session) => [session.idToken, session.accessToken],
    // Another instance's tokens: the refresh token this process holds, if any, is still its own to renew with,
    // for the device it was issued to (device keys stay in the process too).
    adopt: (shared, current) =>
      shared.refreshToken === undefined && current?.refreshToken !== undefined
        ? {
            ...shared,
            refreshToken: current.refreshToken,
            clientSecret: current.clientSecret,
            deviceKey: current.deviceKey,
          }
        : shared,
  };
}
