// A namespace import, read by property below: GetClientTokenCommand only exists in recent SDKs, and a named
// import of a missing export would stop the whole package from loading on a Lambda runtime that bundles an
// older SDK. Users of the token endpoint do not need the command at all.
import * as cognitoSdk from '@aws-sdk/client-cognito-identity-provider';
import type { ClientTokenGrant } from './client-token-grant.js';
import { type CognitoRequestContext, sendWithRetries } from './cognito-request.js';

/** The installed SDK's GetClientTokenCommand, or `undefined` when the SDK predates it. */
export function clientTokenCommand(): typeof cognitoSdk.GetClientTokenCommand | undefined {
  const command = cognitoSdk.GetClientTokenCommand as typeof cognitoSdk.GetClientTokenCommand | undefined;
  return typeof command === 'function' ? command : undefined;
}

/**
 * Asks Cognito for a client-credentials access token with GetClientToken. The SDK signs this call, so it needs
 * AWS credentials, although Cognito evaluates no IAM policy for it: the client secret is the authorization.
 */
export async function getClientToken(
  context: CognitoRequestContext,
  clientSecret: string,
  scopes: readonly string[],
): Promise<ClientTokenGrant> {
  // Checked at construction, so it is present here.
  const Command = clientTokenCommand() as typeof cognitoSdk.GetClientTokenCommand;
  const response = await sendWithRetries<cognitoSdk.GetClientTokenCommandOutput>(
    context,
    'GetClientToken',
    () =>
      new Command({
        ClientId: context.clientId,
        Secret: clientSecret,
        // Without Scopes, Cognito grants every custom scope the app client allows.
        ...(scopes.length === 0 ? {} : { Scopes: [...scopes] }),
      }),
  );
  const result = response.ClientAuthenticationResult;
  return {
    accessToken: result?.AccessToken,
    expiresIn: result?.ExpiresIn,
    tokenType: result?.TokenType,
    scope: undefined,
  };
}
