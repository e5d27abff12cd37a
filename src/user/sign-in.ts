import {
  AdminInitiateAuthCommand,
  type AuthenticationResultType,
  type AuthFlowType,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { type CognitoRequestContext, sendWithRetries } from '../aws/cognito-request.js';
import { errorName } from '../core/failure.js';
import { describeCause } from '../core/redaction.js';
import type { UserCredentials } from '../credentials/credentials.js';
import { ChallengeRequiredError, CognitoTokenError } from '../errors.js';
import { computeSecretHash } from './secret-hash.js';
import type { SignInFlow } from './user-options.js';

// Rejections that mean "this user gets no tokens", as opposed to a misconfigured pool or client (a WAF block,
// ForbiddenException, is the pool's setup). cognito-local answers a wrong password with
// InvalidPasswordException; Cognito uses NotAuthorizedException.
const AUTHENTICATION_FAILURE =
  /^(NotAuthorized|UserNotFound|UserNotConfirmed|PasswordResetRequired|InvalidPassword|UserLambdaValidation)Exception$/;

/**
 * Sends InitiateAuth (unsigned) or, for the admin flow, AdminInitiateAuth (IAM-signed), adding SECRET_HASH
 * over `hashUsername` exactly when there is a client secret.
 */
export function initiateAuth(
  context: CognitoRequestContext,
  flow: SignInFlow,
  authFlow: AuthFlowType,
  parameters: Record<string, string>,
  hashUsername: string,
  clientSecret: string | undefined,
): Promise<InitiateAuthCommandOutput> {
  const { clientId, userPoolId } = context;
  const AuthParameters = clientSecret
    ? { ...parameters, SECRET_HASH: computeSecretHash(hashUsername, clientId, clientSecret) }
    : parameters;
  const secrets = [parameters.PASSWORD, parameters.REFRESH_TOKEN, clientSecret, AuthParameters.SECRET_HASH];
  return flow === 'admin-user-password'
    ? sendWithRetries(
        context,
        'AdminInitiateAuth',
        () =>
          new AdminInitiateAuthCommand({
            UserPoolId: userPoolId,
            ClientId: clientId,
            AuthFlow: authFlow === 'USER_PASSWORD_AUTH' ? 'ADMIN_USER_PASSWORD_AUTH' : authFlow,
            AuthParameters,
          }),
        secrets,
      )
    : sendWithRetries(
        context,
        'InitiateAuth',
        () => new InitiateAuthCommand({ ClientId: clientId, AuthFlow: authFlow, AuthParameters }),
        secrets,
      );
}

/**
 * Signs in with a username and password. SECRET_HASH is computed over the username as sent (an email alias is
 * fine here). A challenge, which a service account cannot answer unattended, fails with ERR_CHALLENGE_REQUIRED.
 */
export async function signInWithPassword(
  context: CognitoRequestContext,
  flow: SignInFlow,
  { username, password, clientSecret }: UserCredentials,
): Promise<AuthenticationResultType> {
  let response: InitiateAuthCommandOutput;
  try {
    response = await initiateAuth(
      context,
      flow,
      'USER_PASSWORD_AUTH',
      { USERNAME: username, PASSWORD: password },
      username,
      clientSecret,
    );
  } catch (error) {
    throw signInFailure(error, flow);
  }
  const challenge = response.ChallengeName;
  if (challenge) {
    throw new ChallengeRequiredError(
      challenge,
      `Cognito asked for the ${challenge} challenge: give the user a permanent password and no MFA`,
    );
  }
  return response.AuthenticationResult ?? {};
}

/** Maps a failed sign-in to our error codes, keeping the SDK error (already scrubbed by initiateAuth) as `cause`. */
function signInFailure(error: unknown, flow: SignInFlow): CognitoTokenError {
  if (error instanceof CognitoTokenError) return error;
  const cause = describeCause(error, []);
  if (AUTHENTICATION_FAILURE.test(errorName(error))) {
    return new CognitoTokenError('ERR_AUTHENTICATION', `Sign-in rejected (${cause})`, { cause: error });
  }
  // AdminInitiateAuth is signed: a missing AWS identity or IAM permission is the usual reason it is refused.
  const check = flow === 'admin-user-password' ? 'IAM permission cognito-idp:AdminInitiateAuth, ' : '';
  return new CognitoTokenError(
    'ERR_CONFIGURATION',
    `Sign-in refused (${cause}); check the ${check}client ID, Region and enabled auth flows`,
    { cause: error },
  );
}
