import { CognitoTokenError, configurationError } from '../errors.js';
import { parseJsonObject } from './json-object.js';

/**
 * The claims this package reads from a Cognito ID or access token; any other claim reads as `unknown`.
 *
 * @example
 * ```ts
 * import { type CognitoJwtClaims, decodeJwtClaims, type TokenProvider } from 'cognito-token-provider';
 * declare const tokens: TokenProvider;
 * const claims: CognitoJwtClaims = decodeJwtClaims(await tokens.getIdToken());
 * console.log(claims['cognito:username'], new Date((claims.exp ?? 0) * 1000).toISOString());
 * ```
 */
export interface CognitoJwtClaims {
  /** Expiry, in seconds since the epoch. */
  readonly exp?: number;
  /** Issue time, in seconds since the epoch. */
  readonly iat?: number;
  /** The user's username, in ID tokens (even when they signed in with an alias). */
  readonly 'cognito:username'?: string;
  /** The user's username in access tokens; the client ID in machine-to-machine access tokens. */
  readonly username?: string;
  /** Any other claim, unchecked. */
  readonly [claim: string]: unknown;
}

/**
 * Reads the payload of a JWT without verifying it. We only use it for tokens Cognito has just handed us over
 * TLS, to learn their expiry and the user's real username; verification is the resource server's job.
 *
 * Throws a `CognitoTokenError` with code `ERR_CONFIGURATION` when `jwt` is not a string holding a JWT with a
 * JSON object as its payload: the argument is the caller's, so the message names it, never its value.
 *
 * @example
 * ```ts
 * import { decodeJwtClaims, type TokenProvider } from 'cognito-token-provider';
 * declare const tokens: TokenProvider;
 * const { exp } = decodeJwtClaims(await tokens.getIdToken());
 * ```
 */
export function decodeJwtClaims(jwt: string): CognitoJwtClaims {
  const claims = parseClaims(jwt);
  if (claims === undefined) {
    // The message must not quote the argument: it is a credential even when malformed.
    throw configurationError('jwt', 'must be a JWT: three base64url parts, the second a JSON object of claims');
  }
  return claims;
}

/**
 * The claims of a token Cognito returned; `ERR_UNAVAILABLE` saying so when it is not a readable JWT, since then
 * it is Cognito's answer, not the caller's input, that is at fault.
 */
export function claimsOfCognitoToken(jwt: unknown): CognitoJwtClaims {
  const claims = parseClaims(jwt);
  // The message must not quote the token: it is a credential even when malformed.
  if (claims === undefined)
    throw new CognitoTokenError('ERR_UNAVAILABLE', 'Cognito returned a token that is not a readable JWT');
  return claims;
}

/**
 * The claims of a token whose readability is a bonus, `undefined` when it is not a JWT: Cognito's access tokens
 * are JWTs, but an OAuth2 server in front of it may hand out opaque ones, usable as long as the answer says how
 * long they live.
 */
export function readableClaims(token: unknown): CognitoJwtClaims | undefined {
  return parseClaims(token);
}

function parseClaims(jwt: unknown): CognitoJwtClaims | undefined {
  if (typeof jwt !== 'string') return undefined;
  const payload = jwt.split('.')[1];
  if (payload === undefined) return undefined;
  return parseJsonObject(Buffer.from(payload, 'base64url').toString('utf8')) as CognitoJwtClaims | undefined;
}

/**
 * Cognito's longest ID and access token lifetime, 24 hours. No stated lifetime is trusted beyond it: a huge
 * `ExpiresIn` would otherwise give a date past what `Date` can hold, and tokens cached for ever.
 */
export const MAX_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * When a set of tokens stops being usable: the earliest of the stated lifetime (`ExpiresIn`, `expires_in`)
 * and each readable token's own lifetime. Cognito configures ID and access token validity separately, and
 * `ExpiresIn` describes only the access token, so an ID token can die first.
 *
 * A token's lifetime is `exp - iat`, counted from now on our own clock: Cognito issues tokens as it answers,
 * and a skewed local clock then neither shortens nor stretches them. Never later than
 * {@link MAX_TOKEN_LIFETIME_MS} from now. Returns `undefined` when nothing states a lifetime.
 */
export function expiryOf(
  now: number,
  expiresInSeconds: number | undefined,
  claims: readonly (CognitoJwtClaims | undefined)[],
): number | undefined {
  let expiresAt =
    typeof expiresInSeconds === 'number' && expiresInSeconds > 0
      ? now + Math.min(expiresInSeconds * 1000, MAX_TOKEN_LIFETIME_MS)
      : Infinity;
  for (const claim of claims) {
    const exp = claim?.exp;
    const iat = claim?.iat;
    if (typeof exp !== 'number') continue;
    expiresAt = Math.min(expiresAt, typeof iat === 'number' && iat < exp ? now + (exp - iat) * 1000 : exp * 1000);
  }
  return expiresAt === Infinity ? undefined : Math.min(expiresAt, now + MAX_TOKEN_LIFETIME_MS);
}

/**
 * Whether tokens were already dead when they arrived: a token whose `exp` is not after its `iat`, or a lifetime
 * (see {@link expiryOf}) that ends now or earlier. Such an answer is unusable, not a short-lived success: cached,
 * it would be fetched again on every call.
 */
export function expiredOnArrival(
  now: number,
  expiresInSeconds: number | undefined,
  claims: readonly (CognitoJwtClaims | undefined)[],
): boolean {
  const backwards = claims.some(
    (claim) => typeof claim?.exp === 'number' && typeof claim.iat === 'number' && claim.exp <= claim.iat,
  );
  const expiresAt = expiryOf(now, expiresInSeconds, claims);
  return backwards || (expiresAt !== undefined && expiresAt <= now);
}

/**
 * Computes the renewal point: `refreshAheadSeconds` before expiry, but never later than half the lifetime,
 * so a five-minute token still renews ahead instead of on its last second.
 */
export function renewalPoint(now: number, expiresAt: number, refreshAheadSeconds: number): number {
  const lifetime = Math.max(0, expiresAt - now);
  return expiresAt - Math.min(refreshAheadSeconds * 1000, lifetime / 2);
}

/**
 * Why an answer's tokens cannot be used because they were dead on arrival (see {@link expiredOnArrival}), or
 * `undefined` when they are alive. One wording for every answer: `answeredBy` names the server (`Cognito`,
 * `The OAuth2 token endpoint`), `what` the tokens (`tokens`, `an access token`). Callers decide how to fail:
 * retried like a 5xx while there is time, `ERR_UNAVAILABLE` after that.
 */
export function deadOnArrival(
  answeredBy: string,
  what: string,
  now: number,
  expiresInSeconds: number | undefined,
  claims: readonly (CognitoJwtClaims | undefined)[],
): string | undefined {
  return expiredOnArrival(now, expiresInSeconds, claims)
    ? `${answeredBy} returned ${what} that had already expired on arrival`
    : undefined;
}
