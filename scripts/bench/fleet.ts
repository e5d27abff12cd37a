// Measurement "fleet" (issues "One sign-in for the whole fleet" and "Fleet cache v2"): provider instances in
// several processes (test/fixtures/fleet/fleet-child.mjs, driven by test/helpers/fleet-processes.ts), each
// instance with its own store client, released together. Scenarios, each with the same fleet:
//
// - DynamoDB (dynalite) and Redis (redis-server, when on PATH), user providers: one sign-in for the fleet; store
//   requests per instance (DynamoDB ≤ 3.2, counted by the server; Redis ≤ 2.5, counted by each instance's
//   wrapper, one per command or script); writes on the shared item, refused ones included (DynamoDB ≤ 100);
//   for Redis, the time from the shared entry's write to the last instance holding its token (≤ 150 ms);
// - M2M providers on both stores: one token request, the same goals, and the monthly cost of a 1,000-instance
//   fleet with 1-hour tokens, with and without the shared cache;
// - DynamoDB throttling every request for the first 2 s: one sign-in, no errors;
// - the store down (its port closed): at most one sign-in per instance, no errors.
//
// Each figure is the median over rounds; sign-ins and errors are the worst round's. The time until every
// instance holds a token is set against one bare InitiateAuth (or token request) measured in the same rounds.
// For a closer look, `BENCH_FLEET_SCENARIOS` picks scenarios (dynamodb, redis, m2m-dynamodb, m2m-redis, throttling,
// outage; comma-separated), and `BENCH_FLEET_INSTANCES` / `BENCH_FLEET_ROUNDS` replace the instances per process
// and the rounds; `BENCH_FLEET_TRACE=<path prefix>` writes every store call of every instance, per round, to
// `<prefix>-<n>.json`.
// User entries are sealed with the store's `encryptionKey`: with keys derived from the password, each instance
// runs its own scrypt, which a real fleet spreads over as many CPUs but 250 instances in one process run in turn.

import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type DynaliteProcess, startDynaliteProcess } from '../../harness/dynalite.js';
import { closedPort } from '../../harness/hostile-endpoint.js';
import { redisServerBinary, startRedisServer } from '../../harness/redis-server.js';
import { fakeJwt } from '../../test/helpers/fake-jwt.js';
import {
  type FleetChildOptions,
  type FleetM2m,
  type FleetStore,
  type FleetSummary,
  startFleet,
  summariseFleet,
} from '../../test/helpers/fleet-processes.js';
import { startTokenEndpoint } from '../../test/helpers/token-endpoint-server.js';
import { type SignInTarget, timeBareSignIn } from './bare-sign-in.js';
import { type BenchResult, figuresOf, formatNumber, judged } from './report.js';
import { median, summarise } from './statistics.js';

export interface FleetOptions {
  readonly rounds: number;
  readonly processes: number;
  /** Instances per process, in every scenario. */
  readonly instances: number;
}

export interface FleetTarget extends SignInTarget {
  /** The counting proxy's endpoint, for the children. */
  readonly endpoint: string;
  readonly region: string;
  /** InitiateAuth requests the proxy has received so far: attempts, failed ones included. */
  readonly signIns: () => number;
  /** Of those, the ones Cognito answered with tokens. */
  readonly signInsAnswered: () => number;
  /** What the failed attempts got, by error type or fault (`throttle`, `InternalErrorException`, ...). */
  readonly failedSignIns: () => Record<string, number>;
}

const ENCRYPTION_KEY = Buffer.alloc(32, 0x5a).toString('base64');
const GOALS = {
  dynamodb: { requestsPerInstance: 3.2, writesOnItem: 100 },
  redis: { requestsPerInstance: 2.5, lastAfterWriteMs: 150 },
} as const;
/** How long the throttling scenario's store refuses every request, from the release. */
const THROTTLE_MS = 2_000;
/** The providers' timeoutMs with the store down: every instance signs in, and cognito-local answers in turn. */
const OUTAGE_TIMEOUT_MS = 120_000;
/** Cognito's price of machine-to-machine token requests. */
const USD_PER_TOKEN_REQUEST = 2.25 / 1000;
/** Token requests a month for one identity with 1-hour tokens: one an hour, 30 days. */
const HOURLY_REQUESTS_A_MONTH = 24 * 30;
/** The fleet the monthly cost is given for. */
const COST_FLEET_SIZE = 1_000;

type StoreKind = 'dynamodb' | 'redis';
let traceCount = 0;

interface Round {
  readonly summary: FleetSummary;
  /** From writing `go` to the last instance holding its token. */
  readonly ms: number;
  /** Sign-in attempts (M2M: token requests) the fleet made. */
  readonly signIns: number;
  /** Sign-ins that got tokens (M2M: token requests). */
  readonly answered: number;
  /** Failed sign-in attempts by error type (none for M2M). */
  readonly failed: Record<string, number>;
  /** Median of bare sign-ins (M2M: bare token requests) measured next to this round. */
  readonly bareMs: number;
  /** Store requests: counted by dynalite itself, else by the instances' wrappers. */
  readonly storeRequests: number;
  /** Write requests dynalite received (refused and throttled ones included); undefined for Redis. */
  readonly writes: number | undefined;
  /** From the shared entry's write being sent to the last instance holding its token, if it was written. */
  readonly lastAfterWriteMs: number | undefined;
  /** With `warmFloor`: from the release of a fleet onto an existing entry to its last instance's token. */
  readonly floorMs: number | undefined;
}

/** A store for one round: what the children get, the dynalite behind it if any, and how to stop it. */
interface RoundStore {
  readonly spec: FleetStore;
  readonly dynalite?: DynaliteProcess;
  close(): Promise<void>;
}

/** For the M2M rounds: the token endpoint's client, its request count and one bare request's time. */
interface M2mTarget {
  readonly m2m: FleetM2m;
  readonly requests: () => number;
  readonly timeBareRequest: () => Promise<number>;
}

interface Scenario {
  readonly openStore: () => Promise<RoundStore>;
  readonly timeoutMs?: number;
  readonly m2m?: M2mTarget;
  /** Just before the release: the throttling scenario starts throttling here. */
  readonly beforeGo?: (store: RoundStore) => Promise<void>;
  /**
   * After the cold start, release a second fleet of the same size onto the entry now in the store, and time it
   * from release to the last token: the floor of "the last instance after the entry's write" on this machine,
   * where the instances need one read each and nothing waits for anything.
   */
  readonly warmFloor?: boolean;
}

async function fleetRound(
  target: FleetTarget,
  round: number,
  options: FleetOptions,
  scenario: Scenario,
): Promise<Round> {
  const { timeoutMs, m2m } = scenario;
  const once = m2m === undefined ? () => timeBareSignIn(target) : m2m.timeBareRequest;
  const bare = async () => median([await once(), await once(), await once()]);
  // The baseline before the fleet in even rounds, after it in odd ones.
  const bareBefore = round % 2 === 0 ? await bare() : undefined;
  const store = await scenario.openStore();
  try {
    const cognito = {
      endpoint: target.endpoint,
      region: target.region,
      clientId: target.clientId,
      username: target.username,
      password: target.password,
    };
    const common = {
      instances: options.instances,
      store: store.spec,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(process.env.BENCH_FLEET_TRACE === undefined ? {} : { trace: true }),
    };
    const childOptions: FleetChildOptions = m2m === undefined ? { ...common, cognito } : { ...common, m2m: m2m.m2m };
    const fleet = await startFleet(options.processes, childOptions);
    const requests = m2m === undefined ? target.signIns : m2m.requests;
    const answeredSoFar = m2m === undefined ? target.signInsAnswered : m2m.requests;
    const failedBefore = target.failedSignIns();
    try {
      const before = requests();
      const answeredBefore = answeredSoFar();
      // The instances' warm-up calls are not part of the fleet's start.
      await store.dynalite?.resetCounts();
      await scenario.beforeGo?.(store);
      const reports = await fleet.go();
      const summary = summariseFleet(reports);
      if (process.env.BENCH_FLEET_TRACE !== undefined) {
        const traces = reports.flatMap((report) => report.traces ?? []);
        writeFileSync(
          `${process.env.BENCH_FLEET_TRACE}-${traceCount++}.json`,
          JSON.stringify({
            goAt: fleet.goAt,
            entryWrittenAt: summary.entryWrittenAt,
            lastDoneAt: summary.lastDoneAt,
            traces,
          }),
        );
      }
      const signIns = requests() - before;
      const answered = answeredSoFar() - answeredBefore;
      const failed = Object.fromEntries(
        Object.entries(target.failedSignIns())
          .map(([kind, count]) => [kind, count - (failedBefore[kind] ?? 0)] as const)
          .filter(([, count]) => count > 0),
      );
      const served = await store.dynalite?.counts();
      let floorMs: number | undefined;
      if (scenario.warmFloor === true) {
        const warm = await startFleet(options.processes, childOptions);
        try {
          const warmSummary = summariseFleet(await warm.go());
          floorMs = warmSummary.lastDoneAt - (warm.goAt as number);
        } finally {
          await warm.kill();
        }
      }
      return {
        summary,
        ms: summary.lastDoneAt - (fleet.goAt as number),
        signIns,
        answered,
        failed,
        bareMs: bareBefore ?? (await bare()),
        storeRequests:
          served === undefined ? summary.storeRequests : Object.values(served.requests).reduce((sum, n) => sum + n, 0),
        writes: served?.writes.length,
        lastAfterWriteMs:
          summary.entryWrittenAt === undefined ? undefined : summary.lastDoneAt - summary.entryWrittenAt,
        floorMs,
      };
    } finally {
      await fleet.kill();
    }
  } finally {
    await store.close();
  }
}

async function rounds(count: number, run: (round: number) => Promise<Round>): Promise<Round[]> {
  const kept: Round[] = [];
  for (let round = 0; round < count; round++) kept.push(await run(round));
  return kept;
}

/** The worst round's errors and failed attempts, in a few words. */
function failures(runs: readonly Round[]): { errors: number; text: string } {
  const worst = [...runs].sort((a, b) => b.summary.errors.length - a.summary.errors.length)[0];
  const errors = worst?.summary.errors.length ?? 0;
  const codes = new Map<string, number>();
  for (const code of worst?.summary.errors ?? []) codes.set(code, (codes.get(code) ?? 0) + 1);
  const failed = Object.entries(worst?.failed ?? {});
  return {
    errors,
    text:
      `${errors} errors${codes.size > 0 ? ` (${[...codes].map(([code, n]) => `${n} ${code}`).join(', ')})` : ''}` +
      (failed.length > 0 ? `; failed attempts: ${failed.map(([kind, n]) => `${n} ${kind}`).join(', ')}` : ''),
  };
}

const verdict = (met: boolean) => (met ? 'met' : '**missed**');

/** Median of the rounds' values, leaving out rounds without one. */
function medianOf(runs: readonly Round[], value: (run: Round) => number | undefined): number | undefined {
  const values = runs.flatMap((run) => {
    const v = value(run);
    return v === undefined ? [] : [v];
  });
  return values.length === 0 ? undefined : median(values);
}

/** A cold start's row: Cognito requests (the worst round) against one, and the store's goals in the notes. */
function coldStartResult(
  id: string,
  title: string,
  baselineLabel: string,
  kind: StoreKind,
  processes: number,
  runs: readonly Round[],
  extraNotes = '',
): BenchResult {
  const timed = summarise(runs.map((run) => ({ ours: run.ms, baseline: run.bareMs })));
  const instances = runs[0]?.summary.instances ?? 0;
  const signIns = Math.max(...runs.map((run) => run.signIns));
  const { errors, text } = failures(runs);
  const perInstance = medianOf(runs, (run) => run.storeRequests / Math.max(1, run.summary.instances)) ?? 0;
  const maxPerInstance = Math.max(...runs.map((run) => run.summary.maxStoreRequestsOfAnInstance));
  const notes: string[] = [];
  let met = errors === 0;
  if (kind === 'dynamodb') {
    const writes = medianOf(runs, (run) => run.writes) ?? 0;
    const goal = GOALS.dynamodb;
    met &&= perInstance <= goal.requestsPerInstance && writes <= goal.writesOnItem;
    notes.push(
      `store requests per instance ${formatNumber(perInstance, 2)} (goal ≤ ${goal.requestsPerInstance}: ${verdict(perInstance <= goal.requestsPerInstance)}), counted by dynalite`,
      `writes on the shared item ${formatNumber(writes, 0)} (goal ≤ ${goal.writesOnItem}: ${verdict(writes <= goal.writesOnItem)}; refused ones count)`,
    );
  } else {
    const after = medianOf(runs, (run) => run.lastAfterWriteMs);
    const floor = medianOf(runs, (run) => run.floorMs);
    const goal = GOALS.redis;
    const afterMet = after !== undefined && after <= goal.lastAfterWriteMs;
    met &&= perInstance <= goal.requestsPerInstance && afterMet;
    notes.push(
      `store requests per instance ${formatNumber(perInstance, 2)} (goal ≤ ${goal.requestsPerInstance}: ${verdict(perInstance <= goal.requestsPerInstance)}; one per command or script)`,
      `last instance ${after === undefined ? 'n/a (no entry written)' : `${formatNumber(after, 0)} ms`} after the entry's write was sent (goal ≤ ${goal.lastAfterWriteMs} ms: ${verdict(afterMet)})` +
        (floor === undefined
          ? ''
          : `; the same fleet released onto the written entry (one read each, nothing to wait for) takes ${formatNumber(floor, 0)} ms from release to its last token here`),
    );
  }
  notes.push(`at most ${maxPerInstance} store requests for one instance`, text);
  if (extraNotes !== '') notes.push(extraNotes);
  const result = judged({
    id,
    title: `${title}: ${formatNumber(instances, 0)} instances in ${processes} processes released together, each with its own store client; time until all hold a token`,
    unit: 'ms',
    ...figuresOf(timed),
    baselineLabel,
    requests: { ours: signIns, baseline: 1 },
    goal: { on: 'requests', exactly: 1 },
    notes: notes.join('; '),
  });
  return { ...result, met: result.met === true && met };
}

function m2mCost(runs: readonly Round[]): string {
  // The issue's fleet of 1,000, whatever the size measured: per hour, each instance without the shared cache
  // asks once; with it, the whole fleet asks as often as it did here (the worst round).
  const without = COST_FLEET_SIZE * HOURLY_REQUESTS_A_MONTH;
  const shared = Math.max(...runs.map((run) => run.signIns)) * HOURLY_REQUESTS_A_MONTH;
  const usd = (requests: number) => `USD ${formatNumber(requests * USD_PER_TOKEN_REQUEST, 2)}`;
  return (
    `monthly cost, ${formatNumber(COST_FLEET_SIZE, 0)} instances, 1-hour tokens, USD 2.25 per 1,000 token requests: ` +
    `${usd(without)} without the shared cache (${formatNumber(without, 0)} requests), ${usd(shared)} with it ` +
    `(${formatNumber(shared, 0)})`
  );
}

function throttlingResult(processes: number, runs: readonly Round[]): BenchResult {
  const timed = summarise(runs.map((run) => ({ ours: run.ms, baseline: run.bareMs })));
  const instances = runs[0]?.summary.instances ?? 0;
  const signIns = Math.max(...runs.map((run) => run.signIns));
  const { errors, text } = failures(runs);
  const perInstance = medianOf(runs, (run) => run.storeRequests / Math.max(1, run.summary.instances)) ?? 0;
  const result = judged({
    id: 'fleet-store-throttling',
    title: `Store throttling: ${formatNumber(instances, 0)} instances in ${processes} processes, dynalite answering ThrottlingException to every request for the first ${THROTTLE_MS / 1000} s, then answering; time until all hold a token`,
    unit: 'ms',
    ...figuresOf(timed),
    baselineLabel: 'one bare InitiateAuth send',
    requests: { ours: signIns, baseline: 1 },
    goal: { on: 'requests', exactly: 1 },
    notes: `goal: one sign-in and 0 errors; ${text}; store requests per instance ${formatNumber(perInstance, 2)}, throttled ones included`,
  });
  return { ...result, met: result.met === true && errors === 0 };
}

function outageResult(processes: number, runs: readonly Round[]): BenchResult {
  const timed = summarise(runs.map((run) => ({ ours: run.ms, baseline: run.bareMs })));
  const instances = runs[0]?.summary.instances ?? 0;
  const signIns = Math.max(...runs.map((run) => run.signIns));
  const answered = Math.max(...runs.map((run) => run.answered));
  const { errors, text } = failures(runs);
  const result = judged({
    id: 'fleet-store-outage',
    title: `Store outage: ${formatNumber(instances, 0)} instances in ${processes} processes, the store's port closed; time until all hold a token`,
    unit: 'ms',
    ...figuresOf(timed),
    baselineLabel: 'one bare InitiateAuth send',
    requests: { ours: signIns, baseline: instances },
    notes:
      `goal: at most one sign-in per instance and 0 errors; worst round: ${answered} sign-ins answered with ` +
      `tokens, ${signIns} attempts, ${text}; instances' timeoutMs ${OUTAGE_TIMEOUT_MS / 1000} s, as cognito-local answers one sign-in at a time`,
  });
  return { ...result, met: answered <= instances && errors === 0 };
}

const dynaliteStore = (encryptionKey: string | undefined) => async (): Promise<RoundStore> => {
  // In a process of its own: the fleet's load on the store must not slow the Cognito proxy in this one.
  const dynalite = await startDynaliteProcess();
  const spec = { kind: 'dynamodb', endpoint: dynalite.endpoint, tableName: dynalite.tableName } as const;
  return {
    spec: encryptionKey === undefined ? spec : { ...spec, encryptionKey },
    dynalite,
    close: dynalite.close,
  };
};

const redisStore = (encryptionKey: string | undefined) => async (): Promise<RoundStore> => {
  const redis = await startRedisServer();
  const spec = { kind: 'redis', url: redis.url } as const;
  return { spec: encryptionKey === undefined ? spec : { ...spec, encryptionKey }, close: redis.stop };
};

export async function measureFleet(
  target: FleetTarget,
  options: FleetOptions,
  progress: (message: string) => void,
): Promise<BenchResult[]> {
  const picked = process.env.BENCH_FLEET_SCENARIOS?.split(',');
  const wanted = (scenario: string) => picked === undefined || picked.includes(scenario);
  const fromEnv = (name: string) => {
    const value = Number(process.env[name]);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  options = {
    ...options,
    instances: fromEnv('BENCH_FLEET_INSTANCES') ?? options.instances,
    rounds: fromEnv('BENCH_FLEET_ROUNDS') ?? options.rounds,
  };
  const { processes } = options;
  const results: BenchResult[] = [];
  const onRedis = redisServerBinary() !== undefined;
  const run = (scenario: Scenario) => rounds(options.rounds, (round) => fleetRound(target, round, options, scenario));
  const bareSignIn = 'one bare InitiateAuth send';

  if (!onRedis) progress('  fleet: redis-server not found on PATH (or REDIS_SERVER): no fleet on Redis');
  if (wanted('dynamodb')) {
    progress('  fleet: DynamoDB (dynalite)');
    results.push(
      coldStartResult(
        'fleet-cold-start-dynalite',
        'Fleet cold start (DynamoDB, dynalite)',
        bareSignIn,
        'dynamodb',
        processes,
        await run({ openStore: dynaliteStore(ENCRYPTION_KEY) }),
        'entries sealed with an encryptionKey',
      ),
    );
  }
  if (onRedis && wanted('redis')) {
    progress('  fleet: Redis');
    results.push(
      coldStartResult(
        'fleet-cold-start',
        'Fleet cold start (Redis, redis-server)',
        bareSignIn,
        'redis',
        processes,
        await run({ openStore: redisStore(ENCRYPTION_KEY), warmFloor: true }),
        'entries sealed with an encryptionKey',
      ),
    );
  }

  const endpoint = await startTokenEndpoint(() => ({
    status: 200,
    json: {
      access_token: fakeJwt(
        {
          client_id: 'bench-fleet-m2m',
          token_use: 'access',
          exp: Math.floor(Date.now() / 1000) + 3600,
          jti: randomUUID(),
        },
        randomBytes(32).toString('base64url'),
      ),
      expires_in: 3600,
      token_type: 'Bearer',
    },
  }));
  try {
    const m2m: M2mTarget = {
      m2m: { clientId: 'bench-fleet-m2m', clientSecret: randomUUID(), tokenEndpoint: endpoint.url },
      requests: () => endpoint.requests.length,
      timeBareRequest: async () => {
        const start = performance.now();
        const response = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('bench-fleet-m2m:secret').toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials',
        });
        await response.json();
        return performance.now() - start;
      },
    };
    const bareRequest = 'one bare token endpoint request';
    const sealing = 'entries sealed with keys derived from the client secret';
    if (wanted('m2m-dynamodb')) {
      progress('  fleet: M2M on DynamoDB (dynalite)');
      const m2mDynamo = await run({ openStore: dynaliteStore(undefined), m2m });
      results.push(
        coldStartResult(
          'fleet-m2m-cold-start-dynalite',
          'M2M fleet cold start (DynamoDB, dynalite; loopback token endpoint)',
          bareRequest,
          'dynamodb',
          processes,
          m2mDynamo,
          `${sealing}; ${m2mCost(m2mDynamo)}`,
        ),
      );
    }
    if (onRedis && wanted('m2m-redis')) {
      progress('  fleet: M2M on Redis');
      const m2mRedis = await run({ openStore: redisStore(undefined), m2m, warmFloor: true });
      results.push(
        coldStartResult(
          'fleet-m2m-cold-start',
          'M2M fleet cold start (Redis, redis-server; loopback token endpoint)',
          bareRequest,
          'redis',
          processes,
          m2mRedis,
          `${sealing}; ${m2mCost(m2mRedis)}`,
        ),
      );
    }
  } finally {
    await endpoint.stop();
  }

  if (wanted('throttling')) {
    progress(`  fleet: DynamoDB throttling for ${THROTTLE_MS / 1000} s`);
    results.push(
      throttlingResult(
        processes,
        await run({
          openStore: dynaliteStore(ENCRYPTION_KEY),
          beforeGo: async (store) => store.dynalite?.throttle(THROTTLE_MS),
        }),
      ),
    );
  }

  if (wanted('outage')) {
    progress('  fleet: store down');
    results.push(
      outageResult(
        processes,
        await run({
          openStore: async () => ({
            spec: {
              kind: 'dynamodb',
              endpoint: `http://127.0.0.1:${await closedPort()}`,
              tableName: 'cognito-tokens',
              encryptionKey: ENCRYPTION_KEY,
            },
            close: async () => undefined,
          }),
          timeoutMs: OUTAGE_TIMEOUT_MS,
        }),
      ),
    );
  }
  return results;
}
