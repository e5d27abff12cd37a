// createClientTokenProvider with `sharedCache`: a fleet of instances (in one process here; many processes in
// test/integration/fleet.test.ts) makes one billed token request between them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import { createClientTokenProvider, shareTokenStore, type TokenStore } from '../../src/index.js';
import { fakeJwt } from '../helpers/fake-jwt.js';
import { startTokenEndpoint, type TokenEndpointServer } from '../helpers/token-endpoint-server.js';

const CLIENT_SECRET = 'm2m-fleet-client-secret-0123456789';
let endpoint: TokenEndpointServer;
let issued = 0;

const grant = () => {
  issued++;
  const now = Math.floor(Date.now() / 1000);
  return {
    status: 200,
    json: {
      access_token: fakeJwt({ iat: now, exp: now + 3600, scope: 'orders/read', serial: issued }),
      expires_in: 3600,
      token_type: 'Bearer',
    },
  };
};

beforeAll(async () => {
  endpoint = await startTokenEndpoint(grant);
});

afterAll(() => endpoint.stop());

beforeEach(() => {
  issued = 0;
  endpoint.reset(grant);
});

function instance(store: TokenStore, clientSecret = CLIENT_SECRET, scopes = ['orders/read']) {
  return createClientTokenProvider({
    clientId: 'm2m-fleet-client',
    clientSecret,
    scopes,
    tokenEndpoint: endpoint.url,
    sharedCache: shareTokenStore(store),
    clientMetadata: { tenant: 'eu-1' },
  });
}

describe('sharedCache on createClientTokenProvider', () => {
  it('gives 20 instances that ask together one token request between them', async () => {
    const memory = memoryTokenStore();
    const fleet = Array.from({ length: 20 }, () => instance(memory.store));

    const tokens = await Promise.all(fleet.map((provider) => provider.getTokens()));

    expect(endpoint.requests).toHaveLength(1);
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
    expect(tokens[19]?.scopes).toEqual(['orders/read']);
  });

  it('keeps entries for other scopes, and for another client secret, apart', async () => {
    const memory = memoryTokenStore();
    await instance(memory.store).getAccessToken();

    await instance(memory.store, CLIENT_SECRET, ['orders/write']).getAccessToken();
    await instance(memory.store, 'another-client-secret-9876543210').getAccessToken();

    expect(endpoint.requests).toHaveLength(3);
  });

  it('stores no token and no secret in clear', async () => {
    const memory = memoryTokenStore();
    const token = await instance(memory.store).getAccessToken();

    const stored = JSON.stringify([...memory.items]);
    for (const secret of [
      CLIENT_SECRET,
      token.split('.')[1] as string,
      token.split('.')[2] as string,
      'm2m-fleet-client',
    ]) {
      expect(stored).not.toContain(secret);
    }
  });

  it('sends clientMetadata to the token endpoint as aws_client_metadata', async () => {
    await instance(memoryTokenStore().store).getAccessToken();

    expect(new URLSearchParams(endpoint.requests[0]?.body).get('aws_client_metadata')).toBe('{"tenant":"eu-1"}');
  });
});
