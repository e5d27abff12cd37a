/**
 * SECRET_HASH computed independently of the library, as Cognito documents it:
 * `Base64(HMAC-SHA256(key = client secret, message = username + client ID))`. The counting proxy checks
 * requests against it, and tests use it to build raw SDK requests.
 *
 * API: `hmacSecretHash(username, { clientId, clientSecret })`.
 *
 * @example
 * ```ts
 * const SECRET_HASH = hmacSecretHash(seed.user.email, seed.withSecret);
 * ```
 */
import { createHmac } from 'node:crypto';

/**
 * The SECRET_HASH Cognito expects for `username` on the given app client.
 *
 * @example
 * ```ts
 * hmacSecretHash('alice@example.com', { clientId: 'abc', clientSecret: 's3cr3t' });
 * ```
 */
export function hmacSecretHash(
  username: string,
  client: { readonly clientId: string; readonly clientSecret: string },
): string {
  return createHmac('sha256', Buffer.from(client.clientSecret, 'utf8'))
    .update(Buffer.from(`${username}${client.clientId}`, 'utf8'))
    .digest('base64');
}
