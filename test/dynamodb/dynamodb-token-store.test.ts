import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DynaliteHandle, startDynalite } from '../../harness/dynalite.js';
import { dynamoDbTokenStore } from '../../src/dynamodb/index.js';
import type { TokenStore } from '../../src/fleet/token-store.js';
import {
  budget,
  coldAndWarmRequests,
  describeStoreSuites,
  instanceCache,
  never,
  UNAVAILABLE,
  uniqueKey,
} from '../fleet/store-contract.js';

const TOO_SLOW = 'cognito-token-provider: shared cache too slow, using Cognito directly';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let dynamo: DynaliteHandle;
let client: DynamoDBClient;
let store: TokenStore;
/** Commands sent by `client`, by name, counted by a middleware: the requests DynamoDB would bill. */
const commands = new Map<string, number>();
/** The input of every GetItem sent by `client`. */
const getItemInputs: unknown[] = [];
const sent = (name: string) => commands.get(name) ?? 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamo.createClient();
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands.set(context.commandName as string, sent(context.commandName as string) + 1);
      if (context.commandName === 'GetItemCommand') getItemInputs.push(args.input);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  store = dynamoDbTokenStore({ tableName: dynamo.tableName, client });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

describe('dynamoDbTokenStore against dynalite', () => {
  describeStoreSuites(() => ({ store }));
});

describe('the fleet protocol over dynamoDbTokenStore: requests', () => {
  it('costs a cold instance 2 GetItem and 2 UpdateItem, and a warm one a consistent GetItem', async () => {
    const { cold, warm, warmCalls } = await coldAndWarmRequests(store, {
      reset: () => commands.clear(),
      counted: () => Object.fromEntries(commands),
    });

    // A read, a re-read after a short pause, the lease, and the entry written with the lease ended.
    expect(cold).toEqual({ GetItemCommand: 2, UpdateItemCommand: 2 });
    expect(warm).toEqual({ GetItemCommand: 1 });
    expect(warmCalls).toEqual({ read: 1 });
  });

  it('writes one entry for a cold fleet of 20 instances; no instance asks for a lease it has seen held', async () => {
    const key = uniqueKey();
    commands.clear();
    // Each instance's calls in order, with what each answer showed.
    const histories = Array.from({ length: 20 }, () => [] as string[]);
    const fleet = histories.map((history, index) => {
      const watched: TokenStore = {
        ...store,
        read: async (readKey, signal) => {
          const record = await store.read(readKey, signal);
          history.push(`read:${record.lease ? 'lease' : record.entry ? 'entry' : 'nothing'}`);
          return record;
        },
        acquireLease: async (leaseKey, lease, unless, signal) => {
          const answer = await store.acquireLease(leaseKey, lease, unless, signal);
          history.push(`acquire:${answer.acquired ? 'acquired' : 'refused'}`);
          return answer;
        },
      };
      return instanceCache(watched, key, { random: () => index / 20 });
    });
    const values = await Promise.all(
      fleet.map((cache) => cache.obtain(async () => ({ token: 'fleet', expiresAt: Date.now() + 3_600_000 }), budget())),
    );
    expect(new Set(values.map((value) => value.token))).toEqual(new Set(['fleet']));
    // Whatever the timing: a lease request only ever follows two reads that showed nothing, one after the other.
    for (const history of histories) {
      history.forEach((step, index) => {
        if (step.startsWith('acquire'))
          expect(history.slice(index - 2, index)).toEqual(['read:nothing', 'read:nothing']);
      });
    }
    const acquires = histories.flat().filter((step) => step.startsWith('acquire')).length;
    expect(histories.flat().filter((step) => step === 'acquire:acquired')).toHaveLength(1);
    // Each write is one UpdateItem: the lease requests (refused ones too) and the entry.
    expect(sent('UpdateItemCommand')).toBe(acquires + 1);
    expect(sent('GetItemCommand')).toBe(histories.flat().filter((step) => step.startsWith('read')).length);
  });
});

describe('dynamoDbTokenStore items', () => {
  it('keeps entry, lease and refusal mark in one item, with ttl (s) from the latest of them', async () => {
    const key = uniqueKey();
    const expiresAt = Date.now() + 3_600_000;
    expect(
      await store.acquireLease(key, { holder: 'holder-1', ttlMs: 5_000, expectedInMs: 150 }, expiresAt, never),
    ).toEqual({
      acquired: true,
    });
    const leased = await rawItem(key);
    expect(leased?.holder).toEqual({ S: 'holder-1' });
    expect(Number(leased?.leaseUntil?.N) - Date.now()).toBeGreaterThan(4_000);
    expect(Number(leased?.expectedAt?.N) - Number(leased?.leaseUntil?.N)).toBe(150 - 5_000);
    expect(Number(leased?.ttl?.N)).toBe(Math.ceil(Number(leased?.leaseUntil?.N) / 1000));
    await store.put(key, { value: 'ctp1.sealed', expiresAtMs: expiresAt }, 'holder-1', never);
    expect(await rawItem(key)).toEqual({
      pk: { S: key },
      entry: { S: 'ctp1.sealed' },
      expiresAt: { N: String(expiresAt) },
      ttl: { N: String(Math.ceil(expiresAt / 1000)) },
    });
    await store.refuse(key, expiresAt, never);
    expect(await rawItem(key)).toEqual({
      pk: { S: key },
      refusedThrough: { N: String(expiresAt) },
      ttl: { N: String(Math.ceil(expiresAt / 1000)) },
    });
  });

  it('still writes the entry of a holder whose lease was taken over, and leaves the new holder`s lease', async () => {
    const key = uniqueKey();
    const lease = (holder: string) => ({ holder, ttlMs: 60_000, expectedInMs: 150 });
    expect(await store.acquireLease(key, lease('other'), 0, never)).toEqual({ acquired: true });
    const expiresAtMs = Date.now() + 3_600_000;
    await store.put(key, { value: 'ctp1.late-holder', expiresAtMs }, 'lapsed-holder', never);
    const item = await rawItem(key);
    expect(item?.entry).toEqual({ S: 'ctp1.late-holder' });
    expect(item?.holder).toEqual({ S: 'other' });
  });

  it('only ends its lease when a newer entry is there already, and only its own', async () => {
    const key = uniqueKey();
    const expiresAtMs = Date.now() + 3_600_000;
    await store.put(key, { value: 'ctp1.newer', expiresAtMs }, undefined, never);
    expect(
      await store.acquireLease(key, { holder: 'mine', ttlMs: 60_000, expectedInMs: 150 }, expiresAtMs, never),
    ).toEqual({
      acquired: true,
    });
    await store.put(key, { value: 'ctp1.older', expiresAtMs: expiresAtMs - 1_000 }, 'mine', never);
    const item = await rawItem(key);
    expect(item?.entry).toEqual({ S: 'ctp1.newer' });
    expect(item?.holder).toBeUndefined();
  });

  it('ends the lease of a holder whose value expired before it could be written', async () => {
    const key = uniqueKey();
    expect(await store.acquireLease(key, { holder: 'mine', ttlMs: 60_000, expectedInMs: 150 }, 0, never)).toEqual({
      acquired: true,
    });
    await store.put(key, { value: 'ctp1.expired', expiresAtMs: Date.now() - 1 }, 'mine', never);
    expect(await rawItem(key)).toEqual({ pk: { S: key }, ttl: expect.any(Object) });
  });

  it('reads strongly consistently: a waiter must see the entry its holder has just written', async () => {
    getItemInputs.length = 0;
    await store.read(uniqueKey(), never);
    expect(getItemInputs).toEqual([expect.objectContaining({ ConsistentRead: true, TableName: dynamo.tableName })]);
  });

  it('returns the item with a refused lease request (ReturnValuesOnConditionCheckFailure), in one request', async () => {
    const key = uniqueKey();
    const expiresAtMs = Date.now() + 3_600_000;
    await store.put(key, { value: 'ctp1.there', expiresAtMs }, undefined, never);
    expect(
      await store.acquireLease(key, { holder: 'first', ttlMs: 5_000, expectedInMs: 150 }, expiresAtMs, never),
    ).toEqual({
      acquired: true,
    });
    commands.clear();
    const refused = await store.acquireLease(
      key,
      { holder: 'second', ttlMs: 5_000, expectedInMs: 150 },
      expiresAtMs,
      never,
    );
    expect(Object.fromEntries(commands)).toEqual({ UpdateItemCommand: 1 });
    expect(refused).toEqual({
      acquired: false,
      record: {
        entry: { value: 'ctp1.there', expiresAtMs },
        lease: { lapsesInMs: expect.any(Number), expectedInMs: expect.any(Number) },
      },
    });
  });

  it('treats an item past its expiresAt as absent, though DynamoDB has not deleted it yet', async () => {
    const key = uniqueKey();
    await client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: {
          pk: { S: key },
          entry: { S: 'ctp1.expired' },
          expiresAt: { N: String(Date.now() - 1) },
          ttl: { N: String(Math.floor(Date.now() / 1000)) },
        },
      }),
    );
    expect(await rawItem(key)).toBeDefined();
    expect(await store.read(key, never)).toEqual({});
  });

  it('writes no entry that has expired already: it only ends the lease of the holder that fetched it', async () => {
    const key = uniqueKey();
    const later = Date.now() + 3_600_000;
    await store.acquireLease(key, { holder: 'holder-1', ttlMs: 5_000, expectedInMs: 150 }, later, never);

    await store.put(key, { value: 'ctp1.dead', expiresAtMs: Date.now() - 1 }, 'holder-1', never);
    const after = await rawItem(key);
    for (const attribute of ['entry', 'expiresAt', 'holder', 'leaseUntil', 'expectedAt']) {
      expect(after).not.toHaveProperty(attribute);
    }

    commands.clear();
    await store.put(uniqueKey(), { value: 'ctp1.dead', expiresAtMs: Date.now() - 1 }, undefined, never);
    expect(Object.fromEntries(commands)).toEqual({});
  });

  it("leaves a newer entry and another holder's live lease alone when its own lease was taken over", async () => {
    const key = uniqueKey();
    const newer = Date.now() + 7_200_000;
    const item = {
      pk: { S: key },
      entry: { S: 'ctp1.newer' },
      expiresAt: { N: String(newer) },
      holder: { S: 'other-holder' },
      leaseUntil: { N: String(Date.now() + 60_000) },
      expectedAt: { N: String(Date.now() + 1_000) },
      ttl: { N: String(Math.ceil(newer / 1000)) },
    };
    await client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: item }));

    await store.put(key, { value: 'ctp1.older', expiresAtMs: Date.now() + 3_600_000 }, 'holder-1', never);

    expect(await rawItem(key)).toEqual(item);
  });

  it('reads a live lease without expectedAt (an item another writer made) as expected now', async () => {
    const key = uniqueKey();
    await client.send(
      new PutItemCommand({
        TableName: dynamo.tableName,
        Item: { pk: { S: key }, holder: { S: 'other-holder' }, leaseUntil: { N: String(Date.now() + 60_000) } },
      }),
    );

    const { lease } = await store.read(key, never);

    expect(lease?.expectedInMs).toBeLessThanOrEqual(0);
    expect(lease?.lapsesInMs).toBeGreaterThan(0);
  });

  it('treats an item without expiresAt or entry as absent', async () => {
    const key = uniqueKey();
    await client.send(new PutItemCommand({ TableName: dynamo.tableName, Item: { pk: { S: key }, entry: { S: 'x' } } }));
    expect(await store.read(key, never)).toEqual({});
  });
});

describe('dynamoDbTokenStore options', () => {
  it.each([
    [undefined, /^"options" must be an object with "tableName"/],
    [{}, /^"tableName" must be a DynamoDB table name/],
    [{ tableName: '' }, /^"tableName" must be/],
    [{ tableName: 'ab' }, /^"tableName" must be/],
    [{ tableName: 'bad name!' }, /^"tableName" must be/],
    [{ tableName: 'tokens', client: {}, clientConfig: {} }, /^"client" cannot be combined with "clientConfig"/],
    [{ tableName: 'tokens', client: {} }, /^"client" must be a DynamoDBClient/],
    [{ tableName: 'tokens', clientConfig: 'eu-west-1' }, /^"clientConfig" must be a DynamoDBClient configuration/],
    [{ tableName: 'tokens', encryptionKey: 'too-short' }, /^"encryptionKey" must be 32 bytes/],
    [{ tableName: 'tokens', encryptionKey: new Uint8Array(31) }, /^"encryptionKey" must be 32 bytes/],
  ])('rejects %o at once', (options, message) => {
    expect(() => dynamoDbTokenStore(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringMatching(message) }),
    );
  });

  it('accepts a table name or ARN', () => {
    expect(() => dynamoDbTokenStore({ tableName: 'my_table.v-1' })).not.toThrow();
    expect(() =>
      dynamoDbTokenStore({ tableName: 'arn:aws:dynamodb:eu-west-1:123456789012:table/cognito-tokens' }),
    ).not.toThrow();
  });

  it('keeps the encryption key out of inspect and JSON, and hands out copies', () => {
    const key = Buffer.alloc(32, 0x5a);
    const keyed = dynamoDbTokenStore({ tableName: 'tokens', encryptionKey: key.toString('base64') });
    const printed = [inspect(keyed, { showHidden: true, depth: Number.POSITIVE_INFINITY }), JSON.stringify(keyed)];
    for (const text of printed) {
      expect(text).not.toContain(key.toString('base64').slice(0, 16));
      expect(text).not.toContain(key.toString('hex').slice(0, 16));
      expect(text).not.toMatch(/90, 90, 90/);
    }
    const copy = keyed.encryptionKey?.();
    expect(copy).toEqual(new Uint8Array(key));
    copy?.fill(0);
    expect(keyed.encryptionKey?.()).toEqual(new Uint8Array(key));
    expect(dynamoDbTokenStore({ tableName: 'tokens' }).encryptionKey?.()).toBeUndefined();
  });

  it('creates its client on the first call, not before', async () => {
    const read = vi.fn(() => dynamo.endpoint);
    const config = { ...dynamo.clientConfig };
    Object.defineProperty(config, 'endpoint', { get: read, enumerable: true });
    const lazy = dynamoDbTokenStore({ tableName: dynamo.tableName, clientConfig: config });
    expect(read).not.toHaveBeenCalled();
    expect(await lazy.read(uniqueKey(), never)).toEqual({});
    expect(read).toHaveBeenCalledTimes(1);
    await lazy.read(uniqueKey(), never);
    expect(read).toHaveBeenCalledTimes(1);
  });
});

describe('dynamoDbTokenStore when DynamoDB fails', () => {
  let failing: FakeDynamo;
  beforeAll(async () => {
    failing = await fakeDynamo();
  });
  afterAll(async () => {
    await failing.close();
  });

  it('makes one attempt by default, and as many as clientConfig says otherwise', async () => {
    failing.answer = 'throttle';
    failing.requests = 0;
    const single = dynamoDbTokenStore({ tableName: 'tokens', clientConfig: configFor(failing.endpoint) });
    await expect(single.read(uniqueKey(), never)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(failing.requests).toBe(1);
    failing.requests = 0;
    const retrying = dynamoDbTokenStore({
      tableName: 'tokens',
      clientConfig: { ...configFor(failing.endpoint), maxAttempts: 2, retryStrategy: undefined },
    });
    await expect(retrying.read(uniqueKey(), never)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(failing.requests).toBe(2);
  });

  it('rejects a write that fails for any reason but its condition', async () => {
    failing.answer = 'throttle';
    const broken = dynamoDbTokenStore({ tableName: 'tokens', clientConfig: configFor(failing.endpoint) });
    const lease = { holder: 'holder', ttlMs: 5_000, expectedInMs: 150 };
    await expect(broken.acquireLease(uniqueKey(), lease, 0, never)).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    await expect(broken.releaseLease(uniqueKey(), 'holder', never)).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    await expect(broken.refuse(uniqueKey(), Date.now(), never)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('falls back to the fetch on AccessDeniedException, and logs its name once', async () => {
    failing.answer = 'deny';
    const broken = dynamoDbTokenStore({ tableName: 'tokens', clientConfig: configFor(failing.endpoint) });
    const logger = { debug: vi.fn() };
    const cache = instanceCache(broken, uniqueKey(), { logger });
    const fetch = vi.fn(async () => ({ token: 'direct', expiresAt: Date.now() + 3_600_000 }));
    expect((await cache.obtain(fetch, budget())).token).toBe('direct');
    expect((await cache.obtain(fetch, budget())).token).toBe('direct');
    expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'AccessDeniedException' }]]);
  });

  it.each(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded'] as const)(
    'waits out %s within the budget, as slowness, without skipping the store afterwards',
    async (errorName) => {
      failing.answer = errorName;
      failing.requests = 0;
      const throttled = dynamoDbTokenStore({ tableName: 'tokens', clientConfig: configFor(failing.endpoint) });
      const logger = { debug: vi.fn() };
      const cache = instanceCache(throttled, uniqueKey(), { logger });
      const fetch = vi.fn(async () => ({ token: 'direct', expiresAt: Date.now() + 3_600_000 }));
      // A 1 s budget keeps half for the fetch: 500 ms of back-off from 100 ms (jitter fixed at 0.5).
      expect((await cache.obtain(fetch, budget(1_000))).token).toBe('direct');
      expect(failing.requests).toBeGreaterThanOrEqual(3);
      expect(logger.debug.mock.calls).toEqual([[TOO_SLOW, { waitedMs: expect.any(Number) }]]);
      const before = failing.requests;
      await cache.obtain(fetch, budget(1_000));
      expect(failing.requests).toBeGreaterThan(before);
    },
  );

  it('aborts a request that hangs past what the caller can afford, closing its connection', async () => {
    failing.answer = 'hang';
    failing.requests = 0;
    const hanging = dynamoDbTokenStore({ tableName: 'tokens', clientConfig: configFor(failing.endpoint) });
    const logger = { debug: vi.fn() };
    const value = await instanceCache(hanging, uniqueKey(), { logger }).obtain(
      async () => ({ token: 'direct', expiresAt: Date.now() + 3_600_000 }),
      budget(600),
    );
    expect(value.token).toBe('direct');
    expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: 'TimeoutError' }]]);
    await vi.waitFor(() => expect(failing.openRequests).toBe(0));
    expect(failing.requests).toBe(1);
  });
});

async function rawItem(pk: string) {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return Item;
}

function configFor(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
  };
}

interface FakeDynamo {
  readonly endpoint: string;
  /** `throttle` (ThrottlingException), `deny` (AccessDeniedException), `hang`, or the error to answer with. */
  answer: string;
  requests: number;
  readonly openRequests: number;
  close(): Promise<void>;
}

/** A DynamoDB endpoint that only fails: with an AWS error, or by never answering. */
async function fakeDynamo(): Promise<FakeDynamo> {
  const open = new Set<IncomingMessage>();
  const state = { answer: 'throttle', requests: 0 };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    state.requests++;
    open.add(request);
    request.socket.once('close', () => open.delete(request));
    request.resume();
    request.once('end', () => {
      if (state.answer === 'hang') return;
      const type =
        state.answer === 'deny'
          ? 'AccessDeniedException'
          : state.answer === 'throttle'
            ? 'ThrottlingException'
            : state.answer;
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'refused' }));
      open.delete(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get answer() {
      return state.answer;
    },
    set answer(value) {
      state.answer = value;
    },
    get requests() {
      return state.requests;
    },
    set requests(value) {
      state.requests = value;
    },
    get openRequests() {
      return open.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
