/**
 * Leak scans: render whatever a user could print (objects, errors, log events, CLI output) the ways they
 * would print it, and report which secrets appear in it.
 *
 * API: `findLeaks(values, secrets)` → the labels of the secrets found (empty when clean),
 * `secretFragments(label, value)` to turn a JWT into the parts that must never appear on their own, and
 * `printedForms(value)`, the renderings both scan.
 *
 * @example
 * ```ts
 * const leaks = findLeaks([provider, tokens, error, logLines], {
 *   password: seed.user.password,
 *   ...secretFragments('idToken', tokens.idToken),
 * });
 * expect(leaks).toEqual([]);
 * ```
 */
import { inspect } from 'node:util';

/**
 * Renders every value with `String`, `util.inspect` (all depths, hidden properties too) and `JSON.stringify`,
 * and returns the labels of the secrets that occur in any rendering.
 *
 * @example
 * ```ts
 * expect(findLeaks([error], { clientSecret })).toEqual([]);
 * ```
 */
export function findLeaks(values: readonly unknown[], secrets: Readonly<Record<string, string>>): string[] {
  const renderings = values.flatMap(printedForms);
  return Object.entries(secrets)
    .filter(([, secret]) => secret.length >= 8 && renderings.some((text) => text.includes(secret)))
    .map(([label]) => label);
}

/**
 * A secret, plus for a JWT its payload and signature segments on their own (the header is the same for every
 * token of an issuer, so it is no secret). A token cut at 12 characters for display shows only its header.
 *
 * @example
 * ```ts
 * const secrets = { ...secretFragments('idToken', idToken), ...secretFragments('refreshToken', refreshToken) };
 * ```
 */
export function secretFragments(label: string, value: string): Record<string, string> {
  const fragments: Record<string, string> = { [label]: value };
  const [, payload, signature] = value.split('.');
  if (payload !== undefined && signature !== undefined) {
    fragments[`${label} payload`] = payload;
    fragments[`${label} signature`] = signature;
  }
  return fragments;
}

/**
 * Every way a user could print `value`: `String`, `util.inspect` (all depths, hidden properties too),
 * `JSON.stringify` and, for an error, its message and stack.
 *
 * @example
 * ```ts
 * const printed = printedForms(error).join('\n');
 * expect(printed).not.toContain(password);
 * ```
 */
export function printedForms(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  const renderings = [String(value), inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true })];
  try {
    renderings.push(JSON.stringify(value) ?? '');
  } catch {
    // Circular structures (SDK errors hold their HTTP response) cannot be serialised; inspect covered them.
  }
  if (value instanceof Error) renderings.push(`${value.message}\n${value.stack}`);
  return renderings;
}
