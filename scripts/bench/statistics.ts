// Medians and interleaved rounds: the only statistics the benchmark uses. Shared machines are noisy, so every
// figure compares two things measured alternately in the same process, and the median drops the outliers.

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** One round's two measurements, in whatever unit the caller measures. */
export interface RoundPair {
  readonly ours: number;
  readonly baseline: number;
}

/** Per-round measurements and their medians. `ratio` is the median of the per-round `ours / baseline`. */
export interface Interleaved {
  readonly rounds: readonly RoundPair[];
  readonly ours: number;
  readonly baseline: number;
  readonly ratio: number;
}

/**
 * Runs every side once per round, rotating which goes first each round so that no side always runs on a
 * warmer (or more tired) machine. `warmup` rounds run first and are discarded. Returns, for each kept round,
 * the sides' results in the order of `sides`.
 */
export async function rotate<T>(rounds: number, sides: readonly (() => Promise<T>)[], warmup = 1): Promise<T[][]> {
  const kept: T[][] = [];
  const n = sides.length;
  for (let round = -warmup; round < rounds; round++) {
    const results: T[] = [];
    for (let k = 0; k < n; k++) {
      const side = (((k + round) % n) + n) % n;
      results[side] = await (sides[side] as () => Promise<T>)();
    }
    if (round >= 0) kept.push(results);
  }
  return kept;
}

/** {@link rotate} for two sides: ours and the baseline, the order swapped every round. */
export async function alternate<T>(
  rounds: number,
  ours: () => Promise<T>,
  baseline: () => Promise<T>,
  warmup = 1,
): Promise<{ ours: T; baseline: T }[]> {
  const kept = await rotate(rounds, [ours, baseline], warmup);
  return kept.map(([a, b]) => ({ ours: a as T, baseline: b as T }));
}

/** {@link alternate} for measurements that are one number per run, summarised with medians. */
export async function interleave(
  rounds: number,
  ours: () => Promise<number>,
  baseline: () => Promise<number>,
  warmup = 1,
): Promise<Interleaved> {
  return summarise(await alternate(rounds, ours, baseline, warmup));
}

/** Medians of a list of round pairs, and the median of their per-round ratios. */
export function summarise(pairs: readonly RoundPair[]): Interleaved {
  return {
    rounds: pairs,
    ours: median(pairs.map((p) => p.ours)),
    baseline: median(pairs.map((p) => p.baseline)),
    ratio: median(pairs.map((p) => p.ours / p.baseline)),
  };
}
