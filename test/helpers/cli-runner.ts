import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'vitest';
import type { CliEnv } from '../../src/cli/args.js';
import { type CliIo, runCli } from '../../src/cli/run.js';
import { mockCognito, mockForFile } from './providers.js';

/** What one CLI run returned and wrote. */
export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The version `--version` prints under test. */
export const CLI_TEST_VERSION = '9.8.7';

/** The app client the CLI unit tests name. */
export const CLI_CLIENT_ID = 'cli-client-id';

/** The password the CLI unit tests sign in with: a canary that no output may show. */
export const CLI_PASSWORD = 'Canary-CLI-Pa55word-17';

/** The app client's secret in the CLI unit tests: a canary that no output may show. */
export const CLI_CLIENT_SECRET = 'canary-cli-client-secret-29';

/** The options a CLI unit test's run starts with: the app client and the Region. */
export const CLI_BASE_ARGS: readonly string[] = ['--client-id', CLI_CLIENT_ID, '--region', 'eu-west-1'];

/** An environment with AWS credentials and AWS_REGION eu-central-1, for runs that read SSM or Secrets Manager. */
export const CLI_AWS_ENV: CliEnv = {
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'example',
};

/**
 * The three AWS services a CLI run may call, mocked for the file (reset before each test, restored after it):
 * Cognito, SSM and Secrets Manager.
 */
export function mockCliServices() {
  return {
    cognito: mockCognito(),
    ssm: mockForFile(mockClient(SSMClient)),
    secretsManager: mockForFile(mockClient(SecretsManagerClient)),
  };
}

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
