import { CognitoIdentityProviderClient, GetClientTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CognitoRequestContext } from '../../src/aws/cognito-request.js';
import { DEFAULT_RETRY_POLICY, withDeadline } from '../../src/core/deadline.js';
import { getClientToken } from '../../src/m2m/get-client-token.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const client = new CognitoIdentityProviderClient({ region: 'eu-west-1' });

beforeEach(() => {
  cognito.reset();
});

describe('getClientToken', () => {
  it('needs no user pool in its context, and sends ClientId, Secret and Scopes only', async () => {
    cognito.on(GetClientTokenCommand).resolves({
      ClientAuthenticationResult: { AccessToken: 'client-access-token', ExpiresIn: 3600, TokenType: 'Bearer' },
    });

    const grant = await withDeadline(1_000, (deadline) => {
      // No userPoolId: a client token belongs to the app client, not to a user pool call.
      const context: CognitoRequestContext = {
        client: () => client,
        clientId: '1example23456789',
        deadline,
        retryPolicy: DEFAULT_RETRY_POLICY,
        logger: undefined,
      };
      return getClientToken(context, 'client-secret-value', ['orders/read'], { tenant: 'eu' });
    });

    expect(cognito).toHaveReceivedCommandExactlyOnceWith(GetClientTokenCommand, {
      ClientId: '1example23456789',
      Secret: 'client-secret-value',
      Scopes: ['orders/read'],
      ClientMetadata: { tenant: 'eu' },
    });
    expect(grant).toEqual({
      accessToken: 'client-access-token',
      expiresIn: 3600,
      tokenType: 'Bearer',
      scope: undefined,
    });
  });
});
