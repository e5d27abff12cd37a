// Measurement 2, cold start: a fresh Node process that loads the package and constructs a provider, against
// one that loads the bare CognitoIdentityProviderClient alone. Goal: ratio under 1.05.
// Each run is its own process (nothing is warm) and the kinds take turns. Per run we keep the time inside the
// child around the load (+ construct), its CPU time over that span, and the whole process's wall time as
// seen by this parent. ES modules (`import()`) and CommonJS (`require`) are measured separately, each against
// the bare client loaded the same way. The children are plain JavaScript passed with -e, so no bundling step
// is timed, and they run from the project root so the package resolves by name as a user's code would.
import { spawn } from 'node:child_process';
import { type BenchResult, figuresOf, formatNumber, judged } from './report.js';
import { rotate, summarise } from './statistics.js';

export interface ColdStartOptions {
  readonly runs: number;
}

type ModuleSystem = 'esm' | 'cjs';

const CONSTRUCT = `createTokenProvider({
  clientId: 'bench-client',
  userPoolId: 'eu-west-1_BenchPool',
  credentials: { username: 'svc-bench@example.com', password: 'not-a-real-password' },
});`;

/** The child's source: time (wall and CPU) the `load` statement, then print them as JSON. */
function child(load: string): string {
  return `
const cpu = process.cpuUsage();
const start = performance.now();
${load}
const elapsed = performance.now() - start;
const { user, system } = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ inProcess: elapsed, cpu: (user + system) / 1000 }));
`;
}

const CHILDREN: Record<ModuleSystem, { ours: string; bare: string }> = {
  esm: {
    ours: child(`const { createTokenProvider } = await import('cognito-token-provider');\n${CONSTRUCT}`),
    bare: child(`const { CognitoIdentityProviderClient } = await import('@aws-sdk/client-cognito-identity-provider');
if (typeof CognitoIdentityProviderClient !== 'function') throw new Error('no client class');`),
  },
  cjs: {
    ours: child(`const { createTokenProvider } = require('cognito-token-provider');\n${CONSTRUCT}`),
    bare: child(`const { CognitoIdentityProviderClient } = require('@aws-sdk/client-cognito-identity-provider');
if (typeof CognitoIdentityProviderClient !== 'function') throw new Error('no client class');`),
  },
};

interface ColdRun {
  /** Milliseconds inside the child, around the load (and construction). */
  readonly inProcess: number;
  /** CPU milliseconds of the child over the same span: less sensitive to other processes than wall time. */
  readonly cpu: number;
  /** Milliseconds from spawn to exit, seen by the parent. */
  readonly wall: number;
}

/** Runs `code` in a new Node process from the project root. */
function coldRun(system: ModuleSystem, code: string): Promise<ColdRun> {
  const args = system === 'esm' ? ['--input-type=module', '-e', code] : ['-e', code];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const subprocess = spawn(process.execPath, args, { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    subprocess.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    subprocess.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    subprocess.on('error', reject);
    subprocess.on('close', (code) => {
      const wall = performance.now() - start;
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        const { inProcess, cpu } = JSON.parse(stdout) as { inProcess: number; cpu: number };
        resolve({ inProcess, cpu, wall });
      } catch (error) {
        reject(new Error(`cold-start child failed (${(error as Error).message}): ${stderr.trim()}`));
      }
    });
  });
}

export async function measureColdStart(options: ColdStartOptions): Promise<BenchResult[]> {
  const sides = (['esm', 'cjs'] as const).flatMap((system) => [
    () => coldRun(system, CHILDREN[system].ours),
    () => coldRun(system, CHILDREN[system].bare),
  ]);
  // Two discarded warm-up rounds: the first processes to read the files since they changed pay for the disk.
  const rounds = await rotate(options.runs, sides, 2);
  const pairs = (offset: number) =>
    rounds.map((runs) => ({ ours: runs[offset] as ColdRun, baseline: runs[offset + 1] as ColdRun }));
  return [...summariseCold('esm', pairs(0)), ...summariseCold('cjs', pairs(2))];
}

function summariseCold(system: ModuleSystem, pairs: readonly { ours: ColdRun; baseline: ColdRun }[]): BenchResult[] {
  const figure = (key: keyof ColdRun) =>
    summarise(pairs.map((p) => ({ ours: p.ours[key], baseline: p.baseline[key] })));
  const inProcess = figure('inProcess');
  const cpu = figure('cpu');
  const wall = figure('wall');
  const load = system === 'esm' ? '`import()`' : '`require()`';
  const ms = (value: number) => formatNumber(value, 1);
  const common = { unit: 'ms' as const, goal: { on: 'ratio' as const, under: 1.05 } };
  return [
    judged({
      ...common,
      id: `cold-start-${system}`,
      title: `Cold start (${system.toUpperCase()}): ${load} the package + construct a provider, inside the child`,
      ...figuresOf(inProcess),
      baselineLabel: `${load} of the bare CognitoIdentityProviderClient`,
      notes:
        `one new process per run; difference of medians ${ms(inProcess.ours - inProcess.baseline)} ms; CPU time ` +
        `over the same span ${ms(cpu.ours)} vs ${ms(cpu.baseline)} ms (ratio ${formatNumber(cpu.ratio, 3)})`,
    }),
    judged({
      ...common,
      id: `cold-start-${system}-wall`,
      title: `Cold start (${system.toUpperCase()}): whole process wall time, same runs`,
      ...figuresOf(wall),
      baselineLabel: `process that ${system === 'esm' ? 'imports' : 'requires'} the bare client`,
      notes: `spawn to exit, Node's own start-up included; difference of medians ${ms(wall.ours - wall.baseline)} ms`,
    }),
  ];
}
