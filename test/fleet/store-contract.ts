/**
 * Behaviour every TokenStore must have, and the fleet protocol over it, as suites that the memory,
 * DynamoDB and Redis store tests each run against their store (real time, real servers).
 *
 * API: `describeTokenStoreContract(setup)` and `describeFleetProtocol(setup)` (both, each in its own describe:
 * `describeStoreSuites(setup)`), where `setup` returns a fresh `{ store }` for each test (or the same store: keys
 * are unique per test); `coldAndWarmRequests` for a store's own request budgets. Timings in these suites are lower
 * bounds (a lease that must have lapsed) or far from any real duration (a lease that must not have lapsed), so
 * that a slow machine does not fail them.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { countingStore } from '../../harness/counting-store.js';
import { deriveClientSealingKey, storeKeyOf } from '../../src/fleet/entry-sealing.js';
import { type SharedCacheOptions, SharedTokenCache } from '../../src/fleet/shared-token-cache.js';
import type { LeaseRequest, TokenStore } from '../../src/fleet/token-store.js';

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
const HOUR = 3_600_000;

export function uniqueKey(): string {
  return storeKeyOf({ pool: 'eu-west-1_Contract', clientId: randomUUID(), scopes: ['contract/test'] }, 'key-material');
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

/** A lone instance finds nothing under `key`, fetches a token for an hour and shares it. */
async function coldInstance(store: TokenStore, key: string): Promise<void> {
  await instanceCache(store, key).obtain(async () => ({ token: 'cold', expiresAt: Date.now() + HOUR }), budget());
}

/** An instance that must find the token under `key` without fetching; returns the store calls it made, by name. */
async function warmInstance(store: TokenStore, key: string): Promise<Record<string, number>> {
  const counted = countingStore(store);
  await instanceCache(counted.store, key).obtain(async () => {
    throw new Error('unexpected fetch');
  }, budget());
  return counted.counts;
}

/** What a store's server counts of the requests it is sent, for {@link coldAndWarmRequests}. */
export interface RequestCounter<T> {
  /** Starts the count again from nothing. */
  reset(): unknown;
  /** The requests counted since the last reset. */
  counted(): T | Promise<T>;
}

/**
 * What a store costs its server: the requests counted while a lone cold instance fetches and shares a token under
 * a fresh key (`cold`), then while a warm instance finds it there (`warm`), and the store calls the warm one made.
 */
export async function coldAndWarmRequests<T>(
  store: TokenStore,
  requests: RequestCounter<T>,
): Promise<{ cold: T; warm: T; warmCalls: Record<string, number> }> {
  const key = uniqueKey();
  await requests.reset();
  await coldInstance(store, key);
  const cold = await requests.counted();
  await requests.reset();
  const warmCalls = await warmInstance(store, key);
  const warm = await requests.counted();
  return { cold, warm, warmCalls };
}

/** The store contract and the fleet protocol, each in its own describe, against the store `setup` gives. */
export function describeStoreSuites(setup: () => StoreUnderTest): void {
  describe('the store contract', () => {
    describeTokenStoreContract(setup);
  });
  describe('the fleet protocol', () => {
    describeFleetProtocol(setup);
  });
}

const lease = (holder: string, ttlMs = 10_000, expectedInMs = 200): LeaseRequest => ({ holder, ttlMs, expectedInMs });
/** A lease request's `unless`: granted whatever entry the key holds. */
const ANY = Number.POSITIVE_INFINITY;

/**
 * The store's own contract: one read shows entry, lease and refusal mark; entries only get newer; the lease is
 * exclusive, lapses, is released by its holder only, and a refused request shows what holds it.
 */
export function describeTokenStoreContract(setup: () => StoreUnderTest): void {
  /** A fresh key in the store under test, leased to `holder` (the grant checked). */
  async function leasedKey(holder: string, ttlMs?: number) {
    const { store } = setup();
    const key = uniqueKey();
    expect(await store.acquireLease(key, lease(holder, ttlMs), ANY, never)).toEqual({ acquired: true });
    return { store, key };
  }

  it('reads nothing for a missing key, and the entry put otherwise', async () => {
    const { store } = setup();
    const key = uniqueKey();
    expect(await store.read(key, never)).toEqual({});
    const expiresAtMs = Date.now() + HOUR;
    await store.put(key, { value: 'ctp1.first', expiresAtMs }, undefined, never);
    expect(await store.read(key, never)).toEqual({ entry: { value: 'ctp1.first', expiresAtMs } });
  });

  it('replaces an entry only with one that expires later: a slow writer cannot bring an older one back', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const later = Date.now() + HOUR;
    await store.put(key, { value: 'ctp1.newer', expiresAtMs: later }, undefined, never);
    await store.put(key, { value: 'ctp1.older', expiresAtMs: later - 60_000 }, undefined, never);
    await store.put(key, { value: 'ctp1.same', expiresAtMs: later }, undefined, never);
    expect((await store.read(key, never)).entry?.value).toBe('ctp1.newer');
    await store.put(key, { value: 'ctp1.newest', expiresAtMs: later + 1 }, undefined, never);
    expect((await store.read(key, never)).entry?.value).toBe('ctp1.newest');
  });

  it('stops returning an entry at its expiresAtMs, and takes a new one after it', async () => {
    const { store } = setup();
    const key = uniqueKey();
    await store.put(key, { value: 'ctp1.short-lived', expiresAtMs: Date.now() + 400 }, undefined, never);
    expect((await store.read(key, never)).entry?.value).toBe('ctp1.short-lived');
    await sleep(500);
    expect((await store.read(key, never)).entry).toBeUndefined();
    await store.put(key, { value: 'ctp1.next', expiresAtMs: Date.now() + HOUR }, undefined, never);
    expect((await store.read(key, never)).entry?.value).toBe('ctp1.next');
  });

  it('grants a lease to one holder at a time among concurrent contenders, and shows it to the others', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const answers = await Promise.all(
      // Each contender is another instance, with its own signal.
      Array.from({ length: 20 }, (_, index) =>
        store.acquireLease(
          key,
          lease(`holder-${index}`, 10_000, 300),
          Number.POSITIVE_INFINITY,
          new AbortController().signal,
        ),
      ),
    );
    expect(answers.filter((answer) => answer.acquired)).toHaveLength(1);
    const refused = await store.acquireLease(key, lease('late'), Number.POSITIVE_INFINITY, never);
    expect(refused.acquired).toBe(false);
    const shown = refused.acquired ? undefined : refused.record.lease;
    expect(shown?.lapsesInMs).toBeGreaterThan(0);
    expect(shown?.lapsesInMs).toBeLessThanOrEqual(10_000);
    expect(shown?.expectedInMs).toBeLessThanOrEqual(300);
    expect(shown?.expectedInMs).toBeGreaterThan(300 - 10_000);
    expect((await store.read(key, never)).lease).toEqual({
      lapsesInMs: expect.any(Number),
      expectedInMs: expect.any(Number),
    });
  });

  it('refuses a lease while an entry expires after unlessEntryExpiresAfterMs, and shows that entry', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const expiresAtMs = Date.now() + HOUR;
    await store.put(key, { value: 'ctp1.fresh', expiresAtMs }, undefined, never);
    const refused = await store.acquireLease(key, lease('renewer'), expiresAtMs - 1, never);
    expect(refused).toEqual({ acquired: false, record: { entry: { value: 'ctp1.fresh', expiresAtMs } } });
    // An entry no newer than what the caller needs (or one it cannot open) does not hold it back.
    expect(await store.acquireLease(key, lease('renewer'), expiresAtMs, never)).toEqual({ acquired: true });
    // Taking the lease leaves the entry readable.
    expect((await store.read(key, never)).entry?.value).toBe('ctp1.fresh');
  });

  it('lets another holder take a lease that has lapsed', async () => {
    const { store, key } = await leasedKey('crashed', 300);
    expect((await store.acquireLease(key, lease('waiter', 300), ANY, never)).acquired).toBe(false);
    await sleep(400);
    expect(await store.read(key, never)).toEqual({});
    expect(await store.acquireLease(key, lease('waiter'), ANY, never)).toEqual({ acquired: true });
    expect((await store.acquireLease(key, lease('crashed'), ANY, never)).acquired).toBe(false);
  });

  it('releases a lease only for its holder, and a release by anyone else is no error', async () => {
    const { store, key } = await leasedKey('holder');
    await expect(store.releaseLease(key, 'someone-else', never)).resolves.toBeUndefined();
    expect((await store.acquireLease(key, lease('someone-else'), ANY, never)).acquired).toBe(false);
    await store.releaseLease(key, 'holder', never);
    expect(await store.read(key, never)).toEqual({});
    expect(await store.acquireLease(key, lease('someone-else'), ANY, never)).toEqual({ acquired: true });
    // The former holder releasing again must not end the new holder's lease.
    await store.releaseLease(key, 'holder', never);
    expect((await store.acquireLease(key, lease('holder'), ANY, never)).acquired).toBe(false);
  });

  it("ends the writer's lease with its entry, but never another holder's", async () => {
    const { store, key } = await leasedKey('writer');
    const expiresAtMs = Date.now() + HOUR;
    await store.put(key, { value: 'ctp1.written', expiresAtMs }, 'writer', never);
    expect(await store.read(key, never)).toEqual({ entry: { value: 'ctp1.written', expiresAtMs } });
    expect(await store.acquireLease(key, lease('other'), ANY, never)).toEqual({ acquired: true });
    await store.put(key, { value: 'ctp1.later', expiresAtMs: expiresAtMs + 1 }, 'writer', never);
    const after = await store.read(key, never);
    expect(after.entry?.value).toBe('ctp1.later');
    expect(after.lease).toBeDefined();
  });

  it('refuses an entry and every older one: dropped, never written back, and the mark only rises', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const refusedAt = Date.now() + HOUR;
    await store.put(key, { value: 'ctp1.refused', expiresAtMs: refusedAt }, undefined, never);
    await store.refuse(key, refusedAt, never);
    expect(await store.read(key, never)).toEqual({ refusedThroughMs: refusedAt });
    // A slow instance that fetched the refused tokens before the refusal writes them after it.
    await store.put(key, { value: 'ctp1.refused', expiresAtMs: refusedAt }, undefined, never);
    await store.put(key, { value: 'ctp1.older', expiresAtMs: refusedAt - 1_000 }, undefined, never);
    expect((await store.read(key, never)).entry).toBeUndefined();
    await store.refuse(key, refusedAt - 60_000, never);
    expect((await store.read(key, never)).refusedThroughMs).toBe(refusedAt);
    await store.put(key, { value: 'ctp1.renewed', expiresAtMs: refusedAt + 1 }, undefined, never);
    expect(await store.read(key, never)).toEqual({
      entry: { value: 'ctp1.renewed', expiresAtMs: refusedAt + 1 },
      refusedThroughMs: refusedAt,
    });
    // Refusing an older value leaves a newer entry in place.
    await store.refuse(key, refusedAt + 0.5, never);
    expect((await store.read(key, never)).entry?.value).toBe('ctp1.renewed');
  });

  it('rejects, without sending, a call whose signal has already aborted', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const aborted = AbortSignal.abort();
    await expect(
      store.put(key, { value: 'ctp1.aborted', expiresAtMs: Date.now() + HOUR }, undefined, aborted),
    ).rejects.toBeDefined();
    expect(await store.read(key, never)).toEqual({});
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
      return { token: `token-${randomUUID()}`, expiresAt: Date.now() + HOUR };
    };
    const instances = Array.from({ length: 20 }, () => instanceCache(store, key));
    const results = await Promise.all(
      instances.flatMap((cache) => Array.from({ length: 10 }, () => cache.obtain(fetch, budget()))),
    );
    expect(fetches).toBe(1);
    expect(new Set(results.map((result) => result.token)).size).toBe(1);
    // The holder ended its lease with its write.
    expect((await store.read(key, never)).lease).toBeUndefined();
  });

  it('serves a new instance from the entry, without a fetch', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const first = await instanceCache(store, key).obtain(
      async () => ({ token: 'from-first', expiresAt: Date.now() + HOUR }),
      budget(),
    );
    const fetch = async () => ({ token: 'from-second', expiresAt: Date.now() + HOUR });
    expect(await instanceCache(store, key).obtain(fetch, budget())).toEqual(first);
  });

  it('treats an entry sealed with another client secret as missing, and replaces it', async () => {
    const { store } = setup();
    const key = uniqueKey();
    await instanceCache(store, key, { clientSecret: 'old-secret' }).obtain(
      async () => ({ token: 'sealed-with-old', expiresAt: Date.now() + HOUR }),
      budget(),
    );
    const rotated = await instanceCache(store, key, { clientSecret: 'new-secret' }).obtain(
      async () => ({ token: 'sealed-with-new', expiresAt: Date.now() + HOUR + 1_000 }),
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
      async () => ({ token: 'renewed', expiresAt: Date.now() + HOUR }),
      budget(),
    );
    expect(renewed.token).toBe('renewed');
  });

  it('writes nothing when the holder fetch fails, releases the lease, and a waiter takes over before it lapses', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const failure = new Error('NotAuthorizedException');
    const leaseMs = 20_000;
    const holder = instanceCache(store, key, { leaseMs });
    const failing = holder.obtain(async () => {
      await sleep(200);
      throw failure;
    }, budget(60_000));
    await sleep(50);
    const started = Date.now();
    const waiter = instanceCache(store, key, { leaseMs }).obtain(
      async () => ({ token: 'waiter', expiresAt: Date.now() + HOUR }),
      budget(60_000),
    );
    await expect(failing).rejects.toBe(failure);
    expect((await waiter).token).toBe('waiter');
    // Long before the lease could have lapsed: the failed holder released it.
    expect(Date.now() - started).toBeLessThan(leaseMs);
  });

  it('takes over from a holder that crashed, once its lease lapses', async () => {
    const { store } = setup();
    const key = uniqueKey();
    expect(await store.acquireLease(key, lease('crashed-instance', 600, 100), Number.POSITIVE_INFINITY, never)).toEqual(
      { acquired: true },
    );
    const started = Date.now();
    let fetches = 0;
    const value = await instanceCache(store, key, { leaseMs: 600 }).obtain(async () => {
      fetches++;
      return { token: 'after-crash', expiresAt: Date.now() + HOUR };
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

  it('never serves a discarded value again, to any instance, even when a slow instance writes it back', async () => {
    const { store } = setup();
    const key = uniqueKey();
    const revoked = { token: 'revoked', expiresAt: Date.now() + HOUR };
    const first = instanceCache(store, key);
    expect(await first.obtain(async () => revoked, budget())).toEqual(revoked);
    // A slow instance whose fetch got the same tokens before they were refused, and writes them after.
    let refusedMeanwhile: () => void = () => undefined;
    const refused = new Promise<void>((resolve) => {
      refusedMeanwhile = resolve;
    });
    const slow = instanceCache(store, key).obtain(
      async () => {
        await refused;
        return revoked;
      },
      { ...budget(), minValidUntil: revoked.expiresAt },
    );
    await sleep(100);
    await first.discard(revoked);
    refusedMeanwhile();
    expect((await slow).token).toBe('revoked');
    expect((await store.read(key, never)).entry).toBeUndefined();
    const other = await instanceCache(store, key).obtain(
      async () => ({ token: 'signed-in-again', expiresAt: Date.now() + HOUR + 1_000 }),
      budget(),
    );
    expect(other.token).toBe('signed-in-again');
    const third = await instanceCache(store, key).obtain(async () => {
      throw new Error('should have been served from the store');
    }, budget());
    expect(third.token).toBe('signed-in-again');
    // The instance that discarded it does not take it back either.
    expect((await first.obtain(async () => revoked, { ...budget(), minValidUntil: 0 })).token).toBe('signed-in-again');
  });
}
