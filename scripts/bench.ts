// Benchmarks of issue 7, against the built package imported by name. Every figure is a ratio or a count
// against a baseline measured in the same process (or by the same parent process), in interleaved rounds,
// median reported: these machines are shared and noisy, so absolute times mean little.
//
// Usage: npm run bench [-- --quick] [-- --json]
//   node scripts/run.mjs scripts/bench.ts [--quick] [--json] [--only=<id>[,<id>...]]
//   --quick  a reduced version that completes in under a minute (CI runs it and checks only that it completes)
//   --json   the same data as JSON on stdout, instead of the Markdown table
//   --only   run some measurements only: cached-path, cold-start, memory, first-token, classic-snippet, stampede,
//            fleet, srp-cpu, srp-first-token
import { type CognitoSeed, clientConfigFor } from '../harness/cognito-local.js';
import { type CognitoStack, startCognitoStack } from '../harness/cognito-stack.js';
import { measureCachedPath } from './bench/cached-path.js';
import { measureClassicSnippet } from './bench/classic-snippet.js';
import { measureColdStart } from './bench/cold-start.js';
import { measureFirstToken } from './bench/first-token.js';
import { measureFleet } from './bench/fleet.js';
import { describeMachine, machineInfo } from './bench/machine.js';
import { measureMemory } from './bench/memory.js';
import { type BenchResult, markdownTable } from './bench/report.js';
import { measureSrpCpu } from './bench/srp-cpu.js';
import { measureSrpFirstToken } from './bench/srp-first-token.js';
import { measureStampede } from './bench/stampede.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const unknown = args.filter((arg) => arg !== '--quick' && arg !== '--json' && !arg.startsWith('--only='));
if (unknown.length > 0) {
  console.error(`unknown argument(s): ${unknown.join(' ')}\nusage: npm run bench [-- --quick] [-- --json]`);
  process.exit(2);
}

type Measurement = (stack: () => Promise<CognitoStack>) => Promise<BenchResult | readonly BenchResult[]>;

// In the order they run: those without the emulator first, on a machine with nothing else of ours running.
const measurements: ReadonlyArray<readonly [string, Measurement]> = [
  [
    'cached-path',
    () => measureCachedPath(quick ? { rounds: 7, callsPerRound: 200_000 } : { rounds: 21, callsPerRound: 1_000_000 }),
  ],
  ['cold-start', () => measureColdStart({ runs: quick ? 8 : 30 })],
  [
    'memory',
    () =>
      measureMemory(
        quick
          ? { rounds: 3, cachedCalls: 200_000, renewals: 1_000, renewalWarmup: 2_000 }
          : { rounds: 7, cachedCalls: 1_000_000, renewals: 1_000, renewalWarmup: 10_000 },
      ),
  ],
  [
    'srp-cpu',
    () =>
      measureSrpCpu(
        quick
          ? { rounds: 5, oursPerRound: 10, baselinePerRound: 1 }
          : { rounds: 15, oursPerRound: 30, baselinePerRound: 1 },
      ),
  ],
  // Its own loopback SRP server (cognito-local has no SRP), not the emulator stack.
  ['srp-first-token', () => measureSrpFirstToken({ rounds: quick ? 15 : 40 })],
  [
    'first-token',
    async (stack) => {
      const { seed, emulator } = await stack();
      // Straight to the emulator: the proxy's hop would add the same to both sides and flatter the ratio.
      const target = { ...signInTarget(seed), clientConfig: clientConfigFor(emulator.endpoint, seed.region) };
      return measureFirstToken(target, { rounds: quick ? 8 : 40 });
    },
  ],
  [
    'classic-snippet',
    async (stack) => {
      const { seed, proxy, clientConfig } = await stack();
      const target = {
        ...signInTarget(seed),
        clientConfig,
        userPoolId: seed.userPoolId,
        endpoint: proxy.endpoint,
        requestCount: () => proxy.count(),
      };
      return measureClassicSnippet(target, quick ? { rounds: 1, requests: 50 } : { rounds: 3, requests: 1_000 });
    },
  ],
  [
    'stampede',
    async (stack) => {
      const { seed, proxy, clientConfig } = await stack();
      const target = { ...signInTarget(seed), clientConfig, requestCount: () => proxy.count() };
      return measureStampede(target, { rounds: quick ? 3 : 15, callers: 10_000 });
    },
  ],
  [
    'fleet',
    async (stack) => {
      const { seed, proxy, clientConfig } = await stack();
      const target = {
        ...signInTarget(seed),
        clientConfig,
        endpoint: proxy.endpoint,
        region: seed.region,
        signIns: () => proxy.count('InitiateAuth'),
        signInsAnswered: () =>
          proxy.calls.filter((call) => call.operation === 'InitiateAuth' && call.status === 200).length,
        failedSignIns: () => {
          const failed: Record<string, number> = {};
          for (const call of proxy.calls) {
            if (call.operation !== 'InitiateAuth' || call.status === 200) continue;
            const kind = call.errorType ?? call.fault ?? 'no answer';
            failed[kind] = (failed[kind] ?? 0) + 1;
          }
          return failed;
        },
      };
      return measureFleet(
        target,
        quick ? { rounds: 1, processes: 4, instances: 25 } : { rounds: 3, processes: 4, instances: 250 },
        progress,
      );
    },
  ],
];

// The order of issue 7, for the table.
const TABLE_ORDER = [
  'cached-path',
  'cold-start',
  'first-token',
  'classic-snippet',
  'stampede',
  'memory',
  'fleet',
  'srp-cpu',
  'srp-first-token',
];

/** The seeded user on the app client without a secret: amazon-cognito-identity-js cannot send SECRET_HASH. */
function signInTarget(seed: CognitoSeed) {
  return { clientId: seed.withoutSecret.clientId, username: seed.user.email, password: seed.user.password };
}

const progress = (message: string) => {
  if (!json) process.stderr.write(`${message}\n`);
};

let running: Promise<CognitoStack> | undefined;
const stack = () => {
  if (running === undefined) progress('starting cognito-local and the counting proxy...');
  running ??= startCognitoStack();
  return running;
};

const machine = machineInfo();
const started = performance.now();
const results: { id: string; result: BenchResult }[] = [];
try {
  for (const [id, measure] of measurements) {
    if (only !== undefined && !only.includes(id)) continue;
    progress(`measuring ${id}...`);
    for (const result of [await measure(stack)].flat()) results.push({ id, result });
  }
} finally {
  // A stack that failed to start has nothing to stop, and must not hide the error that is on its way out.
  await running?.then(
    (started) => started.stop(),
    () => undefined,
  );
}
const table = results.sort((a, b) => TABLE_ORDER.indexOf(a.id) - TABLE_ORDER.indexOf(b.id)).map(({ result }) => result);
const seconds = (performance.now() - started) / 1000;

if (json) {
  console.log(JSON.stringify({ mode: quick ? 'quick' : 'full', machine, seconds, results: table }, null, 2));
} else {
  console.log(`cognito-token-provider benchmarks (${quick ? 'quick' : 'full'}), ${describeMachine(machine)}`);
  console.log('');
  console.log(markdownTable(table));
  console.log('');
  console.log(`${seconds.toFixed(1)} s in all. Ratio = ours / baseline, median of per-round ratios.`);
}
