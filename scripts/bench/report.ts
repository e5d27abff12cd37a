// The shape of one benchmark result, the goals it is checked against, and the Markdown table printed for
// people (the same data goes out as JSON with --json).

import type { Interleaved } from './statistics.js';

export type Unit = 'ops/s' | 'ms' | 'bytes';

/** A goal from issue 7: on the ratio (`ours / baseline`), or on the number of Cognito requests we made. */
export type Goal =
  | { readonly on: 'ratio'; readonly atLeast: number }
  | { readonly on: 'ratio'; readonly under: number }
  | { readonly on: 'requests'; readonly exactly: number }
  /** No heap growth beyond what the baseline itself grows by in the same rounds. */
  | { readonly on: 'heap-growth'; readonly withinNoise: true };

export interface BenchResult {
  /** Stable key for --json consumers, e.g. `cached-path`. */
  readonly id: string;
  readonly title: string;
  readonly unit: Unit;
  /** Median of our side. */
  readonly ours: number;
  /** Median of the baseline measured alongside it in the same process (or the same parent process). */
  readonly baseline: number;
  /** Median of the per-round `ours / baseline`. */
  readonly ratio: number;
  /** What the baseline is, in a few words. */
  readonly baselineLabel: string;
  readonly rounds: number;
  /** Cognito requests made, where the measurement talks to Cognito: ours, and the baseline's. */
  readonly requests?: { readonly ours: number; readonly baseline: number };
  readonly goal?: Goal;
  /** Whether the goal is met; absent when there is no goal. */
  readonly met?: boolean;
  /** Anything else worth knowing about the figure (extra medians, the noise floor, ...). */
  readonly notes?: string;
}

/** A row's figures from an interleaved measurement: both medians, the median ratio, and how many rounds. */
export function figuresOf(measured: Interleaved): Pick<BenchResult, 'ours' | 'baseline' | 'ratio' | 'rounds'> {
  return { ours: measured.ours, baseline: measured.baseline, ratio: measured.ratio, rounds: measured.rounds.length };
}

/**
 * Checks `result` against its goal and returns it with `met` set. A heap-growth goal needs the rounds to
 * judge, so its caller passes `met` in.
 */
export function judged(result: Omit<BenchResult, 'met'> & { readonly met?: boolean }): BenchResult {
  const { goal } = result;
  if (goal === undefined || goal.on === 'heap-growth') return result;
  let met: boolean;
  if (goal.on === 'requests') met = result.requests?.ours === goal.exactly;
  else if ('atLeast' in goal) met = result.ratio >= goal.atLeast;
  else met = result.ratio < goal.under;
  return { ...result, met };
}

export function describeGoal(goal: Goal | undefined): string {
  if (goal === undefined) return '—';
  if (goal.on === 'requests') return `${goal.exactly} request${goal.exactly === 1 ? '' : 's'}`;
  if (goal.on === 'heap-growth') return 'growth within noise';
  return 'atLeast' in goal ? `ratio ≥ ${goal.atLeast}` : `ratio < ${goal.under}`;
}

export function formatValue(value: number, unit: Unit): string {
  if (unit === 'ops/s') return `${formatNumber(value / 1e6, 2)} M ops/s`;
  if (unit === 'bytes') return formatBytes(value);
  return value < 10 ? `${formatNumber(value, 2)} ms` : `${formatNumber(value, 0)} ms`;
}

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '−' : '';
  const size = Math.abs(bytes);
  if (size < 1024) return `${sign}${size.toFixed(0)} B`;
  if (size < 1024 * 1024) return `${sign}${formatNumber(size / 1024, 1)} KiB`;
  return `${sign}${formatNumber(size / 1024 / 1024, 2)} MiB`;
}

export function formatNumber(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Three decimals, or for a tiny ratio the fraction it is: `1/7,960` says more than `0.000`. */
export function formatRatio(ratio: number): string {
  return ratio > 0 && ratio < 0.01 ? `1/${formatNumber(1 / ratio, 0)}` : formatNumber(ratio, 3);
}

/** A Markdown table: readable in a terminal, and pasted as is into the README. */
export function markdownTable(results: readonly BenchResult[]): string {
  const header = ['Measurement', 'Ours', 'Baseline', 'Ratio', 'Goal', 'Cognito requests', 'Rounds', 'Notes'];
  const rows = results.map((r) => [
    r.title,
    formatValue(r.ours, r.unit),
    `${formatValue(r.baseline, r.unit)} (${r.baselineLabel})`,
    formatRatio(r.ratio),
    r.goal === undefined ? '—' : `${describeGoal(r.goal)}: ${r.met ? 'met' : '**missed**'}`,
    r.requests === undefined ? '—' : `${formatNumber(r.requests.ours, 0)} vs ${formatNumber(r.requests.baseline, 0)}`,
    String(r.rounds),
    r.notes ?? '',
  ]);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
