import type { AuthenticationResultType } from '@aws-sdk/client-cognito-identity-provider';
import type { ExpiringValue } from '../core/expiring-cache.js';
import { claimsOfCognitoToken, readableClaims } from '../core/jwt-claims.js';
import { expiredOnArrival, expiryOf, renewalPoint } from '../core/token-expiry.js';
import { CognitoTokenError } from '../errors.js';
import { CognitoTokens } from './cognito-tokens.js';

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
  if (expiredOnArrival(now, expiresIn, tokenClaims)) {
    throw new CognitoTokenError(
      'ERR_UNAVAILABLE',
      'Cognito returned tokens that had already expired when they arrived',
    );
  }
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
