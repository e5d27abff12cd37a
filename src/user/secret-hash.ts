import { createHmac } from 'node:crypto';
import { configurationError } from '../errors.js';

/**
 * Computes Cognito's SECRET_HASH: `Base64(HMAC-SHA256(key = clientSecret, message = username + clientId))`.
 *
 * Cognito requires it on every sign-in and renewal for an app client that has a secret. For password
 * sign-in, `username` is the name exactly as sent (an email alias is fine). For REFRESH_TOKEN_AUTH it must be
 * the user's real Cognito username (the `cognito:username` claim), which this package handles for you.
 *
 * The result is a credential: never log it. Arguments that are not strings (or an empty secret) throw a
 * `CognitoTokenError` with code `ERR_CONFIGURATION` naming the argument, never its value.
 *
 * @example
 * ```ts
 * import { computeSecretHash } from 'cognito-token-provider';
 * const secretHash = computeSecretHash('svc-orders', '4rtbp1kcm0example', process.env.CLIENT_SECRET!);
 * ```
 */
export function computeSecretHash(username: string, clientId: string, clientSecret: string): string {
  if (typeof username !== 'string') throw configurationError('username', 'must be a string');
  if (typeof clientId !== 'string') throw configurationError('clientId', 'must be a string');
  if (typeof clientSecret !== 'string' || clientSecret === '') {
    throw configurationError('clientSecret', 'must be a non-empty string');
  }
  return createHmac('sha256', clientSecret)
    .update(username + clientId, 'utf8')
    .digest('base64');
}
