import { expect } from 'vitest';
import type { CliEnv } from '../../src/cli/args.js';
import { type CliIo, runCli } from '../../src/cli/run.js';

/** What one CLI run returned and wrote. */
export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The version `--version` prints under test. */
export const CLI_TEST_VERSION = '9.8.7';

/**
 * Runs the CLI in-process with captured stdout and stderr. `stdin` is what the CLI reads (an Error makes the read
 * fail); without it, the run must not read stdin at all.
 *
 * @example
 * ```ts
 * const result = await runCliCaptured(['--client-id', 'app', '--username', 'svc'], { COGNITO_PASSWORD: 'pw' });
 * expect(result.status).toBe(0);
 * ```
 */
export async function runCliCaptured(
  argv: readonly string[],
  env: CliEnv = {},
  stdin?: string | Error,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  let stdinReads = 0;
  const io: CliIo = {
    argv,
    env,
    readStdin: async () => {
      stdinReads++;
      if (stdin instanceof Error) throw stdin;
      if (stdin === undefined) throw new Error('the test gave no stdin');
      return stdin;
    },
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    version: () => CLI_TEST_VERSION,
  };
  const status = await runCli(io);
  if (stdin === undefined) expect(stdinReads).toBe(0);
  return { status, stdout, stderr };
}
