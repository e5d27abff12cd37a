import { CliUsageError } from './usage-error.js';

/**
 * Splits what was piped to `cognito-token` into the secrets it was asked to read: one line for
 * `--password-stdin` or `--client-secret-stdin`, two lines (password first) for both. A final newline and
 * Windows line ends are allowed; blank or extra lines are refused, without quoting any of them.
 */
export function splitStdinSecrets(text: string, names: readonly string[]): string[] {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  const expected = names.join(', then the ');
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
