import type { GetClientTokenCommand, GetClientTokenCommandOutput } from '@aws-sdk/client-cognito-identity-provider';
import { type CognitoRequestContext, sendWithRetries } from '../aws/cognito-request.js';
// Not imported from the SDK here: it only exists in recent SDKs (see that file), and users of the token
// endpoint do not need it at all.
import { getClientTokenCommand } from '../aws/optional-commands.js';
import type { ClientTokenGrant } from './grant.js';

/**
 * Asks Cognito for a client-credentials access token with GetClientToken. The SDK signs this call, so it needs
 * AWS credentials, although Cognito evaluates no IAM policy for it: the client secret is the authorization.
 */
export async function getClientToken(
  context: CognitoRequestContext,
  clientSecret: string,
  scopes: readonly string[],
  clientMetadata: Readonly<Record<string, string>> | undefined,
): Promise<ClientTokenGrant> {
  // Checked at construction, so it is present here.
  const Command = getClientTokenCommand() as typeof GetClientTokenCommand;
  const response = await sendWithRetries<GetClientTokenCommandOutput>(
    context,
    'GetClientToken',
    () =>
      new Command({
        ClientId: context.clientId,
        Secret: clientSecret,
        // Without Scopes, Cognito grants every custom scope the app client allows.
        ...(scopes.length === 0 ? {} : { Scopes: [...scopes] }),
        // Newer than GetClientToken itself: an SDK whose model lacks the member leaves it out of the request.
        ...(clientMetadata === undefined ? {} : { ClientMetadata: { ...clientMetadata } }),
      }),
    [clientSecret],
  );
  const result = response.ClientAuthenticationResult;
  return {
    accessToken: result?.AccessToken,
    expiresIn: result?.ExpiresIn,
    tokenType: result?.TokenType,
    scope: undefined,
  };
}
