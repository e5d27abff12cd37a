import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { expect, it } from 'vitest';
import type { CliEnv } from '../../src/cli/args.js';
import { type CliIo, runCli } from '../../src/cli/run.js';
import { computeSecretHash } from '../../src/user/secret-hash.js';
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

/** An environment with AWS credentials but no AWS_REGION: the CLI chooses where to read SSM or Secrets Manager. */
export const CLI_AWS_CREDENTIALS_ENV: CliEnv = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' };

/** An environment with AWS credentials and AWS_REGION eu-central-1, for runs that read SSM or Secrets Manager. */
export const CLI_AWS_ENV: CliEnv = { ...CLI_AWS_CREDENTIALS_ENV, AWS_REGION: 'eu-central-1' };

/** The SECRET_HASH a run must send for `username` with `clientSecret`, for the app client {@link CLI_CLIENT_ID}. */
export const cliSecretHash = (username: string, clientSecret: string): string =>
  computeSecretHash(username, CLI_CLIENT_ID, clientSecret);

/**
 * The three AWS services a CLI run may call, mocked for the file (reset before each test, restored after the file):
 * Cognito, SSM and Secrets Manager; with the sign-in requests Cognito received (`signIns`), and
 * `expectSignedInAs(username, password, clientSecret)`, which checks the first one's AuthParameters.
 */
export function mockCliServices() {
  const cognito = mockCognito();
  const signIns = () => cognito.commandCalls(InitiateAuthCommand).map((call) => call.args[0].input);
  return {
    cognito,
    ssm: mockForFile(mockClient(SSMClient)),
    secretsManager: mockForFile(mockClient(SecretsManagerClient)),
    signIns,
    expectSignedInAs(username: string, password: string, clientSecret: string): void {
      expect(signIns()[0]?.AuthParameters).toEqual({
        USERNAME: username,
        PASSWORD: password,
        SECRET_HASH: cliSecretHash(username, clientSecret),
      });
    },
  };
}

/** A mocked SSM or Secrets Manager client, as `mockCliServices` returns it. */
type MockedService = { send: { thisValues: readonly unknown[] } };

/** The Region of the client that sent the first request a mocked service (SSM, Secrets Manager) received. */
export async function regionOfFirstRequest(service: MockedService): Promise<string> {
  const client = service.send.thisValues[0] as { config: { region(): Promise<string> } } | undefined;
  if (client === undefined) throw new Error('the service received no request');
  return client.config.region();
}

/**
 * Runs the CLI with `argv` and `env` (AWS credentials without AWS_REGION by default), checks that it succeeded, and
 * returns the Region it read the mocked `service` in, which the test has made answer.
 */
export async function regionReadIn(
  service: MockedService,
  argv: readonly string[],
  env: CliEnv = CLI_AWS_CREDENTIALS_ENV,
): Promise<string> {
  const result = await runCliCaptured(argv, env);
  expect(result).toMatchObject({ status: 0, stderr: '' });
  return regionOfFirstRequest(service);
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

/**
 * The test each credentials store of the CLI (SSM, Secrets Manager) passes: without AWS_REGION it is read in the
 * Region of --user-pool-id. `answer` makes the mocked `service` hold the credentials that `storeArgs` name.
 */
export function itReadsStoreInPoolRegion(
  what: string,
  service: MockedService,
  answer: () => void,
  storeArgs: readonly string[],
): void {
  it(`reads ${what} in the user pool's Region when AWS_REGION is not set`, async () => {
    answer();
    const argv = ['--client-id', CLI_CLIENT_ID, '--user-pool-id', 'ap-south-1_AbC', ...storeArgs];

    const region = await regionReadIn(service, argv);

    expect(region).toBe('ap-south-1');
  });
}
