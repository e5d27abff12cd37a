import { CognitoTokenError } from '../errors.js';

/**
 * The claims this package reads from a Cognito ID or access token; any other claim reads as `unknown`.
 *
 * @example
 * ```ts
 * import { type CognitoJwtClaims, decodeJwtClaims } from 'cognito-token-provider';
 * const claims: CognitoJwtClaims = decodeJwtClaims(await tokens.getIdToken());
 * console.log(claims['cognito:username'], new Date((claims.exp ?? 0) * 1000).toISOString());
 * ```
 */
export interface CognitoJwtClaims {
  readonly exp?: number;
  readonly iat?: number;
  readonly 'cognito:username'?: string;
  readonly username?: string;
  readonly [claim: string]: unknown;
}

/**
 * Reads the payload of a JWT without verifying it. We only use it for tokens Cognito has just handed us over
 * TLS, to learn their expiry and the user's real username; verification is the resource server's job.
 *
 * @example
 * ```ts
 * import { decodeJwtClaims } from 'cognito-token-provider';
 * const { exp } = decodeJwtClaims(await tokens.getIdToken());
 * ```
 */
export function decodeJwtClaims(jwt: string): CognitoJwtClaims {
  const payload = jwt.split('.')[1];
  if (payload === undefined) throw malformed();
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw malformed();
    return claims as CognitoJwtClaims;
  } catch {
    throw malformed();
  }
}

/**
 * The claims of a token whose readability is a bonus, `undefined` when it is not a JWT: Cognito's access tokens
 * are JWTs, but an OAuth2 server in front of it may hand out opaque ones, usable as long as the answer says how
 * long they live.
 */
export function readableClaims(token: string): CognitoJwtClaims | undefined {
  try {
    return decodeJwtClaims(token);
  } catch {
    return undefined;
  }
}

// The message must not quote the token: it is a credential even when malformed.
function malformed(): CognitoTokenError {
  return new CognitoTokenError('ERR_UNAVAILABLE', 'Cognito returned a token that is not a readable JWT');
}
