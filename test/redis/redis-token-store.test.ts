import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { countingStore } from '../../harness/counting-store.js';
import { type RedisServerHandle, redisServerBinary, startRedisServer } from '../../harness/redis-server.js';
import type { TokenStore } from '../../src/fleet/token-store.js';
import { type RedisClientLike, redisTokenStore } from '../../src/redis/index.js';
import {
  budget,
  coldAndWarmRequests,
  describeStoreSuites,
  instanceCache,
  never,
  UNAVAILABLE,
  uniqueKey,
} from '../fleet/store-contract.js';

// Without a redis-server binary these tests are skipped locally, and say so; in CI they must run.
const skipRedisServer = redisServerBinary() === undefined && process.env.CI !== 'true';
if (skipRedisServer) {
  console.warn(
    'test/redis: the redis-server tests are skipped: no redis-server on PATH (install one, or set REDIS_SERVER). ' +
      'With CI=true they fail instead.',
  );
}

describe.skipIf(skipRedisServer)('redisTokenStore against redis-server', () => {
  let server: RedisServerHandle;
  let client: Redis;
  let store: TokenStore;

  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    store = redisTokenStore({ client });
  });

  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  describeStoreSuites(() => ({ store }));

  it('keeps entry, lease and refusal mark in one hash, expiring with the latest of them', async () => {
    const key = uniqueKey();
    const expiresAt = Date.now() + 60_000;
    expect(
      await store.acquireLease(key, { holder: 'holder-1', ttlMs: 5_000, expectedInMs: 150 }, expiresAt, never),
    ).toEqual({
      acquired: true,
    });
    const leased = await client.hgetall(key);
    expect(leased.h).toBe('holder-1');
    expect(Number(leased.u) - Number(leased.w)).toBe(5_000 - 150);
    const leaseTtl = await client.pttl(key);
    expect(leaseTtl).toBeGreaterThan(4_000);
    expect(leaseTtl).toBeLessThanOrEqual(5_000);
    await store.put(key, { value: 'ctp1.sealed', expiresAtMs: expiresAt }, 'holder-1', never);
    expect(await client.hgetall(key)).toEqual({ e: 'ctp1.sealed', x: String(expiresAt) });
    expect(await client.pexpiretime(key)).toBe(expiresAt);
    await store.refuse(key, expiresAt + 30_000, never);
    expect(await client.hgetall(key)).toEqual({ r: String(expiresAt + 30_000) });
    expect(await client.pexpiretime(key)).toBe(expiresAt + 30_000);
  });

  it('does not store an entry that has already expired', async () => {
    const key = uniqueKey();
    await store.put(key, { value: 'ctp1.stale', expiresAtMs: Date.now() - 1 }, undefined, never);
    expect(await client.exists(key)).toBe(0);
  });

  it('costs a lone cold instance two scripts (read-or-lease, then the entry with the lease ended), a warm one one', async () => {
    const { cold, warm, warmCalls } = await coldAndWarmRequests(store, {
      reset: () => client.config('RESETSTAT'),
      counted: async () => (await commandCalls(client)).eval,
    });

    expect(cold).toBe(2);
    expect(warm).toBe(1);
    expect(warmCalls).toEqual({ readOrAcquireLease: 1 });
  });

  it('writes one entry and grants one lease for a cold fleet of 50 instances: a refused lease writes nothing', async () => {
    const key = uniqueKey();
    const counted = countingStore(store);
    let fetches = 0;
    const fleet = Array.from({ length: 50 }, (_, index) =>
      instanceCache(counted.store, key, { random: () => index / 50 }),
    );
    await Promise.all(
      fleet.map((cache) =>
        cache.obtain(async () => {
          fetches++;
          await new Promise((resolve) => setTimeout(resolve, 100));
          return { token: 'fleet', expiresAt: Date.now() + 3_600_000 };
        }, budget()),
      ),
    );
    expect(fetches).toBe(1);
    expect(counted.counts.put).toBe(1);
    expect(counted.counts.acquireLease).toBeUndefined();
    // A first script each, and one more for most: at the holder's expected time.
    expect(counted.total() / 50).toBeLessThanOrEqual(4);
  });

  it('falls back to the fetch when Redis is unreachable, and logs once', async () => {
    const gone = await startRedisServer();
    const unreachable = new Redis(gone.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    // ioredis reports its reconnection attempts as 'error' events; the store sees failed commands instead.
    unreachable.on('error', () => undefined);
    await new Promise((resolve) => unreachable.once('ready', resolve));
    await gone.stop();
    try {
      const logger = { debug: vi.fn() };
      const cache = instanceCache(redisTokenStore({ client: unreachable }), uniqueKey(), { logger });
      const fetch = vi.fn(async () => ({ token: 'direct', expiresAt: Date.now() + 3_600_000 }));
      expect((await cache.obtain(fetch, budget(1_000))).token).toBe('direct');
      expect((await cache.obtain(fetch, budget(1_000))).token).toBe('direct');
      expect(logger.debug.mock.calls).toEqual([[UNAVAILABLE, { error: expect.any(String) }]]);
    } finally {
      unreachable.disconnect();
    }
  });
});

/** Calls per command since the last CONFIG RESETSTAT, from the server's own statistics. */
async function commandCalls(client: Redis): Promise<Record<string, number>> {
  const info = await client.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) {
    const [, command, count] = match;
    if (command !== undefined && !['config', 'info'].includes(command)) calls[command] = Number(count);
  }
  return calls;
}

/** A client whose answers the test controls, one pending command at a time. */
function scriptedClient() {
  const pending: { args: unknown[]; resolve(value: unknown): void; reject(error: unknown): void }[] = [];
  const client: RedisClientLike = {
    eval: (...args: unknown[]) =>
      new Promise<never>((resolve, reject) => {
        pending.push({ args, resolve: resolve as (value: unknown) => void, reject });
      }),
  };
  return { client, pending };
}

const lease = (holder: string) => ({ holder, ttlMs: 5_000.5, expectedInMs: 150.2 });

/** A lease request for 'late-holder' on 'k' that its caller has given up on, its script still unanswered. */
async function abandonedLeaseRequest() {
  const { client, pending } = scriptedClient();
  const controller = new AbortController();
  const taken = redisTokenStore({ client }).acquireLease('k', lease('late-holder'), 0, controller.signal);
  controller.abort();
  await expect(taken).rejects.toBeDefined();
  return pending;
}

describe('redisTokenStore without a server', () => {
  it.each([
    [undefined, /^"options" must be an object/],
    [{}, /^"client" must be a Redis client with eval/],
    [{ client: { get() {}, set() {} } }, /^"client" must be a Redis client/],
    [{ client: scriptedClient().client, encryptionKey: 'short' }, /^"encryptionKey" must be 32 bytes/],
    [{ client: scriptedClient().client, encryptionKey: new Uint8Array(64) }, /^"encryptionKey" must be 32 bytes/],
  ])('rejects %o at once', (options, message) => {
    expect(() => redisTokenStore(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringMatching(message) }),
    );
  });

  it('sends one script per operation, on one key, with whole milliseconds', async () => {
    const { client, pending } = scriptedClient();
    const store = redisTokenStore({ client });
    const key = uniqueKey();
    const put = store.put(key, { value: 'ctp1.v', expiresAtMs: 1_900_000_000_123.7 }, 'holder', never);
    const taken = store.readOrAcquireLease?.(key, lease('holder'), Number.POSITIVE_INFINITY, never);
    const read = store.read(key, never);
    const release = store.releaseLease(key, 'holder', never);
    const refuse = store.refuse(key, 1_900_000_000_000, never);
    expect(pending.map(({ args }) => args.slice(1))).toEqual([
      [1, key, 'ctp1.v', '1900000000123', 'holder'],
      [1, key, 'lease', 'holder', '5000', '150', '9007199254740991'],
      [1, key, 'read', '', '0', '0', '9007199254740991'],
      [1, key, 'holder'],
      [1, key, '1900000000000'],
    ]);
    const [putAnswer, leaseAnswer, readAnswer, ...rest] = pending;
    putAnswer?.resolve(1);
    leaseAnswer?.resolve([1]);
    readAnswer?.resolve([0, 'ctp1.v', '1900000000123', 4_000, 100, '1800000000000']);
    for (const command of rest) command.resolve(1);
    await expect(Promise.all([put, taken, read, release, refuse])).resolves.toEqual([
      undefined,
      { acquired: true },
      {
        entry: { value: 'ctp1.v', expiresAtMs: 1_900_000_000_123 },
        // Times of the server, made relative to the answer: half the round trip earlier (a millisecond or so).
        lease: { lapsesInMs: expect.closeTo(4_000, -1), expectedInMs: expect.closeTo(100, -1) },
        refusedThroughMs: 1_800_000_000_000,
      },
      undefined,
      undefined,
    ]);
  });

  it('reads nils as nothing there, and fails a call answered with anything but its script`s answer', async () => {
    const { client, pending } = scriptedClient();
    const store = redisTokenStore({ client });
    const empty = store.read('k', never);
    const refused = store.acquireLease('k', lease('h'), 0, never);
    const garbage = store.read('k', never);
    pending[0]?.resolve([0, null, null, null, null, null]);
    pending[1]?.resolve([0, null, null, 900, -20, null]);
    pending[2]?.resolve('OK');
    expect(await empty).toEqual({});
    expect(await refused).toEqual({
      acquired: false,
      record: { lease: { lapsesInMs: expect.closeTo(900, -1), expectedInMs: expect.closeTo(-20, -1) } },
    });
    await expect(garbage).rejects.toMatchObject({ name: 'InvalidStoreAnswer' });
  });

  it('leaves no listener on the signal once a command has answered', async () => {
    const { client, pending } = scriptedClient();
    const controller = new AbortController();
    const read = redisTokenStore({ client }).read('k', controller.signal);
    pending[0]?.resolve([0, null, null, null, null, null]);
    expect(await read).toEqual({});
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('stops waiting for a command when the signal aborts, and leaves no listener on it', async () => {
    const { client, pending } = scriptedClient();
    const store = redisTokenStore({ client });
    const controller = new AbortController();
    const read = store.read('k', controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort(new Error('gave up'));
    await expect(read).rejects.toThrow('gave up');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // A late failure of the abandoned command is no unhandled rejection.
    pending[0]?.reject(new Error('Connection is closed.'));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('releases a lease that was granted after the caller gave up on it', async () => {
    const pending = await abandonedLeaseRequest();
    pending[0]?.resolve([1]);
    await vi.waitFor(() => expect(pending).toHaveLength(2));
    expect(pending[1]?.args).toEqual([
      expect.stringContaining("'HDEL', KEYS[1], 'h', 'u', 'w'"),
      1,
      'k',
      'late-holder',
    ]);
  });

  it('swallows the late failure of a lease request the caller gave up on', async () => {
    const pending = await abandonedLeaseRequest();
    pending[0]?.reject(new Error('Connection is closed.'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending).toHaveLength(1);
  });

  it('does not release a lease refused after the caller gave up', async () => {
    const pending = await abandonedLeaseRequest();
    pending[0]?.resolve([0, null, null, 3_000, 10, null]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending).toHaveLength(1);
  });

  it('keeps the encryption key out of inspect and JSON, and hands out copies', () => {
    const key = Buffer.alloc(32, 0x3c);
    const store = redisTokenStore({ client: scriptedClient().client, encryptionKey: key });
    for (const text of [inspect(store, { showHidden: true, depth: Number.POSITIVE_INFINITY }), JSON.stringify(store)]) {
      expect(text).not.toContain(key.toString('base64').slice(0, 16));
      expect(text).not.toMatch(/60, 60, 60/);
    }
    key.fill(0);
    const copy = store.encryptionKey?.();
    expect(copy).toEqual(new Uint8Array(32).fill(0x3c));
    copy?.fill(1);
    expect(store.encryptionKey?.()).toEqual(new Uint8Array(32).fill(0x3c));
  });
});
