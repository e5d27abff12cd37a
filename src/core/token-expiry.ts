import type { CognitoJwtClaims } from './jwt-claims.js';

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
