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
  describeFleetProtocol,
  describeTokenStoreContract,
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

  describe('the store contract', () => {
    describeTokenStoreContract(() => ({ store }));
  });

  describe('the fleet protocol', () => {
    describeFleetProtocol(() => ({ store }));
  });

  it('sets the entry to expire at expiresAtMs, and the lease after ttlMs', async () => {
    const key = uniqueKey();
    const expiresAt = Date.now() + 60_000;
    await store.put(key, 'ctp1.sealed', expiresAt, never);
    await store.acquireLease(key, 'holder-1', 5_000, never);
    expect(await client.get(key)).toBe('ctp1.sealed');
    expect(await client.pexpiretime(key)).toBe(expiresAt);
    expect(await client.get(`${key}#lease`)).toBe('holder-1');
    const leaseTtl = await client.pttl(`${key}#lease`);
    expect(leaseTtl).toBeGreaterThan(4_000);
    expect(leaseTtl).toBeLessThanOrEqual(5_000);
  });

  it('does not store an entry that has already expired', async () => {
    const key = uniqueKey();
    await store.put(key, 'ctp1.stale', Date.now() - 1, never);
    expect(await client.exists(key)).toBe(0);
  });

  it('costs a warm instance one GET, and a holder 2 GET, 2 SET and one EVAL', async () => {
    const key = uniqueKey();
    await client.config('RESETSTAT');
    await instanceCache(store, key).obtain(
      async () => ({ token: 'cold', expiresAt: Date.now() + 3_600_000 }),
      budget(),
    );
    // The release script's own GET and DEL count too.
    expect(await commandCalls(client)).toEqual({ get: 2 + 1, set: 2, eval: 1, del: 1 });
    await client.config('RESETSTAT');
    const counted = countingStore(store);
    await instanceCache(counted.store, key).obtain(async () => {
      throw new Error('unexpected fetch');
    }, budget());
    expect(await commandCalls(client)).toEqual({ get: 1 });
    expect(counted.total()).toBe(1);
  });

  it('falls back to the fetch when Redis is unreachable, after storeTimeoutMs, and logs once', async () => {
    const gone = await startRedisServer();
    const unreachable = new Redis(gone.url);
    // ioredis reports its reconnection attempts as 'error' events; the store sees failed commands instead.
    unreachable.on('error', () => undefined);
    await unreachable.ping();
    await gone.stop();
    try {
      const logger = { debug: vi.fn() };
      const cache = instanceCache(redisTokenStore({ client: unreachable }), uniqueKey(), {
        logger,
        storeTimeoutMs: 300,
      });
      const fetch = vi.fn(async () => ({ token: 'direct', expiresAt: Date.now() + 3_600_000 }));
      const started = Date.now();
      expect((await cache.obtain(fetch, budget())).token).toBe('direct');
      expect(Date.now() - started).toBeLessThan(1_500);
      expect((await cache.obtain(fetch, budget())).token).toBe('direct');
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
  const pending: { command: string; args: unknown[]; resolve(value: unknown): void; reject(error: unknown): void }[] =
    [];
  const enqueue = (command: string, args: unknown[]) =>
    new Promise<never>((resolve, reject) => {
      pending.push({ command, args, resolve: resolve as (value: unknown) => void, reject });
    });
  const client = {
    get: (...args: unknown[]) => enqueue('get', args),
    set: (...args: unknown[]) => enqueue('set', args),
    eval: (...args: unknown[]) => enqueue('eval', args),
  } as unknown as RedisClientLike;
  return { client, pending };
}

describe('redisTokenStore without a server', () => {
  it.each([
    [undefined, /^"options" must be an object/],
    [{}, /^"client" must be a Redis client with get, set and eval/],
    [{ client: { get() {}, set() {} } }, /^"client" must be a Redis client/],
    [{ client: scriptedClient().client, encryptionKey: 'short' }, /^"encryptionKey" must be 32 bytes/],
    [{ client: scriptedClient().client, encryptionKey: new Uint8Array(64) }, /^"encryptionKey" must be 32 bytes/],
  ])('rejects %o at once', (options, message) => {
    expect(() => redisTokenStore(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION', message: expect.stringMatching(message) }),
    );
  });

  it('sends the commands of the protocol, in the shapes Redis expects', async () => {
    const { client, pending } = scriptedClient();
    const store = redisTokenStore({ client });
    const key = uniqueKey();
    const put = store.put(key, 'ctp1.v', 1_900_000_000_123.7, never);
    const lease = store.acquireLease(key, 'holder', 5_000.5, never);
    const release = store.releaseLease(key, 'holder', never);
    expect(pending.map(({ command, args }) => [command, ...args])).toEqual([
      ['set', key, 'ctp1.v', 'PXAT', 1_900_000_000_123],
      ['set', `${key}#lease`, 'holder', 'PX', 5_000, 'NX'],
      ['eval', expect.stringContaining("redis.call('GET', KEYS[1]) == ARGV[1]"), 1, `${key}#lease`, 'holder'],
    ]);
    for (const command of pending) command.resolve(command.command === 'eval' ? 0 : 'OK');
    await expect(Promise.all([put, lease, release])).resolves.toEqual([undefined, true, undefined]);
  });

  it('reads null as no entry, and a refused SET NX as no lease', async () => {
    const { client, pending } = scriptedClient();
    const store = redisTokenStore({ client });
    const read = store.get('k', never);
    const lease = store.acquireLease('k', 'h', 1_000, never);
    for (const command of pending) command.resolve(null);
    expect(await read).toBeUndefined();
    expect(await lease).toBe(false);
  });

  it('sends nothing for an entry that has already expired', async () => {
    const { client, pending } = scriptedClient();
    await expect(redisTokenStore({ client }).put('k', 'ctp1.v', Date.now() - 1, never)).resolves.toBeUndefined();
    expect(pending).toHaveLength(0);
  });

  it('leaves no listener on the signal once a command has answered', async () => {
    const { client, pending } = scriptedClient();
    const controller = new AbortController();
    const read = redisTokenStore({ client }).get('k', controller.signal);
    pending[0]?.resolve('ctp1.v');
    expect(await read).toBe('ctp1.v');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('stops waiting for a command when the signal aborts, and leaves no listener on it', async () => {
    const { client, pending } = scriptedClient();
    const store = redisTokenStore({ client });
    const controller = new AbortController();
    const read = store.get('k', controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort(new Error('gave up'));
    await expect(read).rejects.toThrow('gave up');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // A late failure of the abandoned command is no unhandled rejection.
    pending[0]?.reject(new Error('Connection is closed.'));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('releases a lease that was granted after the caller gave up on it', async () => {
    const { client, pending } = scriptedClient();
    const store = redisTokenStore({ client });
    const controller = new AbortController();
    const lease = store.acquireLease('k', 'late-holder', 5_000, controller.signal);
    controller.abort();
    await expect(lease).rejects.toBeDefined();
    pending[0]?.resolve('OK');
    await vi.waitFor(() => expect(pending.map(({ command }) => command)).toEqual(['set', 'eval']));
    expect(pending[1]?.args).toEqual([expect.any(String), 1, 'k#lease', 'late-holder']);
  });

  it('swallows the late failure of a lease attempt the caller gave up on', async () => {
    const { client, pending } = scriptedClient();
    const controller = new AbortController();
    const lease = redisTokenStore({ client }).acquireLease('k', 'late-holder', 5_000, controller.signal);
    controller.abort();
    await expect(lease).rejects.toBeDefined();
    pending[0]?.reject(new Error('Connection is closed.'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending).toHaveLength(1);
  });

  it('does not release a lease refused after the caller gave up', async () => {
    const { client, pending } = scriptedClient();
    const store = redisTokenStore({ client });
    const controller = new AbortController();
    const lease = store.acquireLease('k', 'late-holder', 5_000, controller.signal);
    controller.abort();
    await expect(lease).rejects.toBeDefined();
    pending[0]?.resolve(null);
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
