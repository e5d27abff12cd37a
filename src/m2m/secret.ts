import type { CognitoCredentials, CredentialsLoader, CredentialsSource } from '../credentials/credentials.js';
import { CognitoTokenError, configurationError } from '../errors.js';

/**
 * Validates the `clientSecret` and `credentials` options at construction: exactly one of them. The result says
 * where a client token provider gets the app client's secret: a fixed value, or a source read per request.
 */
export function clientSecretLoaderOf(clientSecret: unknown, credentials: unknown): CredentialsLoader {
  if (clientSecret !== undefined && credentials !== undefined) {
    throw configurationError('clientSecret', 'and "credentials" are mutually exclusive: give one of them');
  }
  if (typeof credentials === 'function') return { load: credentials as CredentialsSource, isSource: true };
  if (credentials !== undefined) {
    throw configurationError(
      'credentials',
      "must be a credentials source such as fromSsm({ clientSecret: '/svc/m2m/secret' }); give a fixed secret as " +
        '"clientSecret"',
    );
  }
  if (typeof clientSecret !== 'string' || clientSecret === '') {
    throw configurationError(
      'clientSecret',
      'must be a non-empty string, or give "credentials": machine-to-machine tokens need the app client\'s secret',
    );
  }
  // Frozen: nothing outside can swap the secret we send.
  const fixed = Object.freeze({ clientSecret });
  return { load: () => Promise.resolve(fixed), isSource: false };
}

/** The client secret in what a source returned. Every problem is `ERR_CREDENTIALS`, quoting no value. */
export function clientSecretFrom({ clientSecret }: CognitoCredentials): string {
  if (typeof clientSecret !== 'string' || clientSecret === '') {
    throw new CognitoTokenError(
      'ERR_CREDENTIALS',
      'The credentials source\'s "clientSecret" must be a non-empty string: machine-to-machine tokens need the ' +
        "app client's secret",
    );
  }
  return clientSecret;
}
