import { configurationError } from '../errors.js';

/** Whether `value` is a finite number above zero (or zero itself, with `orZero`): durations and counts. */
export function isPositiveNumber(value: unknown, orZero = false): value is number {
  return typeof value === 'number' && Number.isFinite(value) && (value > 0 || (orZero && value === 0));
}

/**
 * Throws ERR_CONFIGURATION for the first option of `options` not in `known`, naming it and, when one is close,
 * the option that was probably meant: `"refreshAhead" is not an option of createTokenProvider; did you mean
 * "refreshAheadSeconds"?`. A misspelt option would otherwise be ignored, and its default used in silence.
 *
 * Only the key is quoted, never its value: a secret typed in the wrong place must not end up in a log. Symbol
 * keys are skipped (tests pass internal options under symbols). `prefix` names a nested object
 * (`credentials.`), and `alsoSuggest` adds names that are only suggested, such as the nested
 * `credentials.password` for a top-level `password`.
 */
export function rejectUnknownOptions(
  options: unknown,
  known: readonly string[],
  factory: string,
  { prefix = '', alsoSuggest = [] }: { readonly prefix?: string; readonly alsoSuggest?: readonly string[] } = {},
): void {
  // Not an object at all: the factory's own check says so.
  if (typeof options !== 'object' || options === null) return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = closestName(key, [...known, ...alsoSuggest]);
    const meant = suggestion !== undefined && known.includes(suggestion) ? prefix + suggestion : suggestion;
    const hint = meant === undefined ? '' : `; did you mean "${meant}"?`;
    throw configurationError(prefix + shorten(key), `is not an option of ${factory}${hint}`);
  }
}

/**
 * The candidate nearest to `name`, or `undefined` when none is near: within a third of the name's length in
 * edit distance (at least 2), ignoring case, or one name containing the other (`timeout` for `timeoutMs`).
 * Among near ones, a shared beginning counts in favour: `refreshAhead` means `refreshAheadSeconds`, not `refresh`.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(wanted, lower);
    const contains = wanted.length >= 4 && lower.length >= 4 && (lower.includes(wanted) || wanted.includes(lower));
    if (!contains && distance > Math.max(2, Math.floor(wanted.length / 3))) continue;
    const score = distance - commonPrefixLength(wanted, lower);
    if (best === undefined || score < best.score) best = { name: candidate, score };
  }
  return best?.name;
}

function commonPrefixLength(a: string, b: string): number {
  let length = 0;
  while (length < a.length && a[length] === b[length]) length++;
  return length;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, rows[i - 2][j - 2] + 1);
      }
      rows[i][j] = distance;
    }
  }
  return rows[a.length][b.length];
}

// A key is the user's own text, but not meant to be long: a pasted value used as a key is cut short.
function shorten(key: string): string {
  return key.length > 64 ? `${key.slice(0, 61)}...` : key;
}
