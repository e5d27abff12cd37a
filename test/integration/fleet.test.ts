// "One sign-in for the whole fleet": many PROCESSES (test/fixtures/fleet/fleet-child.mjs), each with many
// providers from the built package (each provider with its own store client), released together against
// cognito-local behind the counting proxy and sharing (a) dynalite and (b) a real redis-server. Counts what
// Cognito and the store saw (dynalite counts its own requests and writes), reads what the store holds
// afterwards, throttles the store for a while, takes it away, and kills a lease holder in the middle of its
// sign-in.
// Builds the package first if dist/ is missing. Without redis-server on PATH (or REDIS_SERVER) the Redis half is
// skipped, except in CI, where it fails.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteItemCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CognitoStack, startCognitoStack } from '../../harness/cognito-stack.js';
import { type DynaliteHandle, startDynalite } from '../../harness/dynalite.js';
import { closedPort as findClosedPort } from '../../harness/hostile-endpoint.js';
import { findLeaks, secretFragments } from '../../harness/leak-scan.js';
import { type RedisServerHandle, redisServerBinary, startRedisServer } from '../../harness/redis-server.js';
import { runProcess } from '../../harness/run-process.js';
import { fakeJwt } from '../helpers/fake-jwt.js';
import {
  type FleetChildOptions,
  type FleetCognito,
  type FleetM2m,
  type FleetStore,
  type FleetSummary,
  startFleet,
  startFleetProcess,
  summariseFleet,
} from '../helpers/fleet-processes.js';
import { startTokenEndpoint, type TokenEndpointServer } from '../helpers/token-endpoint-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * The goals of a cold start (issue "Fleet cache v2"), per store: store requests per instance on average, and
 * for DynamoDB the writes on the shared item, refused ones included. Most instances read twice (the entry is
 * there at the second read); a waiter that polls, or an instance that asks for a lease before the first one
 * is visible, costs more. Writing a lease at every miss, or polling on a fixed short interval, is far above.
 */
const GOALS = {
  dynamodb: { requestsPerInstance: 3.2, writesOnItem: 100 },
  redis: { requestsPerInstance: 2.5 },
} as const;
/** The providers' default lease (src/fleet/shared-token-cache.ts). */
const LEASE_MS = 5_000;
/**
 * The fleets below seal with the stores' `encryptionKey`, except where the default (keys derived from the
 * password with scrypt) is the point: each provider instance derives its own key, and 50 instances in one
 * process would derive 50 in turn on 4 threads, where 50 real instances use 50 CPUs. That would time this
 * machine, not the protocol.
 */
const ENCRYPTION_KEY = Buffer.alloc(32, 0x5a).toString('base64');

const skipRedis = redisServerBinary() === undefined && process.env.CI !== 'true';
if (skipRedis) {
  console.warn('fleet.test.ts: redis-server not found on PATH (or REDIS_SERVER): skipping the Redis fleet tests');
}

let stack: CognitoStack;
let dynalite: DynaliteHandle;
let dynamo: DynamoDBClient;
let redisServer: RedisServerHandle | undefined;
let redis: Redis | undefined;
/** A loopback port nothing listens on: the store that is down. */
let closedPort: number;
/** The M2M token endpoint (GetClientToken is not in cognito-local): every request counted, each token new. */
let tokenEndpoint: TokenEndpointServer;
const issuedAccessTokens: string[] = [];
const M2M_CLIENT_SECRET = randomBytes(32).toString('base64url');

beforeAll(async () => {
  if (
    !['esm/index.js', 'esm/dynamodb/index.js', 'esm/redis/index.js'].every((f) => existsSync(join(ROOT, 'dist', f)))
  ) {
    const build = await runProcess('npm', ['run', 'build'], { cwd: ROOT, env: process.env, killAfterMs: 110_000 });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  }
  [stack, dynalite, closedPort, tokenEndpoint] = await Promise.all([
    startCognitoStack(),
    startDynalite(),
    findClosedPort(),
    startTokenEndpoint(() => {
      const token = fakeJwt(
        { client_id: 'fleet-m2m', token_use: 'access', exp: Math.floor(Date.now() / 1000) + 3600, jti: randomUUID() },
        randomBytes(32).toString('base64url'),
      );
      issuedAccessTokens.push(token);
      return { status: 200, json: { access_token: token, expires_in: 3600, token_type: 'Bearer' } };
    }),
  ]);
  dynamo = dynalite.createClient();
  if (!skipRedis) {
    redisServer = await startRedisServer();
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  }
});

afterAll(async () => {
  redis?.disconnect();
  dynamo?.destroy();
  await Promise.all([redisServer?.stop(), dynalite?.close(), stack?.stop(), tokenEndpoint?.stop()]);
});

beforeEach(() => {
  stack.proxy.resetCounts();
  stack.proxy.setFaults([]);
});

/** The seeded user on the app client with a secret: the secret is one more thing the store must not hold. */
function cognito(): FleetCognito {
  return {
    endpoint: stack.proxy.endpoint,
    region: stack.seed.region,
    clientId: stack.seed.withSecret.clientId,
    username: stack.seed.user.email,
    password: stack.seed.user.password,
    clientSecret: stack.seed.withSecret.clientSecret,
  };
}

/** Runs `processes` children of `instances` providers each, released together: user providers, or M2M ones. */
async function runFleet(
  processes: number,
  options: {
    readonly instances: number;
    readonly timeoutMs?: number;
    readonly store: FleetStore;
    readonly m2m?: FleetM2m;
    /** Just before the release, once every process is ready. */
    readonly beforeGo?: () => void;
  },
): Promise<FleetSummary & { goAt: number }> {
  const { m2m, beforeGo, ...rest } = options;
  const childOptions: FleetChildOptions = m2m === undefined ? { ...rest, cognito: cognito() } : { ...rest, m2m };
  const fleet = await startFleet(processes, childOptions);
  try {
    // The instances' warm-up calls are not part of the fleet's start.
    dynalite.resetCounts();
    beforeGo?.();
    const reports = await fleet.go();
    return { ...summariseFleet(reports), goAt: fleet.goAt as number };
  } finally {
    await fleet.kill();
  }
}

/** The ID tokens the proxy saw Cognito issue, oldest first (since the start: resetCounts keeps them). */
function issuedIdTokens(): string[] {
  return stack.proxy.issuedTokens().filter((token) => decodePayload(token).token_use === 'id');
}

function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A secret in clear, base64, base64url and hex, each labelled. */
function encodings(label: string, value: string): Record<string, string> {
  const bytes = Buffer.from(value, 'utf8');
  return {
    [label]: value,
    [`${label} (base64)`]: bytes.toString('base64').replace(/=+$/, ''),
    [`${label} (base64url)`]: bytes.toString('base64url'),
    [`${label} (hex)`]: bytes.toString('hex'),
  };
}

/** Everything the store must never hold, for every token Cognito issued in this file so far. */
function forbiddenInStore(): Record<string, string> {
  const { user, withSecret } = stack.seed;
  const secrets: Record<string, string> = {
    ...encodings('encryption key (base64)', ENCRYPTION_KEY),
    'encryption key (hex)': Buffer.from(ENCRYPTION_KEY, 'base64').toString('hex'),
    ...encodings('password', user.password),
    ...encodings('client secret', withSecret.clientSecret),
    ...encodings('username (email)', user.email),
    ...encodings('username (cognito:username)', user.username),
    ...encodings('M2M client secret', M2M_CLIENT_SECRET),
  };
  [...stack.proxy.issuedTokens(), ...issuedAccessTokens].forEach((token, index) => {
    Object.assign(secrets, secretFragments(`token ${index}`, token), {
      // The header's start, the same for every JWT: any token in clear would show it.
      [`token ${index} first 10 characters`]: token.slice(0, 10),
    });
  });
  return secrets;
}

function report(
  label: string,
  summary: FleetSummary,
  processes: number,
  requests = `${stack.proxy.count('InitiateAuth')} sign-in(s)`,
): void {
  console.log(
    `fleet ${label}: ${summary.instances} instances in ${processes} processes, ` +
      `${requests}, ${summary.errors.length} error(s), store requests ` +
      `${summary.storeRequestsPerInstance.toFixed(2)} per instance on average (max ${summary.maxStoreRequestsOfAnInstance}; ` +
      `${JSON.stringify(summary.storeCounts)}), all settled ${summary.spanMs} ms after the release; ` +
      `logged ${JSON.stringify(summary.events)}`,
  );
}

/** A store under test: where children find it, how to read it all, and how to empty it. */
interface StoreUnderTest {
  readonly kind: 'dynamodb' | 'redis';
  /** Where the children find the store; sealing with {@link ENCRYPTION_KEY} unless `derivedKeys`. */
  readonly spec: (derivedKeys?: 'derived keys') => FleetStore;
  readonly down: () => FleetStore;
  /** Every item (DynamoDB) or key and its fields (Redis), as text. */
  readonly contents: () => Promise<{ key: string; text: string }[]>;
  /** The lease, if one is held: its key and epoch milliseconds at which it lapses. */
  readonly lease: () => Promise<{ key: string; until: number } | undefined>;
  readonly clear: () => Promise<void>;
}

async function dynamoItems() {
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: dynalite.tableName, ConsistentRead: true }));
  return Items;
}

const dynamoStore: StoreUnderTest = {
  kind: 'dynamodb',
  spec: (derived) => ({
    kind: 'dynamodb',
    endpoint: dynalite.endpoint,
    tableName: dynalite.tableName,
    ...(derived ? {} : { encryptionKey: ENCRYPTION_KEY }),
  }),
  down: () => ({
    kind: 'dynamodb',
    endpoint: `http://127.0.0.1:${closedPort}`,
    tableName: dynalite.tableName,
    encryptionKey: ENCRYPTION_KEY,
  }),
  contents: async () => (await dynamoItems()).map((item) => ({ key: item.pk?.S ?? '', text: JSON.stringify(item) })),
  lease: async () => {
    const item = (await dynamoItems()).find((candidate) => Number(candidate.leaseUntil?.N) > Date.now());
    return item === undefined ? undefined : { key: item.pk?.S ?? '', until: Number(item.leaseUntil?.N) };
  },
  clear: async () => {
    for (const item of await dynamoItems()) {
      await dynamo.send(new DeleteItemCommand({ TableName: dynalite.tableName, Key: { pk: item.pk ?? { S: '' } } }));
    }
  },
};

const redisStore: StoreUnderTest = {
  kind: 'redis',
  spec: (derived) => ({
    kind: 'redis',
    url: redisServer?.url ?? '',
    ...(derived ? {} : { encryptionKey: ENCRYPTION_KEY }),
  }),
  down: () => ({ kind: 'redis', url: `redis://127.0.0.1:${closedPort}`, down: true, encryptionKey: ENCRYPTION_KEY }),
  contents: async () => {
    const client = redis as Redis;
    const keys = await client.keys('*');
    return Promise.all(keys.map(async (key) => ({ key, text: `${key} ${JSON.stringify(await client.hgetall(key))}` })));
  },
  lease: async () => {
    const client = redis as Redis;
    for (const key of await client.keys('*')) {
      const until = Number(await client.hget(key, 'u'));
      if (until > Date.now()) return { key, until };
    }
    return undefined;
  },
  clear: async () => {
    await (redis as Redis).flushall();
  },
};

/** The cold start's counts against the goals of its store. */
function expectGoals(store: StoreUnderTest, fleet: FleetSummary): void {
  if (store.kind === 'dynamodb') {
    // Counted by dynalite itself: every request the instances' clients sent.
    const requests = Object.values(dynalite.requests).reduce((sum, n) => sum + n, 0);
    expect(requests / fleet.instances).toBeLessThanOrEqual(GOALS.dynamodb.requestsPerInstance);
    expect(dynalite.writes.length).toBeLessThanOrEqual(GOALS.dynamodb.writesOnItem);
    expect(dynalite.writes.filter((write) => write.setsEntry && write.ok)).toHaveLength(1);
  } else {
    expect(fleet.storeRequestsPerInstance).toBeLessThanOrEqual(GOALS.redis.requestsPerInstance);
    // A refused lease writes nothing: the instances only ever asked in the combined read.
    expect(fleet.storeCounts.acquireLease).toBeUndefined();
  }
  expect(fleet.storeCounts.put).toBe(1);
}

// 200 instances on dynalite (it serves a few hundred requests a second here, in this process), 1,000 on Redis.
// The benchmark (`npm run bench -- --only=fleet`) runs 1,000 on both.
describe.each([
  { name: 'dynalite', store: dynamoStore, processes: 4, instances: 50, skip: false },
  { name: 'redis-server', store: redisStore, processes: 4, instances: 250, skip: skipRedis },
])('a fleet of $name', ({ name, store, processes, instances, skip }) => {
  const fleetSize = processes * instances;

  beforeEach(async () => {
    if (!skip) await store.clear();
    dynalite.resetCounts();
  });

  it.skipIf(skip)(`signs in once for ${processes} processes of ${instances} instances`, async () => {
    // Prepare
    const issuedBefore = issuedIdTokens().length;

    // Act
    const fleet = await runFleet(processes, { instances, store: store.spec() });

    // Assert
    report(`cold start (${name})`, fleet, processes);
    expect(fleet.errors).toEqual([]);
    expect(fleet.ok).toBe(fleetSize);
    expect(stack.proxy.count('InitiateAuth')).toBe(1);
    expect(stack.proxy.count()).toBe(1);
    // Every instance holds the one token Cognito issued.
    expect([...fleet.tokens]).toEqual(issuedIdTokens().slice(issuedBefore).map(sha256));
    // One instance fetched and wrote; the others read it, within the goals.
    expectGoals(store, fleet);
    const contents = await store.contents();
    expect(contents.map(({ key }) => key)).toEqual([expect.stringMatching(/^ctp2:[0-9a-f]{64}$/)]);
    expect(findLeaks(contents, forbiddenInStore())).toEqual([]);
  });

  it.skipIf(skip)(`M2M: requests one client token for ${processes} processes of ${instances} instances`, async () => {
    // Prepare: the default sealing (HKDF over the client secret, cheap enough for every instance).
    const requestsBefore = tokenEndpoint.requests.length;
    const issuedBefore = issuedAccessTokens.length;
    const m2m = { clientId: 'fleet-m2m', clientSecret: M2M_CLIENT_SECRET, tokenEndpoint: tokenEndpoint.url };

    // Act
    const fleet = await runFleet(processes, { instances, store: store.spec('derived keys'), m2m });

    // Assert
    const requests = tokenEndpoint.requests.length - requestsBefore;
    report(`M2M cold start (${name})`, fleet, processes, `${requests} token request(s)`);
    expect(fleet.errors).toEqual([]);
    expect(fleet.ok).toBe(fleetSize);
    expect(requests).toBe(1);
    expect(stack.proxy.count()).toBe(0);
    expect([...fleet.tokens]).toEqual(issuedAccessTokens.slice(issuedBefore).map(sha256));
    expectGoals(store, fleet);
    const contents = await store.contents();
    expect(contents.map(({ key }) => key)).toEqual([expect.stringMatching(/^ctp2:[0-9a-f]{64}$/)]);
    expect(findLeaks(contents, forbiddenInStore())).toEqual([]);
  });

  it.skipIf(skip)('leaves only a sealed entry in the store: no token, password, secret or username', async () => {
    // Prepare: the default sealing, with keys derived from the password and the client secret.
    await runFleet(2, { instances: 5, timeoutMs: 20_000, store: store.spec('derived keys') });

    // Act
    const contents = await store.contents();

    // Assert
    expect(stack.proxy.count('InitiateAuth')).toBe(1);
    // One entry under a keyed hash, its lease ended; nothing else.
    expect(contents.map(({ key }) => key)).toEqual([expect.stringMatching(/^ctp2:[0-9a-f]{64}$/)]);
    expect(contents[0]?.text).not.toMatch(/holder|leaseUntil|"h"/);
    expect(contents[0]?.text).toMatch(/ctp1\.[\w-]{40,}/);
    expect(findLeaks(contents, forbiddenInStore())).toEqual([]);
  });

  it.skipIf(skip)('gives every instance a token, without errors, when the store is down', async () => {
    // Prepare: fewer instances, as each one signs in and cognito-local answers one sign-in at a time.
    const down = { processes: 4, instances: 10 };

    // Act
    const fleet = await runFleet(down.processes, { instances: down.instances, timeoutMs: 20_000, store: store.down() });

    // Assert
    report(`store down (${name})`, fleet, down.processes);
    const size = down.processes * down.instances;
    expect(fleet.errors).toEqual([]);
    expect(fleet.ok).toBe(size);
    // At most one sign-in per instance: each falls back to Cognito once. (Attempts that an overloaded
    // cognito-local fails are retried by design; only the answered ones are sign-ins.)
    const signIns = stack.proxy.calls.filter((call) => call.operation === 'InitiateAuth' && call.status === 200);
    expect(signIns.length).toBeGreaterThanOrEqual(1);
    expect(signIns.length).toBeLessThanOrEqual(size);
    expect(stack.proxy.count()).toBe(stack.proxy.count('InitiateAuth'));
    // One failed read per instance, then Cognito directly: no lease asked for, nothing written or released.
    expect(fleet.storeCounts).toEqual(store.kind === 'redis' ? { readOrAcquireLease: size } : { read: size });
    // Logged once per instance, not once per call.
    const unavailable = Object.entries(fleet.events).filter(([event]) => event.includes('shared cache unavailable'));
    expect(unavailable.reduce((sum, [, count]) => sum + count, 0)).toBe(size);
  });

  it.skipIf(skip)('takes over from a lease holder killed in the middle of its sign-in', async () => {
    // Prepare: A's sign-in never gets an answer; B is started and ready, but not released yet.
    const timeoutMs = 15_000;
    const issuedBefore = issuedIdTokens().length;
    stack.proxy.setFaults([{ fault: 'hang', operation: 'InitiateAuth', times: 1 }]);
    const options = { instances: 5, timeoutMs, cognito: cognito(), store: store.spec() };
    const holder = startFleetProcess(options);
    const others = await startFleet(2, { ...options, instances: 10 });
    try {
      await holder.ready;
      holder.go();
      const lease = await eventually(async () => {
        const found = await store.lease();
        // The proxy records a faulted call as it arrives: A's holder is waiting for its sign-in.
        return found !== undefined && stack.proxy.count('InitiateAuth') === 1 ? found : undefined;
      });

      // Act: A dies holding the lease; B starts at once.
      holder.child.kill('SIGKILL');
      await holder.exited;
      stack.proxy.setFaults([]);
      stack.proxy.resetCounts();
      const reports = await others.go();
      const fleet = summariseFleet(reports);

      // Assert
      report(`lease holder killed (${name})`, fleet, 2);
      expect(fleet.errors).toEqual([]);
      expect(fleet.ok).toBe(20);
      expect(stack.proxy.count('InitiateAuth')).toBe(1);
      expect([...fleet.tokens]).toEqual(issuedIdTokens().slice(issuedBefore).map(sha256));
      // B waited for A's lease to lapse rather than ignore it, then took over within about a quarter lease (plus
      // the sign-in and polls of a loaded machine): well before its waiters would give up and go to Cognito.
      expect(fleet.lastDoneAt).toBeGreaterThanOrEqual(lease.until - 50);
      expect(fleet.lastDoneAt).toBeLessThan(lease.until + LEASE_MS);
      expect(fleet.lastDoneAt - (others.goAt as number)).toBeLessThan(timeoutMs);
      expect(await store.lease()).toBeUndefined();
    } finally {
      holder.child.kill('SIGKILL');
      await others.kill();
    }
  });
});

describe('a fleet of dynalite while DynamoDB throttles', () => {
  beforeEach(async () => {
    await dynamoStore.clear();
  });

  it('signs in once for 200 instances when every request is throttled for the first 2 s', async () => {
    // Prepare
    const issuedBefore = issuedIdTokens().length;

    // Act: ThrottlingException to every request from the release on, for 2 s; then dynalite answers.
    const fleet = await runFleet(4, {
      instances: 50,
      store: dynamoStore.spec(),
      beforeGo: () => dynalite.throttle(2_000),
    });

    // Assert
    report('throttled for 2 s (dynalite)', fleet, 4);
    expect(fleet.errors).toEqual([]);
    expect(fleet.ok).toBe(200);
    expect(stack.proxy.count('InitiateAuth')).toBe(1);
    expect([...fleet.tokens]).toEqual(issuedIdTokens().slice(issuedBefore).map(sha256));
    // It did throttle them: every instance was refused at least once, and none gave up on the store.
    expect(fleet.storeCounts.read).toBeGreaterThanOrEqual(2 * 200);
    expect(Object.keys(fleet.events).filter((event) => event.includes('using Cognito directly'))).toEqual([]);
  });
});

/** Polls `probe` every 20 ms until it returns a value, for at most 10 s. */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const giveUpAt = Date.now() + 10_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > giveUpAt) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
