import { awsCredentialsMissingAdvice, isAwsCredentialsMissing } from '../core/aws-credentials-missing.js';
import { errorName, httpStatusOf } from '../core/failure.js';
import { describeCause, sanitize, sanitizeExhausted } from '../core/redaction.js';
import { CognitoTokenError } from '../errors.js';

// The client ID and secret are wrong, revoked or not allowed: a new secret, not new configuration, fixes it.
// ForbiddenException is not one of them: Cognito sends it when the user pool's WAF web ACL blocks the request.
const AUTHENTICATION_FAILURES = new Set(['NotAuthorizedException', 'invalid_client', 'invalid_grant', 'access_denied']);

// The app client is not set up for the client-credentials grant.
const GRANT_NOT_ENABLED = new Set(['unauthorized_client', 'unsupported_grant_type', 'OperationNotEnabledException']);

/**
 * Maps a refused client-token request to our error codes, keeping as `cause` a sanitised stand-in for the
 * original error (see `sanitize`), with `secrets` cut out. Exhausted retries arrive here already as
 * `ERR_THROTTLED` or `ERR_UNAVAILABLE` and pass through, rebuilt around a sanitised cause.
 *
 * `invalid_scope` is `ERR_CONFIGURATION`: the fix is the `scopes` option or the app client's allowed scopes,
 * not the secret.
 */
export function clientTokenFailure(
  failure: unknown,
  operation: string,
  secrets: readonly (string | undefined)[],
): CognitoTokenError {
  // Exhausted retries keep the last failure as cause, sanitised there without knowing our secrets.
  if (failure instanceof CognitoTokenError) return sanitizeExhausted(failure, secrets);
  const error = sanitize(failure, secrets);
  const name = errorName(error);
  const cause = describeCause(error, secrets);
  const status = httpStatusOf(error);
  if (AUTHENTICATION_FAILURES.has(name) || (name === 'TokenEndpointError' && (status === 401 || status === 403))) {
    return new CognitoTokenError(
      'ERR_AUTHENTICATION',
      `${operation} rejected the client credentials (${cause}); check the client ID and secret`,
      { cause: error },
    );
  }
  if (name === 'invalid_scope') {
    return new CognitoTokenError(
      'ERR_CONFIGURATION',
      `${operation} refused the requested scopes (${cause}); check "scopes" against the resource server's ` +
        "scopes and the app client's allowed custom scopes",
      { cause: error },
    );
  }
  if (GRANT_NOT_ENABLED.has(name)) {
    return new CognitoTokenError(
      'ERR_CONFIGURATION',
      `${operation} refused the client-credentials grant (${cause}); enable it for the app client ` +
        '(the client_credentials OAuth flow, or ALLOW_CLIENT_TOKEN_AUTH for GetClientToken)',
      { cause: error },
    );
  }
  if (isAwsCredentialsMissing(error)) {
    return new CognitoTokenError(
      'ERR_CONFIGURATION',
      `Could not send ${operation} (${cause}): ${awsCredentialsMissingAdvice(operation)}. Or give "domain" or ` +
        '"tokenEndpoint" to use the OAuth2 token endpoint, which needs none',
      { cause: error },
    );
  }
  return new CognitoTokenError(
    'ERR_CONFIGURATION',
    `${operation} refused the request (${cause}); check the client ID, Region, token endpoint and the app ` +
      "client's settings",
    { cause: error },
  );
}
