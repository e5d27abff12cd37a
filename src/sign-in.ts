import {
  AdminInitiateAuthCommand,
  type AdminInitiateAuthCommandOutput,
  type AuthenticationResultType,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { describeCause, errorName } from './aws-error.js';
import { type CognitoRequestContext, sendWithRetries } from './cognito-request.js';
import type { UserCredentials } from './credentials.js';
import { ChallengeRequiredError, CognitoTokenError } from './errors.js';
import { computeSecretHash } from './secret-hash.js';
import type { SignInFlow } from './token-provider-options.js';

// Rejections that mean "these credentials do not get tokens", as opposed to a misconfigured pool or client.
const AUTHENTICATION_FAILURES = new Set([
  'NotAuthorizedException',
  'UserNotFoundException',
  'UserNotConfirmedException',
  'PasswordResetRequiredException',
  // cognito-local answers a wrong password with this; real Cognito uses NotAuthorizedException.
  'InvalidPasswordException',
  'UserLambdaValidationException',
  'ForbiddenException',
]);

/**
 * Signs in with a username and password: InitiateAuth USER_PASSWORD_AUTH (unsigned), or AdminInitiateAuth
 * ADMIN_USER_PASSWORD_AUTH (IAM-signed). SECRET_HASH is sent exactly when there is a client secret, computed
 * over the username as sent.
 */
export async function signInWithPassword(
  context: CognitoRequestContext,
  flow: SignInFlow,
  credentials: UserCredentials,
): Promise<AuthenticationResultType> {
  const { username, password, clientSecret } = credentials;
  const AuthParameters: Record<string, string> = { USERNAME: username, PASSWORD: password };
  if (clientSecret !== undefined) {
    AuthParameters.SECRET_HASH = computeSecretHash(username, context.clientId, clientSecret);
  }
  const admin = flow === 'admin-user-password';
  const operation = admin ? 'AdminInitiateAuth' : 'InitiateAuth';
  let response: InitiateAuthCommandOutput | AdminInitiateAuthCommandOutput;
  try {
    response = await sendWithRetries(context, operation, () =>
      admin
        ? new AdminInitiateAuthCommand({
            UserPoolId: context.userPoolId,
            ClientId: context.clientId,
            AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
            AuthParameters,
          })
        : new InitiateAuthCommand({ ClientId: context.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters }),
    );
  } catch (error) {
    throw signInFailure(error, operation, [password, clientSecret, AuthParameters.SECRET_HASH]);
  }
  if (response.ChallengeName !== undefined) {
    throw new ChallengeRequiredError(
      response.ChallengeName,
      `Cognito answered the sign-in with the ${response.ChallengeName} challenge, which a service account ` +
        'cannot answer unattended: complete it once (for NEW_PASSWORD_REQUIRED, set a permanent password with ' +
        'AdminSetUserPassword) or turn off MFA for this user',
    );
  }
  return response.AuthenticationResult ?? {};
}

/** Maps a failed sign-in to our error codes, keeping the SDK error as `cause`. */
export function signInFailure(
  error: unknown,
  operation: string,
  secrets: readonly (string | undefined)[],
): CognitoTokenError {
  if (error instanceof CognitoTokenError) return error;
  const cause = describeCause(error, secrets);
  if (AUTHENTICATION_FAILURES.has(errorName(error))) {
    return new CognitoTokenError('ERR_AUTHENTICATION', `Cognito rejected the sign-in (${cause})`, { cause: error });
  }
  // AdminInitiateAuth is signed: a missing AWS identity or IAM permission is the usual reason it is refused.
  const iam =
    operation === 'AdminInitiateAuth' ? ", and the caller's IAM permission cognito-idp:AdminInitiateAuth" : '';
  return new CognitoTokenError(
    'ERR_CONFIGURATION',
    `Cognito refused the ${operation} request (${cause}); check the client ID, Region, user pool and the app ` +
      `client's enabled auth flows${iam}`,
    { cause: error },
  );
}
