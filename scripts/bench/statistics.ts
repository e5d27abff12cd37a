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
 * Runs `ours` and `baseline` alternately for `rounds` rounds, swapping which goes first every round so that
 * neither always runs on a warmer (or more tired) machine. `warmup` rounds run first and are discarded.
 * Returns each kept round's two results, whatever they are.
 */
export async function alternate<T>(
  rounds: number,
  ours: () => Promise<T>,
  baseline: () => Promise<T>,
  warmup = 1,
): Promise<{ ours: T; baseline: T }[]> {
  const kept: { ours: T; baseline: T }[] = [];
  for (let round = -warmup; round < rounds; round++) {
    let a: T;
    let b: T;
    if (round % 2 === 0) {
      a = await ours();
      b = await baseline();
    } else {
      b = await baseline();
      a = await ours();
    }
    if (round >= 0) kept.push({ ours: a, baseline: b });
  }
  return kept;
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
