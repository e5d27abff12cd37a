// refresh() with sharedCache while another instance holds the fleet's lease: the refused tokens must not come
// back as the "renewed" ones (ExpiringCache's #refused), and must not reach a concurrent caller either.
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import { createTokenProvider, shareTokenStore } from '../../src/index.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const USERNAME = 'svc-review-user';
let serial = 0;

beforeEach(() => {
  cognito.reset();
  serial = 0;
  cognito.on(InitiateAuthCommand).callsFake(async () => {
    serial++;
    return {
      AuthenticationResult: cognitoTokens({ username: USERNAME, nowSeconds: Math.floor(Date.now() / 1000), serial }),
    };
  });
});

describe('refresh() with sharedCache while another instance holds the lease', () => {
  it('does not hand back the refused tokens as the renewed ones', async () => {
    // Prepare
    const memory = memoryTokenStore();
    const provider = createTokenProvider({
      clientId: 'review-client',
      userPoolId: 'eu-west-1_Review1',
      credentials: { username: USERNAME, password: 'Review-Pa55word-42' },
      sharedCache: shareTokenStore(memory.store),
      timeoutMs: 1_000,
    });
    const refused = await provider.getIdToken();
    for (const key of memory.items.keys()) memory.lease(key, 'another-instance', 60_000);

    // Act
    const renewed = await provider.refresh();

    // Assert
    expect(renewed.idToken).not.toBe(refused);
    expect(await provider.getIdToken()).not.toBe(refused);
  });
});
