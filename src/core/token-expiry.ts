import type { CognitoJwtClaims } from './jwt-claims.js';

/**
 * When a set of tokens stops being usable: the earliest of the stated lifetime (`ExpiresIn`, `expires_in`)
 * and each readable token's own lifetime. Cognito configures ID and access token validity separately, and
 * `ExpiresIn` describes only the access token, so an ID token can die first.
 *
 * A token's lifetime is `exp - iat`, counted from now on our own clock: Cognito issues tokens as it answers,
 * and a skewed local clock then neither shortens nor stretches them. Returns `undefined` when nothing states
 * a lifetime.
 */
export function expiryOf(
  now: number,
  expiresInSeconds: number | undefined,
  claims: readonly (CognitoJwtClaims | undefined)[],
): number | undefined {
  let expiresAt =
    typeof expiresInSeconds === 'number' && expiresInSeconds > 0 ? now + expiresInSeconds * 1000 : Infinity;
  for (const claim of claims) {
    const exp = claim?.exp;
    const iat = claim?.iat;
    if (typeof exp !== 'number') continue;
    expiresAt = Math.min(expiresAt, typeof iat === 'number' && iat < exp ? now + (exp - iat) * 1000 : exp * 1000);
  }
  return expiresAt === Infinity ? undefined : expiresAt;
}

/**
 * Computes the renewal point: `refreshAheadSeconds` before expiry, but never later than half the lifetime,
 * so a five-minute token still renews ahead instead of on its last second.
 */
export function renewalPoint(now: number, expiresAt: number, refreshAheadSeconds: number): number {
  const lifetime = Math.max(0, expiresAt - now);
  return expiresAt - Math.min(refreshAheadSeconds * 1000, lifetime / 2);
}
