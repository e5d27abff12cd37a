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
