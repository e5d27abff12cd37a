import { CliUsageError } from './usage-error.js';

/**
 * The most `cognito-token` reads from stdin: far more than three secrets need (a Cognito password has at most 256
 * characters), and little enough to hold and split at once whatever is piped in.
 */
export const STDIN_LIMIT_BYTES = 64 * 1024;

/**
 * Reads a stream to its end, or to just past `limitBytes`: the rest is never needed, so it is never read.
 * Stopping early closes the stream, and the writer on the other side of the pipe stops as `yes` does.
 */
export async function readUpTo(
  stream: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  limitBytes = STDIN_LIMIT_BYTES,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    chunks.push(bytes);
    size += bytes.length;
    if (size > limitBytes) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Splits what was piped to `cognito-token` into the secrets it was asked to read: one line for
 * `--password-stdin` or `--client-secret-stdin`, two lines (password first) for both. A final newline and
 * Windows line ends are allowed; blank or extra lines, and more than {@link STDIN_LIMIT_BYTES}, are refused,
 * without quoting any of them.
 */
export function splitStdinSecrets(text: string, names: readonly string[]): string[] {
  const expected = names.join(', then the ');
  if (Buffer.byteLength(text, 'utf8') > STDIN_LIMIT_BYTES) {
    throw new CliUsageError(
      `expected ${names.length} line(s) on stdin (the ${expected}) but got more than ${STDIN_LIMIT_BYTES / 1024} KiB`,
    );
  }
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (lines.length !== names.length) {
    throw new CliUsageError(
      `expected ${names.length} line(s) on stdin (the ${expected}) but got ${text === '' ? 0 : lines.length}`,
    );
  }
  lines.forEach((line, index) => {
    if (line === '') throw new CliUsageError(`the ${names[index]} read from stdin is empty`);
  });
  return lines;
}
