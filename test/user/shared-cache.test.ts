// createTokenProvider with `sharedCache`: many provider instances (a fleet, in one process here; the
// multi-process test is test/integration/fleet.test.ts) share one sign-in through a store, and refresh() never
// takes back from the fleet the tokens it refused.
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import { explicitSealingKey, sealEntry, storeKeyOf } from '../../src/fleet/entry-sealing.js';
import {
  createClientTokenProvider,
  createTokenProvider,
  shareTokenStore,
  type TokenProviderOptions,
  type TokenStore,
} from '../../src/index.js';
import { cognitoTokens, fakeJwt } from '../helpers/fake-jwt.js';
import { CLIENT_ID, CLIENT_SECRET, fleetInstance, PASSWORD, USER_POOL_ID, USERNAME } from '../helpers/providers.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const START = Date.UTC(2026, 10, 28, 9, 0, 0);

let serial = 0;

beforeEach(() => {
  cognito.reset();
  serial = 0;
  cognito.on(InitiateAuthCommand).callsFake(async () => {
    serial++;
    // An answer that takes a little while, as Cognito's does, so concurrent instances really overlap.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return {
      AuthenticationResult: cognitoTokens({ username: USERNAME, nowSeconds: Math.floor(Date.now() / 1000), serial }),
    };
  });
});

afterEach(() => {
  vi.useRealTimers();
});

const signIns = () => cognito.commandCalls(InitiateAuthCommand).length;

describe('sharedCache on createTokenProvider', () => {
  it('gives 20 instances that ask together one sign-in between them', async () => {
    const memory = memoryTokenStore();
    const fleet = Array.from({ length: 20 }, () => fleetInstance(memory.store));

    const tokens = await Promise.all(fleet.map((provider) => provider.getIdToken()));

    expect(signIns()).toBe(1);
    expect(new Set(tokens).size).toBe(1);
  });

  it('serves a later instance from the store with no Cognito call', async () => {
    const memory = memoryTokenStore();
    const first = await fleetInstance(memory.store).getTokens();

    const later = await fleetInstance(memory.store).getTokens();

    expect(signIns()).toBe(1);
    expect(later.idToken).toBe(first.idToken);
    expect(later.username).toBe(USERNAME);
  });

  it('does no store I/O on the cached path', async () => {
    const memory = memoryTokenStore();
    const provider = fleetInstance(memory.store);
    await provider.getIdToken();
    const calls = memory.storeCalls;

    for (let i = 0; i < 100; i++) await provider.getIdToken();

    expect(memory.storeCalls).toBe(calls);
  });

  it('stores nothing usable: no token, secret, password or username in clear', async () => {
    const memory = memoryTokenStore();
    const tokens = await fleetInstance(memory.store).getTokens();

    const stored = JSON.stringify([...memory.items], (_key, value) => (value instanceof Map ? [...value] : value));
    for (const secret of [
      PASSWORD,
      CLIENT_SECRET,
      USERNAME,
      Buffer.from(USERNAME).toString('base64'),
      Buffer.from(USERNAME).toString('hex'),
      tokens.idToken.split('.')[1] as string,
      tokens.accessToken.split('.')[2] as string,
      'opaque-refresh-token',
      tokens.idToken.slice(0, 10),
    ]) {
      expect(stored).not.toContain(secret);
    }
    expect(memory.items.size).toBe(1);
  });

  it('treats an entry sealed with another password as missing, though the client secret is the same', async () => {
    const memory = memoryTokenStore();
    await fleetInstance(memory.store).getIdToken();

    const other = fleetInstance(memory.store, {
      credentials: { username: USERNAME, password: 'Another-Pa55word-99', clientSecret: CLIENT_SECRET },
    });
    await other.getIdToken();

    expect(signIns()).toBe(2);
  });

  it('signs in directly when the store fails, logs it once, and leaves the store alone for a while', async () => {
    const memory = memoryTokenStore();
    memory.fault = 'reject';
    const logged: string[] = [];
    const logger = { debug: (message: string) => logged.push(message) };
    const provider = fleetInstance(memory.store, { logger });

    await expect(provider.getIdToken()).resolves.toMatch(/^eyJ/);
    const callsAfterFirst = memory.storeCalls;
    provider.invalidate();
    await expect(provider.getIdToken()).resolves.toMatch(/^eyJ/);

    expect(logged.filter((line) => line.includes('shared cache unavailable'))).toHaveLength(1);
    expect(memory.storeCalls).toBe(callsAfterFirst);
    expect(signIns()).toBe(2);
  });

  it('renews once for the fleet: the instance with the refresh token renews, the others take its entry', async () => {
    vi.useFakeTimers({ now: START, toFake: ['Date'] });
    const memory = memoryTokenStore();
    const renewer = fleetInstance(memory.store);
    await renewer.getIdToken();
    const reader = fleetInstance(memory.store);
    const before = await reader.getIdToken();
    expect(signIns()).toBe(1);

    // Past both renewal points (refreshAheadSeconds 300 of a 3,600 s lifetime).
    // Each call there gets the current token at once and renews in the background; the renewer goes first.
    vi.setSystemTime(START + 3_400_000);
    const servedByRenewer = await renewer.getIdToken();
    const renewed = await vi.waitFor(async () => {
      const current = await renewer.getIdToken();
      expect(current).not.toBe(before);
      return current;
    });
    const servedByReader = await reader.getIdToken();
    const read = await vi.waitFor(async () => {
      const current = await reader.getIdToken();
      expect(current).not.toBe(before);
      return current;
    });

    const calls = cognito.commandCalls(InitiateAuthCommand).map((call) => call.args[0].input.AuthFlow);
    expect(calls).toEqual(['USER_PASSWORD_AUTH', 'REFRESH_TOKEN_AUTH']);
    expect([servedByRenewer, servedByReader]).toEqual([before, before]);
    expect(read).toBe(renewed);
  });

  it('refuses a store of your own that did not go through shareTokenStore, naming the option and the fix', () => {
    const own = memoryTokenStore().store;

    expect(() =>
      createTokenProvider({
        clientId: CLIENT_ID,
        credentials: { username: USERNAME, password: PASSWORD },
        sharedCache: own,
      } as unknown as TokenProviderOptions),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIGURATION',
        message: expect.stringMatching(/^"sharedCache" .*shareTokenStore\(yourStore\)/),
      }),
    );
    expect(() => fleetInstance(own)).not.toThrow();
  });
});

describe('a sharedCache that is not a TokenStore', () => {
  /** The options of a user provider with `sharedCache`, for the refusals below. */
  const withSharedCache = (sharedCache: unknown) =>
    ({
      clientId: CLIENT_ID,
      credentials: { username: USERNAME, password: PASSWORD },
      sharedCache,
    }) as unknown as TokenProviderOptions;
  // Never connected: the check must refuse it before anything talks to Redis.
  const redis = new Redis({ lazyConnect: true });
  const dynamoDb = new DynamoDBClient({ region: 'eu-west-1' });

  it.each<[string, unknown, RegExp]>([
    ['an empty object', {}, /read, acquireLease, put, releaseLease and refuse are missing/],
    [
      'a store without releaseLease',
      {
        read: async () => ({}),
        put: async () => undefined,
        acquireLease: async () => ({}),
        refuse: async () => undefined,
      },
      /releaseLease is missing/,
    ],
    ['a store whose read is not a function', { ...memoryTokenStore().store, read: 'read' }, /read is missing/],
    ['null', null, /must be a TokenStore/],
    ['a string', 'redis://cache:6379', /must be a TokenStore/],
    ['an ioredis client', redis, /redisTokenStore\(\{ client \}\) from cognito-token-provider\/redis/],
    ['a DynamoDBClient', dynamoDb, /dynamoDbTokenStore\(\{ tableName[^)]*\}\) from cognito-token-provider\/dynamodb/],
  ])('shareTokenStore refuses %s with ERR_CONFIGURATION saying what is missing', (_label, store, message) => {
    let thrown: unknown;
    try {
      shareTokenStore(store as TokenStore);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toMatchObject({ name: 'CognitoTokenError', code: 'ERR_CONFIGURATION' });
    expect((thrown as Error).message).toMatch(/^"store" /);
    expect((thrown as Error).message).toMatch(message);
  });

  it.each<[string, unknown, RegExp]>([
    ['an ioredis client', redis, /^"sharedCache" .*redisTokenStore\(\{ client \}\)/],
    [
      'a DynamoDBClient',
      dynamoDb,
      /^"sharedCache" is an AWS SDK client such as DynamoDBClient.*dynamoDbTokenStore\(\{ tableName/,
    ],
    [
      'an object without the methods',
      { read: () => undefined },
      /^"sharedCache" .*acquireLease, put, releaseLease and refuse/,
    ],
  ])(
    'createTokenProvider refuses %s given straight to sharedCache, pointing to the store to use',
    (_label, store, message) => {
      expect(() => createTokenProvider(withSharedCache(store))).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringMatching(message) }),
      );
    },
  );

  it('createClientTokenProvider refuses a Redis client as sharedCache the same way', () => {
    expect(() =>
      createClientTokenProvider({
        clientId: 'fleet-m2m-client',
        clientSecret: CLIENT_SECRET,
        region: 'eu-west-1',
        sharedCache: redis as never,
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIGURATION',
        message: expect.stringMatching(/^"sharedCache" is a Redis client.*redisTokenStore\(\{ client \}\)/),
      }),
    );
  });

  it('still takes a store of your own with the five methods, a class instance included', async () => {
    class OwnStore implements TokenStore {
      readonly #inner = memoryTokenStore().store;
      read(key: string, signal: AbortSignal) {
        return this.#inner.read(key, signal);
      }
      acquireLease(...args: Parameters<TokenStore['acquireLease']>) {
        return this.#inner.acquireLease(...args);
      }
      put(...args: Parameters<TokenStore['put']>) {
        return this.#inner.put(...args);
      }
      releaseLease(key: string, holder: string, signal: AbortSignal) {
        return this.#inner.releaseLease(key, holder, signal);
      }
      refuse(key: string, expiresAtMs: number, signal: AbortSignal) {
        return this.#inner.refuse(key, expiresAtMs, signal);
      }
    }
    const store = new OwnStore();

    await fleetInstance(store).getIdToken();
    await fleetInstance(store).getIdToken();

    expect(signIns()).toBe(1);
  });
});

describe('refresh() with sharedCache while another instance holds the lease', () => {
  // The refused tokens must not come back as the "renewed" ones (ExpiringCache's refused flag), nor reach a
  // caller who asks meanwhile or afterwards. Under fake time: the renewal waits on the lease for half its
  // timeoutMs, then signs in itself.
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });

  /** `call`'s outcome, once fake time has run past the 1 s timeoutMs that bounds it. */
  async function pastTimeout<T>(call: Promise<T>): Promise<T> {
    await vi.advanceTimersByTimeAsync(1_000);
    return call;
  }

  async function providerWhoseTokensWereRefusedElsewhere() {
    const memory = memoryTokenStore();
    const provider = fleetInstance(memory.store, { timeoutMs: 1_000 });
    const refused = await pastTimeout(provider.getIdToken());
    for (const key of memory.items.keys()) memory.lease(key, 'another-instance', 60_000);
    return { provider, refused };
  }

  it('does not hand back the refused tokens as the renewed ones, nor to a later call', async () => {
    // Prepare
    const { provider, refused } = await providerWhoseTokensWereRefusedElsewhere();

    // Act
    const renewed = await pastTimeout(provider.refresh());

    // Assert
    expect(renewed.idToken).not.toBe(refused);
    expect(await provider.getIdToken()).not.toBe(refused);
  });

  it('does not hand the refused tokens to a caller who asks while the renewal is on its way', async () => {
    // Prepare
    const { provider, refused } = await providerWhoseTokensWereRefusedElsewhere();

    // Act
    const renewing = provider.refresh();
    const concurrent = await pastTimeout(provider.getIdToken());

    // Assert
    expect(concurrent).not.toBe(refused);
    expect(concurrent).toBe((await renewing).idToken);
  });
});

describe('what the store hands out is as trustworthy as what Cognito hands out', () => {
  it('invalidate() discards the entry: the next call, on this instance or another, signs in again', async () => {
    // Prepare
    vi.useFakeTimers({ now: START, toFake: ['Date'] });
    const memory = memoryTokenStore();
    const first = fleetInstance(memory.store);
    const revoked = await first.getIdToken();

    // Act
    first.invalidate();
    // The discard is sent in the background: let it reach the store. The next sign-in comes a minute later.
    await vi.waitFor(() => expect(memory.writes).toBeGreaterThan(2));
    vi.setSystemTime(START + 60_000);
    const again = await first.getIdToken();
    const other = await fleetInstance(memory.store).getIdToken();

    // Assert
    expect(again).not.toBe(revoked);
    expect(other).toBe(again);
    expect(signIns()).toBe(2);
  });

  it("never serves a shared token past the token's own exp, whatever the writer's clock said", async () => {
    // Prepare: Cognito issues tokens at START that expire an hour later; the writer's clock is 20 minutes fast.
    vi.useFakeTimers({ now: START + 20 * 60_000, toFake: ['Date'] });
    cognito.on(InitiateAuthCommand).resolves({
      AuthenticationResult: cognitoTokens({ username: USERNAME, nowSeconds: START / 1000, serial: 7 }),
    });
    const memory = memoryTokenStore();
    await fleetInstance(memory.store).getIdToken();

    // Act: a reader whose clock is right.
    vi.setSystemTime(START);
    const read = await fleetInstance(memory.store).getTokens();

    // Assert: it took the entry, but serves it no later than exp (START + 1 h), not the writer's START + 80 min.
    expect(signIns()).toBe(1);
    expect(read.expiresAt.getTime()).toBeLessThanOrEqual(START + 3_600_000);
  });

  it('seals the entry with the password that made the sign-in, after a rotation, not the one the call began with', async () => {
    // Prepare: the source still holds the old password at first; Cognito already has the new one.
    const oldPassword = 'Old-Pa55word-Before-Rotation';
    let current = oldPassword;
    const source = vi.fn(async ({ forceRefresh }: { forceRefresh?: boolean } = {}) => {
      if (forceRefresh) current = PASSWORD;
      return { username: USERNAME, password: current, clientSecret: CLIENT_SECRET };
    });
    cognito.on(InitiateAuthCommand).callsFake(async (input: { AuthParameters?: Record<string, string> }) => {
      if (input.AuthParameters?.PASSWORD !== PASSWORD) {
        throw Object.assign(new Error('Incorrect username or password.'), {
          name: 'NotAuthorizedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      serial++;
      return { AuthenticationResult: cognitoTokens({ username: USERNAME, nowSeconds: Date.now() / 1000, serial }) };
    });
    const memory = memoryTokenStore();

    // Act
    await fleetInstance(memory.store, { credentials: source }).getIdToken();

    // Assert: an instance that only knows the old password cannot use the entry; one with the new one can.
    expect(source).toHaveBeenCalledTimes(2);
    expect(source).toHaveBeenLastCalledWith(expect.objectContaining({ forceRefresh: true }));
    const withOld = fleetInstance(memory.store, {
      credentials: async () => ({ username: USERNAME, password: oldPassword, clientSecret: CLIENT_SECRET }),
      timeoutMs: 2_000,
    });
    await expect(withOld.getIdToken()).rejects.toMatchObject({ code: 'ERR_AUTHENTICATION' });
    const before = signIns();
    await fleetInstance(memory.store).getIdToken();
    expect(signIns()).toBe(before);
  });

  it('refuses a shared cache for an app client without a secret unless the store has an encryptionKey', async () => {
    // Prepare
    const memory = memoryTokenStore();
    const publicClient = { username: USERNAME, password: PASSWORD };

    // Act / Assert: at construction with static credentials; at the first call with a source.
    expect(() => fleetInstance(memory.store, { credentials: publicClient })).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIGURATION',
        message: expect.stringMatching(/^"sharedCache".*encryptionKey/),
      }),
    );
    await expect(
      fleetInstance(memory.store, { credentials: async () => publicClient }).getIdToken(),
    ).rejects.toMatchObject({
      code: 'ERR_CONFIGURATION',
    });
    const keyed = memoryTokenStore({ encryptionKey: new Uint8Array(32).fill(9) });
    await expect(fleetInstance(keyed.store, { credentials: publicClient }).getIdToken()).resolves.toEqual(
      expect.any(String),
    );
    expect(signIns()).toBe(1);
  });
});

describe('shareTokenStore and the entries it reads', () => {
  const KEY = new Uint8Array(32).fill(4);
  const storeKey = storeKeyOf({ pool: USER_POOL_ID, clientId: CLIENT_ID, username: USERNAME }, KEY);

  it("hands back a store that is shared already, and keeps a store's one-trip read-or-lease", async () => {
    const combined = memoryTokenStore({ combined: true });
    const shared = shareTokenStore(combined.store);

    expect(shareTokenStore(shared)).toBe(shared);
    expect(typeof shared.readOrAcquireLease).toBe('function');
    await fleetInstance(combined.store).getIdToken();
    await fleetInstance(combined.store).getIdToken();
    expect(signIns()).toBe(1);
  });

  it.each<[string, Record<string, unknown>]>([
    ['an expiry that is not a number', { idToken: 'x', accessToken: 'y', username: USERNAME, expiresAt: 'soon' }],
    ['tokens that are not text', { idToken: 1, accessToken: 2, username: USERNAME, expiresAt: START + 3_600_000 }],
  ])('counts an entry with %s as missing, and signs in', async (_label, fields) => {
    // Prepare: an entry sealed with the right key, whose fields do not make tokens.
    const memory = memoryTokenStore({ encryptionKey: KEY });
    const value = sealEntry(explicitSealingKey(KEY, storeKey), storeKey, fields);
    await memory.store.put(
      storeKey,
      { value, expiresAtMs: Date.now() + 3_600_000 },
      undefined,
      AbortSignal.timeout(1_000),
    );

    // Act
    const token = await fleetInstance(memory.store).getIdToken();

    // Assert
    expect(token).not.toBe('x');
    expect(signIns()).toBe(1);
  });

  it('serves a shared token whose JWTs carry no exp until the expiry the writer stated', async () => {
    // Prepare: an access token without exp (an opaque one, or a JWT without the claim) beside a readable one.
    const memory = memoryTokenStore({ encryptionKey: KEY });
    const expiresAt = Date.now() + 3_600_000;
    const idToken = fakeJwt({ 'cognito:username': USERNAME, token_use: 'id' }, 'c2ln');
    const value = sealEntry(explicitSealingKey(KEY, storeKey), storeKey, {
      idToken,
      accessToken: 'opaque-access-token',
      username: USERNAME,
      expiresAt,
    });
    await memory.store.put(storeKey, { value, expiresAtMs: expiresAt }, undefined, AbortSignal.timeout(1_000));

    // Act
    const tokens = await fleetInstance(memory.store).getTokens();

    // Assert
    expect(signIns()).toBe(0);
    expect(tokens.idToken).toBe(idToken);
    expect(tokens.expiresAt.getTime()).toBe(expiresAt);
  });
});
