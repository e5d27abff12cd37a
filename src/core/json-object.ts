/**
 * Whether `value` is a JSON object: not `null`, not an array. Answers parsed from the network, credentials
 * read from a parameter and sealed store entries all pass through this one check before any field is read.
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The JSON object `text` holds, or `undefined` when it is not JSON or not an object. Never throws, and keeps no
 * `SyntaxError`: its message quotes the text it choked on, which may be a secret.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
