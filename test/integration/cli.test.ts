// The built `cognito-token` bin, spawned as a user would run it, against the local Cognito (behind the
// SECRET_HASH-verifying proxy) and the signed SSM test endpoint. Endpoints reach it only through the SDK's
// own AWS_ENDPOINT_URL_* variables. Run `npm run build` first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CognitoSrpServer, startCognitoSrpServer } from '../../harness/cognito-srp-server.js';
import { type CognitoStack, startCognitoStack } from '../../harness/cognito-stack.js';
import type { FaultPlan } from '../../harness/counting-proxy.js';
import { findLeaks } from '../../harness/leak-scan.js';
import { type ProcessRun, runProcess } from '../../harness/run-process.js';
import { LOCAL_AWS_CREDENTIALS } from '../../harness/sigv4.js';
import { type SsmEndpoint, startSsmEndpoint } from '../../harness/ssm-endpoint.js';
import { decodeJwtClaims } from '../../src/core/jwt-claims.js';
import { isolatedEnv } from '../helpers/child-env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'dist/esm/cli.js');

type BinRun = ProcessRun;

let stack: CognitoStack;
let ssm: SsmEndpoint;
/** Everything any run printed, for the leak scan at the end. */
const printed: string[] = [];

/**
 * Runs the bin with only the variables given (plus PATH), so nothing from the developer's shell or ~/.aws
 * leaks in. Asynchronous, because the proxy and the SSM endpoint answer from this very process.
 */
async function runBin(
  args: readonly string[],
  env: Record<string, string> = {},
  stdin = '',
  stdoutClosed = false,
): Promise<BinRun> {
  const run = await runProcess(process.execPath, [BIN, ...args], {
    env: isolatedEnv({
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: stack.proxy.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      ...env,
    }),
    stdin,
    killAfterMs: 30_000,
    stdoutClosed,
  });
  printed.push(run.stdout, run.stderr);
  return run;
}

const awsEnv = () => ({
  AWS_REGION: stack.seed.region,
  AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
});

/** `--client-id clientId --region` (the seed's region), then `rest`. */
const clientArgs = (clientId: string, ...rest: string[]) => [
  '--client-id',
  clientId,
  '--region',
  stack.seed.region,
  ...rest,
];

/** Options for the client without a secret and the confirmed user, who signs in with their email. */
const plainArgs = () => clientArgs(stack.seed.withoutSecret.clientId, '--username', stack.seed.user.email);

const withSecretArgs = () => clientArgs(stack.seed.withSecret.clientId, '--username', stack.seed.user.email);

function expectOneToken(run: BinRun, tokenUse: 'id' | 'access'): string {
  expect(run.status).toBe(0);
  expect(run.stderr).toBe('');
  expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const token = run.stdout.slice(0, -1);
  expect(decodeJwtClaims(token)).toMatchObject({ token_use: tokenUse, sub: stack.seed.user.sub });
  return token;
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error('dist/esm/cli.js is missing: run `npm run build` first');
  stack = await startCognitoStack();
  const { seed } = stack;
  ssm = await startSsmEndpoint([
    { name: '/svc/cli/username', value: seed.user.email, type: 'String' },
    { name: '/svc/cli/password', value: seed.user.password },
    { name: '/svc/cli/client-secret', value: seed.withSecret.clientSecret },
    {
      name: '/svc/cli/json',
      value: JSON.stringify({
        username: seed.user.email,
        password: seed.user.password,
        clientSecret: seed.withSecret.clientSecret,
      }),
    },
  ]);
});

afterAll(async () => {
  await ssm?.stop();
  await stack?.stop();
});

beforeEach(() => {
  stack.proxy.resetCounts();
  stack.proxy.setFaults([]);
});

describe('printing a token', () => {
  it('prints the ID token alone, with the password piped to --password-stdin', async () => {
    const run = await runBin([...plainArgs(), '--password-stdin'], {}, `${stack.seed.user.password}\n`);

    expectOneToken(run, 'id');
    expect(stack.proxy.count('InitiateAuth', 'USER_PASSWORD_AUTH')).toBe(1);
  });

  it('prints the access token with --token access, the password from COGNITO_PASSWORD', async () => {
    const run = await runBin([...plainArgs(), '--token', 'access'], { COGNITO_PASSWORD: stack.seed.user.password });

    expectOneToken(run, 'access');
  });

  it('signs in to a client with a secret, reading the password and the secret as two lines of stdin', async () => {
    const { seed } = stack;

    const run = await runBin(
      [...withSecretArgs(), '--password-stdin', '--client-secret-stdin'],
      {},
      `${seed.user.password}\n${seed.withSecret.clientSecret}\n`,
    );

    expectOneToken(run, 'id');
  });

  it('takes every option from COGNITO_* variables', async () => {
    const { seed } = stack;

    const run = await runBin([], {
      COGNITO_CLIENT_ID: seed.withSecret.clientId,
      COGNITO_REGION: seed.region,
      COGNITO_USERNAME: seed.user.email,
      COGNITO_PASSWORD: seed.user.password,
      COGNITO_CLIENT_SECRET: seed.withSecret.clientSecret,
      COGNITO_TOKEN: 'access',
    });

    expectOneToken(run, 'access');
  });

  it('prints { idToken, accessToken, expiresAt, username } on one line with --json', async () => {
    const before = Date.now();

    const run = await runBin([...plainArgs(), '--json'], { COGNITO_PASSWORD: stack.seed.user.password });

    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')).toHaveLength(2);
    const printedJson = JSON.parse(run.stdout) as Record<string, string>;
    expect(Object.keys(printedJson)).toEqual(['idToken', 'accessToken', 'expiresAt', 'username']);
    expect(decodeJwtClaims(printedJson.idToken as string).token_use).toBe('id');
    expect(decodeJwtClaims(printedJson.accessToken as string).token_use).toBe('access');
    expect(Date.parse(printedJson.expiresAt as string)).toBeGreaterThan(before);
    expect(printedJson.username).toBe(stack.seed.user.username);
  });
});

describe('credentials from SSM, through AWS_ENDPOINT_URL_SSM', () => {
  it('reads username, password and client secret in one signed GetParameters call', async () => {
    const callsBefore = ssm.count('GetParameters');

    const run = await runBin(
      clientArgs(
        stack.seed.withSecret.clientId,
        '--ssm-username',
        '/svc/cli/username',
        '--ssm-password',
        '/svc/cli/password',
        '--ssm-client-secret',
        '/svc/cli/client-secret',
      ),
      awsEnv(),
    );

    expectOneToken(run, 'id');
    expect(ssm.count('GetParameters')).toBe(callsBefore + 1);
    expect(ssm.calls.at(-1)).toMatchObject({
      names: ['/svc/cli/username', '/svc/cli/password', '/svc/cli/client-secret'],
      withDecryption: true,
      signed: true,
    });
  });

  it('reads one JSON SecureString with --ssm-parameter', async () => {
    const run = await runBin(clientArgs(stack.seed.withSecret.clientId, '--ssm-parameter', '/svc/cli/json'), awsEnv());

    expectOneToken(run, 'id');
  });
});

describe('failures: one stderr line, nothing on stdout, a distinct exit status', () => {
  function expectFailure(run: BinRun, status: number, code: string): void {
    expect(run.status).toBe(status);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^cognito-token: ${code}: [^\\n]+\\n$`));
  }

  it('exits 2 with ERR_USAGE, and sends nothing, when credentials are given two ways', async () => {
    const run = await runBin([...plainArgs(), '--ssm-parameter', '/svc/cli/json'], {
      COGNITO_PASSWORD: stack.seed.user.password,
    });

    expectFailure(run, 2, 'ERR_USAGE');
    expect(stack.proxy.count()).toBe(0);
  });

  it.each<[number, string, string, () => { args: string[]; env: Record<string, string> }, FaultPlan[]?]>([
    [
      3,
      'ERR_AUTHENTICATION',
      'a wrong password',
      () => ({
        args: plainArgs(),
        env: { COGNITO_PASSWORD: 'Wrong-Pa55word-Canary' },
      }),
    ],
    [
      3,
      'ERR_AUTHENTICATION',
      'a wrong client secret, as Cognito checks SECRET_HASH',
      () => ({
        args: withSecretArgs(),
        env: { COGNITO_PASSWORD: stack.seed.user.password, COGNITO_CLIENT_SECRET: 'wrong-client-secret-canary' },
      }),
    ],
    [
      6,
      'ERR_UNAVAILABLE',
      'Cognito that cannot be reached at all',
      () => ({
        args: plainArgs(),
        // Port 9 (discard) on loopback: nothing listens there in a test environment.
        env: {
          COGNITO_PASSWORD: stack.seed.user.password,
          AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: 'http://127.0.0.1:9',
        },
      }),
    ],
    [
      7,
      'ERR_THROTTLED',
      'Cognito that keeps throttling',
      () => ({
        args: plainArgs(),
        env: { COGNITO_PASSWORD: stack.seed.user.password },
      }),
      [{ fault: 'throttle' }],
    ],
  ])('exits %i with %s for %s', async (status, code, _case, arrange, faults) => {
    if (faults) stack.proxy.setFaults(faults);
    const { args, env } = arrange();

    const run = await runBin(args, env);

    expectFailure(run, status, code);
  });

  it('exits 4 with ERR_CHALLENGE_REQUIRED for a user who must choose a new password', async () => {
    const run = await runBin(
      clientArgs(stack.seed.withoutSecret.clientId, '--username', stack.seed.newPasswordUser.username),
      { COGNITO_PASSWORD: stack.seed.newPasswordUser.password },
    );

    expectFailure(run, 4, 'ERR_CHALLENGE_REQUIRED');
    expect(run.stderr).toContain('NEW_PASSWORD_REQUIRED');
  });

  it('exits 5 with ERR_CREDENTIALS, naming the parameter, when SSM does not have it', async () => {
    const run = await runBin(clientArgs(stack.seed.withoutSecret.clientId, '--ssm-parameter', '/svc/none'), awsEnv());

    expectFailure(run, 5, 'ERR_CREDENTIALS');
    expect(run.stderr).toContain('/svc/none');
  });

  it('exits 6 with ERR_UNAVAILABLE when Cognito keeps failing', async () => {
    stack.proxy.setFaults([{ fault: 'server-error' }]);

    const run = await runBin(plainArgs(), { COGNITO_PASSWORD: stack.seed.user.password });

    expectFailure(run, 6, 'ERR_UNAVAILABLE');
    expect(stack.proxy.count('InitiateAuth')).toBeGreaterThan(1);
  });

  it('recovers from a brief throttle, printing only the token', async () => {
    stack.proxy.setFaults([{ fault: 'throttle', times: 1 }]);

    const run = await runBin(plainArgs(), { COGNITO_PASSWORD: stack.seed.user.password });

    expectOneToken(run, 'id');
    expect(stack.proxy.count('InitiateAuth')).toBe(2);
  });
});

describe('messages name the flags the user typed', () => {
  let pool: CognitoSrpServer;

  beforeAll(async () => {
    pool = await startCognitoSrpServer({
      userPoolId: 'eu-west-1_CliFlags1',
      // An app client with the defaults of the API and CDK: no USER_PASSWORD_AUTH.
      clients: [{ clientId: 'default-flows', explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
      users: [{ username: 'svc-cli-flags', password: 'Cli-Flags-Pa55word!' }],
    });
  });

  afterAll(() => pool?.close());

  it('says --user-pool-id, not "userPoolId", for a malformed --user-pool-id', async () => {
    const run = await runBin(
      ['--client-id', 'default-flows', '--user-pool-id', 'euwest1_Local1', '--username', 'svc-cli-flags'],
      { COGNITO_PASSWORD: 'Cli-Flags-Pa55word!' },
    );

    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^cognito-token: ERR_CONFIGURATION: --user-pool-id must look like /);
    expect(run.stderr).not.toContain('userPoolId');
  });

  it('advises --flow user-srp and --user-pool-id when the app client refuses --flow user-password', async () => {
    const run = await runBin(
      [
        '--client-id',
        'default-flows',
        '--region',
        'eu-west-1',
        '--username',
        'svc-cli-flags',
        '--flow',
        'user-password',
      ],
      { COGNITO_PASSWORD: 'Cli-Flags-Pa55word!', AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: pool.endpoint },
    );

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('does not allow --flow user-password');
    expect(run.stderr).toContain('set --flow user-srp (needs --user-pool-id)');
    expect(run.stderr).not.toMatch(/flow: '|userPoolId/);
  });
});

describe('in a pipe', () => {
  it('exits quietly with status 141, as Unix tools do, when the reader of stdout is gone (| head -c0)', async () => {
    const run = await runBin(plainArgs(), { COGNITO_PASSWORD: stack.seed.user.password }, '', true);

    expect(run.stderr).toBe('');
    expect(run.status).toBe(141);
    // It got as far as the write: the token was fetched, and only its reader was missing.
    expect(stack.proxy.count('InitiateAuth', 'USER_PASSWORD_AUTH')).toBe(1);
  });
});

describe('huge stdin', () => {
  it('exits 2 with the usage error, not a crash, for two million lines piped to --password-stdin', async () => {
    // yes x | head -2000000 | cognito-token --password-stdin …
    const run = await runBin([...plainArgs(), '--password-stdin'], {}, 'x\n'.repeat(2_000_000));

    expect(run.stderr).toBe(
      'cognito-token: ERR_USAGE: expected 1 line(s) on stdin (the password) but got more than 64 KiB\n',
    );
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(stack.proxy.count()).toBe(0);
  });
});

describe('leak scan', () => {
  it('printed no password or client secret in any run above, and no SSM value', () => {
    const { seed } = stack;
    const outputs = printed.join('\n');

    expect(outputs).toContain('cognito-token: ERR_');
    expect(
      findLeaks([outputs], {
        password: seed.user.password,
        newPasswordUserPassword: seed.newPasswordUser.password,
        clientSecret: seed.withSecret.clientSecret,
        wrongPassword: 'Wrong-Pa55word-Canary',
        wrongClientSecret: 'wrong-client-secret-canary',
        awsSecretAccessKey: LOCAL_AWS_CREDENTIALS.secretAccessKey,
      }),
    ).toEqual([]);
  });
});
