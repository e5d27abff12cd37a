// Benchmarks of issue 7, against the built package imported by name. Every figure is a ratio or a count
// against a baseline measured in the same process (or by the same parent process), in interleaved rounds,
// median reported: these machines are shared and noisy, so absolute times mean little.
//
// Usage: npm run bench [-- --quick] [-- --json]
//   node scripts/run.mjs scripts/bench.ts [--quick] [--json] [--only=<id>[,<id>...]]
//   --quick  a reduced version that completes in under a minute (CI runs it and checks only that it completes)
//   --json   the same data as JSON on stdout, instead of the Markdown table
//   --only   run some measurements only: cached-path, cold-start, memory, first-token, classic-snippet, stampede
import { measureCachedPath } from './bench/cached-path.js';
import { measureColdStart } from './bench/cold-start.js';
import { describeMachine, machineInfo } from './bench/machine.js';
import { measureMemory } from './bench/memory.js';
import { type BenchResult, markdownTable } from './bench/report.js';

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

type Measurement = () => Promise<BenchResult | readonly BenchResult[]>;

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
];

const progress = (message: string) => {
  if (!json) process.stderr.write(`${message}\n`);
};

const machine = machineInfo();
const started = performance.now();
const results: BenchResult[] = [];
for (const [id, measure] of measurements) {
  if (only !== undefined && !only.includes(id)) continue;
  progress(`measuring ${id}...`);
  results.push(...[await measure()].flat());
}
const seconds = (performance.now() - started) / 1000;

if (json) {
  console.log(JSON.stringify({ mode: quick ? 'quick' : 'full', machine, seconds, results }, null, 2));
} else {
  console.log(`cognito-token-provider benchmarks (${quick ? 'quick' : 'full'}), ${describeMachine(machine)}`);
  console.log('');
  console.log(markdownTable(results));
  console.log('');
  console.log(`${seconds.toFixed(1)} s in all. Ratio = ours / baseline, median of per-round ratios.`);
}
