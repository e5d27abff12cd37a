// Measurement 6, memory: heap used after 1,000,000 cached calls, and after 1,000 renewals, against the heap
// before, measured after full collections in a child process run with --expose-gc (memory-child.ts). Goal:
// no growth beyond noise, where the noise is what the same-process baseline grows by in the same rounds.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { HeapRound, MemoryChildOptions, MemoryChildOutput } from './memory-child.js';
import { type BenchResult, formatBytes, judged } from './report.js';
import { median } from './statistics.js';

function runChild(options: MemoryChildOptions): Promise<MemoryChildOutput> {
  // process.argv[1] is scripts/bench.ts (scripts/run.mjs sets it), whatever the current directory.
  const scripts = dirname(process.argv[1] as string);
  const args = ['--expose-gc', join(scripts, 'run.mjs'), join(scripts, 'bench', 'memory-child.ts')];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, JSON.stringify(options)], {
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
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(stdout) as MemoryChildOutput);
      } catch (error) {
        reject(new Error(`memory child failed (${(error as Error).message}): ${stderr.trim()}`));
      }
    });
  });
}

const growth = (round: HeapRound) => round.after - round.before;

/**
 * Our growth is "beyond noise" when its median exceeds the largest growth the baseline showed in any round,
 * plus 64 KiB for the collector's own bookkeeping.
 */
function heapResult(
  id: string,
  title: string,
  rounds: readonly { ours: HeapRound; baseline: HeapRound }[],
  baselineWork: string,
  extra: string,
): BenchResult {
  const oursGrowth = median(rounds.map((r) => growth(r.ours)));
  const noise = Math.max(...rounds.map((r) => Math.abs(growth(r.baseline))));
  // Drift over all rounds together, first "before" to last "after": a slow leak shows here first.
  const drift = (side: 'ours' | 'baseline') =>
    (rounds.at(-1) as (typeof rounds)[number])[side].after - (rounds[0] as (typeof rounds)[number])[side].before;
  return judged({
    id,
    title,
    unit: 'bytes',
    ours: median(rounds.map((r) => r.ours.after)),
    baseline: median(rounds.map((r) => r.ours.before)),
    ratio: median(rounds.map((r) => r.ours.after / r.ours.before)),
    baselineLabel: 'heap before',
    rounds: rounds.length,
    notes:
      `growth ${formatBytes(oursGrowth)} (median); ${baselineWork} in the same rounds grew by at most ` +
      `${formatBytes(noise)}; over all rounds ours ${formatBytes(drift('ours'))}, baseline ` +
      `${formatBytes(drift('baseline'))}; ${extra}`,
    goal: { on: 'heap-growth', withinNoise: true },
    met: oursGrowth <= noise + 64 * 1024,
  });
}

export async function measureMemory(options: MemoryChildOptions): Promise<BenchResult[]> {
  const output = await runChild(options);
  const expected = options.renewals * options.rounds;
  if (output.renewalCount !== expected || output.signInCount !== 1) {
    throw new Error(
      `renewal path not taken as planned: ${output.renewalCount} renewals (expected ${expected}), ` +
        `${output.signInCount} sign-ins (expected 1)`,
    );
  }
  const calls = options.cachedCalls.toLocaleString('en-US');
  const renewals = options.renewals.toLocaleString('en-US');
  return [
    heapResult(
      'memory-cached',
      `Memory: heap after ${calls} cached calls`,
      output.cached,
      `${calls} \`await f()\``,
      'child run with --expose-gc, heap after two full collections',
    ),
    heapResult(
      'memory-renewals',
      `Memory: heap after ${renewals} renewals`,
      output.renewals,
      `${renewals} bare SDK InitiateAuth sends`,
      `REFRESH_TOKEN_AUTH through a real SDK client answered in memory, the clock moved an hour per renewal; ` +
        `${output.renewalCount.toLocaleString('en-US')} renewals and ${output.signInCount} sign-in counted`,
    ),
  ];
}
