// Measurement 2, cold start: a fresh Node process that imports the package and constructs a provider,
// against one that imports the bare CognitoIdentityProviderClient alone. Goal: ratio under 1.05.
// Each run is its own process (nothing is warm), the two kinds alternate, and two figures are kept per run:
// the time inside the child around the dynamic import (+ construct), and the process's whole wall time as
// seen by this parent. The children are plain JavaScript passed with -e, so no bundling step is timed.
import { spawn } from 'node:child_process';
import { type BenchResult, formatNumber, judged } from './report.js';
import { alternate, summarise } from './statistics.js';

export interface ColdStartOptions {
  readonly runs: number;
}

const OURS = `
const start = performance.now();
const { createTokenProvider } = await import('cognito-token-provider');
createTokenProvider({
  clientId: 'bench-client',
  userPoolId: 'eu-west-1_BenchPool',
  credentials: { username: 'svc-bench@example.com', password: 'not-a-real-password' },
});
process.stdout.write(String(performance.now() - start));
`;

const BARE_SDK = `
const start = performance.now();
const { CognitoIdentityProviderClient } = await import('@aws-sdk/client-cognito-identity-provider');
if (typeof CognitoIdentityProviderClient !== 'function') throw new Error('no client class');
process.stdout.write(String(performance.now() - start));
`;

interface ColdRun {
  /** Milliseconds inside the child, around the import (and construction). */
  readonly inProcess: number;
  /** Milliseconds from spawn to exit, seen by the parent. */
  readonly wall: number;
}

/** Runs `code` in a new Node process from the project root, so bare specifiers resolve as a user's would. */
function coldRun(code: string): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = performance.now() - start;
      const inProcess = Number(stdout);
      if (code !== 0 || !Number.isFinite(inProcess)) {
        reject(new Error(`cold-start child failed (exit ${code}): ${stderr.trim()}`));
      } else {
        resolve({ inProcess, wall });
      }
    });
  });
}

export async function measureColdStart(options: ColdStartOptions): Promise<BenchResult[]> {
  // Two discarded warm-up rounds: the first processes to read the files since they changed pay for the disk.
  const pairs = await alternate(
    options.runs,
    () => coldRun(OURS),
    () => coldRun(BARE_SDK),
    2,
  );
  return summariseCold(pairs);
}

function summariseCold(pairs: readonly { ours: ColdRun; baseline: ColdRun }[]): BenchResult[] {
  const inProcess = summarise(pairs.map((p) => ({ ours: p.ours.inProcess, baseline: p.baseline.inProcess })));
  const wall = summarise(pairs.map((p) => ({ ours: p.ours.wall, baseline: p.baseline.wall })));
  const common = {
    unit: 'ms' as const,
    rounds: pairs.length,
    goal: { on: 'ratio' as const, under: 1.05 },
  };
  return [
    judged({
      ...common,
      id: 'cold-start',
      title: 'Cold start: `import()` the package + construct a provider (inside the child)',
      ours: inProcess.ours,
      baseline: inProcess.baseline,
      ratio: inProcess.ratio,
      baselineLabel: '`import()` of the bare CognitoIdentityProviderClient',
      notes: `one new process per run; difference of medians ${formatNumber(inProcess.ours - inProcess.baseline, 1)} ms`,
    }),
    judged({
      ...common,
      id: 'cold-start-wall',
      title: 'Cold start: whole process wall time, same runs',
      ours: wall.ours,
      baseline: wall.baseline,
      ratio: wall.ratio,
      baselineLabel: 'process importing the bare client',
      notes: `spawn to exit, Node's own start-up included; difference of medians ${formatNumber(wall.ours - wall.baseline, 1)} ms`,
    }),
  ];
}
