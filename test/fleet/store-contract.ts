/**
 * Behaviour every TokenStore must have, and the fleet protocol over it, as suites that the memory,
 * DynamoDB and Redis store tests each run against their store (real time, real servers).
 *
 * API: `describeTokenStoreContract(name, setup)` and `describeFleetProtocol(name, setup)`, where `setup`
 * returns a fresh `{ store }` for each test (or the same store: keys are unique per test).
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { deriveClientSealingKey, storeKeyOf } from '../../src/fleet/entry-sealing.js';
import { type SharedCacheOptions, SharedTokenCache } from '../../src/fleet/shared-token-cache.js';
import type { TokenStore } from '../../src/fleet/token-store.js';

export interface StoreUnderTest {
  readonly store: TokenStore;
}

/** The value the protocol tests share: what a client token provider would cache. */
export interface TestToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** A signal that never aborts, for store calls that must not be cut short. */
export const never = new AbortController().signal;
/** What a SharedTokenCache logs (debug) when its store fails and it falls back to Cognito. */
export const UNAVAILABLE = 'cognito-token-provider: shared cache unavailable, using Cognito directly';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function uniqueKey(): string {
  return storeKeyOf({ pool: 'eu-west-1_Contract', clientId: randomUUID(), scopes: ['contract/test'] });
}

/** The sealing key of the instances that hold `clientSecret`, for entries under `key`. */
export function sealingKeyFor(key: string, clientSecret = 'shared-client-secret'): Promise<Uint8Array> {
  return deriveClientSealingKey({ pool: 'eu-west-1_Contract', clientId: key, clientSecret });
}

/** A SharedTokenCache for one simulated instance, holding `clientSecret`. */
export function instanceCache(
  store: TokenStore,
  key: string,
  options: Partial<SharedCacheOptions<TestToken>> & { readonly clientSecret?: string } = {},
): SharedTokenCache<TestToken> {
  const clientSecret = options.clientSecret ?? 'shared-client-secret';
  return new SharedTokenCache<TestToken>({
    store,
    key,
    sealingKey: () => sealingKeyFor(key, clientSecret),
    encode: (value) => ({ token: value.token, expiresAt: value.expiresAt }),
    decode: (fields) =>
      typeof fields.token === 'string' && typeof fields.expiresAt === 'number'
        ? { token: fields.token, expiresAt: fields.expiresAt }
        : undefined,
    expiresAtOf: (value) => value.expiresAt,
    // A fixed draw: no outcome of these tests depends on Math.random.
    random: () => 0.5,
    ...options,
  });
}

/** A caller's context: a fresh signal (as each provider call has its own), a budget of `ms`, tokens for a minute at least. */
export function budget(ms = 10_000) {
  return { signal: new AbortController().signal, deadlineAt: Date.now() + ms, minValidUntil: Date.now() + 60_000 };
}

/** The store's own contract: entries with expiry, and a lease that is exclusive, lapses and is released by its holder only. */
export function describeTokenStoreContract(setup: () => StoreUnderTest): void {
  it('returns undefined for a missing entry, and the last value put otherwise', async () => {
    const { store } = setup();
    const key = uniqueKey();
    expect(await store.get(key, never)).toBeUndefined();
    await store.put(key, 'ctp1.first', Date.now() + 60_000, never);
    await store.put(key, 'ctp1.second', Date.now() + 60_000, never);
    expect(await store.get(key, never)).toBe('ctp1.second');
  });

  it('stops returning an entry at its expiresAtMs', async () => {
    const { store } = setup();
    const key = uniqueKey();
    await store.put(key, 'ctp1.short-lived', Date.now() + 400, never);
    expect(await store.get(key, never)).toBe('ctp1.short-lived');
    await sleep(500);
    expect(await store.get(key, never)).toBeUndefined();
  });

  it('grants a lease to one holder at a time, among concurrent contenders', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const results = await Promise.all(
      // Each contender is another instance, with its own signal.
      Array.from({ length: 20 }, (_, index) =>
        store.acquireLease(key, `holder-${index}`, 10_000, new AbortController().signal),
      ),
    );
    expect(results.filter((acquired) => acquired)).toHaveLength(1);
    expect(await store.acquireLease(key, 'late', 10_000, never)).toBe(false);
  });

  it('keeps the entry readable while its lease is held', async () => {
    const { store } = setup();
    const key = uniqueKey();
    await store.put(key, 'ctp1.entry', Date.now() + 60_000, never);
    expect(await store.acquireLease(key, 'holder', 10_000, never)).toBe(true);
    expect(await store.get(key, never)).toBe('ctp1.entry');
  });

  it('lets another holder take a lease that has lapsed', async () => {
    const { store } = setup();
    const key = uniqueKey();
    expect(await store.acquireLease(key, 'crashed', 300, never)).toBe(true);
    expect(await store.acquireLease(key, 'waiter', 300, never)).toBe(false);
    await sleep(400);
    expect(await store.acquireLease(key, 'waiter', 10_000, never)).toBe(true);
    expect(await store.acquireLease(key, 'crashed', 10_000, never)).toBe(false);
  });

  it('releases a lease only for its holder, and a release by anyone else is no error', async () => {
    const { store } = setup();
    const key = uniqueKey();
    expect(await store.acquireLease(key, 'holder', 10_000, never)).toBe(true);
    await expect(store.releaseLease(key, 'someone-else', never)).resolves.toBeUndefined();
    expect(await store.acquireLease(key, 'someone-else', 10_000, never)).toBe(false);
    await store.releaseLease(key, 'holder', never);
    expect(await store.acquireLease(key, 'someone-else', 10_000, never)).toBe(true);
    // The former holder releasing again must not end the new holder's lease.
    await store.releaseLease(key, 'holder', never);
    expect(await store.acquireLease(key, 'holder', 10_000, never)).toBe(false);
  });

  it('rejects, without sending, a call whose signal has already aborted', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const aborted = AbortSignal.abort();
    await expect(store.put(key, 'ctp1.aborted', Date.now() + 60_000, aborted)).rejects.toBeDefined();
    expect(await store.get(key, never)).toBeUndefined();
  });
}

/** The fleet protocol over the store, with real time. */
export function describeFleetProtocol(setup: () => StoreUnderTest): void {
  it('makes one fetch for 200 concurrent calls across 20 instances, and all get its value', async () => {
    const { store } = setup();
    const key = uniqueKey();
    let fetches = 0;
    const fetch = async () => {
      fetches++;
      await sleep(150);
      return { token: `token-${randomUUID()}`, expiresAt: Date.now() + 3_600_000 };
    };
    const instances = Array.from({ length: 20 }, () => instanceCache(store, key));
    const results = await Promise.all(
      instances.flatMap((cache) => Array.from({ length: 10 }, () => cache.obtain(fetch, budget()))),
    );
    expect(fetches).toBe(1);
    expect(new Set(results.map((result) => result.token)).size).toBe(1);
    // The holder released its lease.
    expect(await store.acquireLease(key, 'after', 10_000, never)).toBe(true);
  });

  it('serves a new instance from the entry, without a fetch', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const first = await instanceCache(store, key).obtain(
      async () => ({ token: 'from-first', expiresAt: Date.now() + 3_600_000 }),
      budget(),
    );
    const fetch = async () => ({ token: 'from-second', expiresAt: Date.now() + 3_600_000 });
    expect(await instanceCache(store, key).obtain(fetch, budget())).toEqual(first);
  });

  it('treats an entry sealed with another client secret as missing, and replaces it', async () => {
    const { store } = setup();
    const key = uniqueKey();
    await instanceCache(store, key, { clientSecret: 'old-secret' }).obtain(
      async () => ({ token: 'sealed-with-old', expiresAt: Date.now() + 3_600_000 }),
      budget(),
    );
    const rotated = await instanceCache(store, key, { clientSecret: 'new-secret' }).obtain(
      async () => ({ token: 'sealed-with-new', expiresAt: Date.now() + 3_600_000 }),
      budget(),
    );
    expect(rotated.token).toBe('sealed-with-new');
    const reader = await instanceCache(store, key, { clientSecret: 'new-secret' }).obtain(async () => {
      throw new Error('should have been served from the store');
    }, budget());
    expect(reader.token).toBe('sealed-with-new');
  });

  it('does not use an entry that expires before minValidUntil', async () => {
    const { store } = setup();
    const key = uniqueKey();
    await instanceCache(store, key).obtain(async () => ({ token: 'ending', expiresAt: Date.now() + 30_000 }), budget());
    const renewed = await instanceCache(store, key).obtain(
      async () => ({ token: 'renewed', expiresAt: Date.now() + 3_600_000 }),
      budget(),
    );
    expect(renewed.token).toBe('renewed');
  });

  it('writes nothing when the holder fetch fails, releases the lease, and a waiter takes over before it lapses', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const failure = new Error('NotAuthorizedException');
    // Waiters try the lease every quarter lease (1 s here): a released lease is theirs within about 1 s.
    const holder = instanceCache(store, key, { leaseMs: 4_000 });
    const failing = holder.obtain(async () => {
      await sleep(200);
      throw failure;
    }, budget());
    await sleep(50);
    const started = Date.now();
    const waiter = instanceCache(store, key, { leaseMs: 4_000 }).obtain(
      async () => ({ token: 'waiter', expiresAt: Date.now() + 3_600_000 }),
      budget(),
    );
    await expect(failing).rejects.toBe(failure);
    expect((await waiter).token).toBe('waiter');
    // Before the 4 s lease could have lapsed: the failed holder released it.
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('takes over from a holder that crashed, once its lease lapses', async () => {
    const { store } = setup();
    const key = uniqueKey();
    expect(await store.acquireLease(key, 'crashed-instance', 600, never)).toBe(true);
    const started = Date.now();
    let fetches = 0;
    const value = await instanceCache(store, key, { leaseMs: 600 }).obtain(async () => {
      fetches++;
      return { token: 'after-crash', expiresAt: Date.now() + 3_600_000 };
    }, budget());
    expect(value.token).toBe('after-crash');
    expect(fetches).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    // As holder, it shared its value.
    const reader = await instanceCache(store, key).obtain(async () => {
      throw new Error('should have been served from the store');
    }, budget());
    expect(reader.token).toBe('after-crash');
  });
}
