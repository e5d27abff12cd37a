import {
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
} from '@aws-sdk/client-cognito-identity-provider';

/**
 * Returns a getter for the SDK client that builds it on first use, not at construction: creating a client
 * resolves its configuration, and a provider made at module scope should add nothing to a Lambda cold start
 * until it is actually asked for a token.
 */
export function lazyCognitoClient(
  client: CognitoIdentityProviderClient | undefined,
  clientConfig: CognitoIdentityProviderClientConfig | undefined,
  region: string | undefined,
): () => CognitoIdentityProviderClient {
  if (client !== undefined) return () => client;
  let created: CognitoIdentityProviderClient | undefined;
  return () => {
    created ??= new CognitoIdentityProviderClient({
      // The provider runs its own back-off, tuned to Cognito's per-second quotas and bounded by timeoutMs;
      // SDK retries underneath would multiply the attempts. An explicit clientConfig.maxAttempts still wins.
      maxAttempts: 1,
      ...(region === undefined ? {} : { region }),
      ...clientConfig,
    });
    return created;
  };
}
