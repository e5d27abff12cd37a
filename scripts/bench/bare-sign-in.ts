// The SDK floor that measurements 3 and 5 compare against: one InitiateAuth USER_PASSWORD_AUTH sent by a bare
// CognitoIdentityProviderClient, created for the occasion as our provider creates its own, with the same
// parameters the provider sends.
import {
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';

/** Who signs in where: the same for our provider and for the bare SDK call. */
export interface SignInTarget {
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  readonly clientConfig: CognitoIdentityProviderClientConfig;
}

/** Milliseconds for a new bare client to send one InitiateAuth and get its ID token. */
export async function timeBareSignIn(target: SignInTarget): Promise<number> {
  const start = performance.now();
  // maxAttempts 1, like the client the provider creates: neither side retries a healthy emulator.
  const client = new CognitoIdentityProviderClient({ maxAttempts: 1, ...target.clientConfig });
  const response = await client.send(
    new InitiateAuthCommand({
      ClientId: target.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: target.username, PASSWORD: target.password },
    }),
  );
  const elapsed = performance.now() - start;
  client.destroy();
  if (response.AuthenticationResult?.IdToken === undefined) throw new Error('bare InitiateAuth returned no ID token');
  return elapsed;
}
