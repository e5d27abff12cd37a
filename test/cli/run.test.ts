import {
  InitiateAuthCommand,
  InternalErrorException,
  InvalidParameterException,
} from '@aws-sdk/client-cognito-identity-provider';
import { AccessDeniedException, GetParametersCommand, type Parameter } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLI_HELP } from '../../src/cli/help.js';
import { type CliIo, runCli } from '../../src/cli/run.js';
import {
  CLI_AWS_ENV as awsEnv,
  CLI_BASE_ARGS as BASE,
  CLI_TEST_VERSION,
  CLI_CLIENT_ID as CLIENT_ID,
  CLI_CLIENT_SECRET as CLIENT_SECRET,
  type CliRun,
  cliSecretHash,
  itReadsStoreInPoolRegion,
  mockCliServices,
  CLI_PASSWORD as PASSWORD,
  regionReadIn,
  runCliCaptured as run,
} from '../helpers/cli-runner.js';
import { notAuthorized, throttled } from '../helpers/cognito-errors.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

const { cognito, ssm, signIns, expectSignedInAs } = mockCliServices();

const SSM_PASSWORD = 'Canary-SSM-Pa55word-53';
const SSM_SECRET = 'canary-ssm-client-secret-71';
const SECRETS = [PASSWORD, CLIENT_SECRET, SSM_PASSWORD, SSM_SECRET];

const nowSeconds = () => Math.floor(Date.now() / 1000);
const issued = () => cognitoTokens({ username: 'f3a1-uuid-of-svc', nowSeconds: nowSeconds() });

function ssmParameter(Name: string, Value: string): Parameter {
  return { Name, Value, Type: 'SecureString', Version: 1 };
}

/** A GetParameters answer holding `value` as the JSON parameter /svc/cognito. */
const jsonParameterHolding = (value: object) => ({ Parameters: [ssmParameter('/svc/cognito', JSON.stringify(value))] });

// What Cognito answers by default; the tests compare against this very object, not a second one issued later,
// which could land in another second and differ.
let answered: ReturnType<typeof issued>;

beforeEach(() => {
  answered = issued();
  cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: answered });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('output', () => {
  it('prints the ID token and a newline on stdout, and nothing on stderr', async () => {
    const result = await run([...BASE, '--username', 'svc-orders'], { COGNITO_PASSWORD: PASSWORD });

    expect(result).toEqual({ status: 0, stdout: `${answered.IdToken}\n`, stderr: '' });
    expect(signIns()).toEqual([
      expect.objectContaining({
        ClientId: CLIENT_ID,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'svc-orders', PASSWORD },
      }),
    ]);
  });

  it('prints the access token with --token access', async () => {
    const result = await run([...BASE, '--username', 'svc', '--token', 'access'], { COGNITO_PASSWORD: PASSWORD });

    expect(result.stdout).toBe(`${answered.AccessToken}\n`);
  });

  it('prints { idToken, accessToken, expiresAt, username } with --json', async () => {
    vi.useFakeTimers({ now: new Date('2026-11-26T09:00:00Z'), toFake: ['Date'] });
    const tokens = issued();
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: tokens });

    const result = await run([...BASE, '--username', 'svc', '--json'], { COGNITO_PASSWORD: PASSWORD });

    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stdout.trimEnd()).not.toContain('\n');
    expect(JSON.parse(result.stdout)).toEqual({
      idToken: tokens.IdToken,
      accessToken: tokens.AccessToken,
      expiresAt: '2026-11-26T10:00:00.000Z',
      username: 'f3a1-uuid-of-svc',
    });
  });

  it('prints the help on stdout', async () => {
    expect(await run(['--help'])).toEqual({ status: 0, stdout: CLI_HELP, stderr: '' });
  });

  it('prints the version on stdout', async () => {
    expect(await run(['--version'])).toEqual({ status: 0, stdout: `${CLI_TEST_VERSION}\n`, stderr: '' });
  });
});

describe('secrets from stdin and the environment', () => {
  it('reads the password from stdin with --password-stdin', async () => {
    const result = await run([...BASE, '--username', 'svc', '--password-stdin'], {}, `${PASSWORD}\n`);

    expect(result.status).toBe(0);
    expect(signIns()[0]?.AuthParameters).toEqual({ USERNAME: 'svc', PASSWORD });
  });

  it('reads the password, then the client secret, from two lines of stdin', async () => {
    const argv = [...BASE, '--username', 'svc', '--password-stdin', '--client-secret-stdin'];

    const result = await run(argv, {}, `${PASSWORD}\r\n${CLIENT_SECRET}\r\n`);

    expect(result.status).toBe(0);
    expectSignedInAs('svc', PASSWORD, CLIENT_SECRET);
  });

  it('reads only the client secret from stdin with --client-secret-stdin', async () => {
    const result = await run(
      [...BASE, '--username', 'svc', '--client-secret-stdin'],
      { COGNITO_PASSWORD: PASSWORD },
      CLIENT_SECRET,
    );

    expect(result.status).toBe(0);
    expect(signIns()[0]?.AuthParameters?.SECRET_HASH).toBe(cliSecretHash('svc', CLIENT_SECRET));
  });

  it('takes the client secret from COGNITO_CLIENT_SECRET', async () => {
    const env = { COGNITO_PASSWORD: PASSWORD, COGNITO_CLIENT_SECRET: CLIENT_SECRET };

    await run([...BASE, '--username', 'svc'], env);

    expect(signIns()[0]?.AuthParameters?.SECRET_HASH).toBe(cliSecretHash('svc', CLIENT_SECRET));
  });

  it('refuses stdin with the wrong number of lines, quoting none of them', async () => {
    const argv = [...BASE, '--username', 'svc', '--password-stdin', '--client-secret-stdin'];

    const result = await run(argv, {}, `${PASSWORD}\n`);

    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr:
        'cognito-token: ERR_USAGE: expected 2 line(s) on stdin (the password, then the client secret) but got 1\n',
    });
    expect(signIns()).toEqual([]);
  });

  it('fails with ERR_CREDENTIALS when stdin cannot be read', async () => {
    const result = await run([...BASE, '--username', 'svc', '--password-stdin'], {}, new Error('EIO: i/o error'));

    expect(result.status).toBe(5);
    expect(result.stderr).toBe('cognito-token: ERR_CREDENTIALS: Could not read stdin: Error: EIO: i/o error\n');
  });
});

describe('credentials from SSM', () => {
  it('reads username, password and secret in one GetParameters call, decrypted', async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        ssmParameter('/svc/username', 'svc-from-ssm'),
        ssmParameter('/svc/password', SSM_PASSWORD),
        ssmParameter('/svc/secret', SSM_SECRET),
      ],
      InvalidParameters: [],
    });
    const argv = [...BASE, '--ssm-username', '/svc/username', '--ssm-password', '/svc/password'];

    const result = await run([...argv, '--ssm-client-secret', '/svc/secret'], awsEnv);

    expect(result.status).toBe(0);
    expect(ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input)).toEqual([
      { Names: ['/svc/username', '/svc/password', '/svc/secret'], WithDecryption: true },
    ]);
    expectSignedInAs('svc-from-ssm', SSM_PASSWORD, SSM_SECRET);
  });

  it('reads SSM in AWS_REGION when it is set', async () => {
    ssm.on(GetParametersCommand).resolves(jsonParameterHolding({ username: 'svc', password: SSM_PASSWORD }));

    const region = await regionReadIn(ssm, [...BASE, '--ssm-parameter', '/svc/cognito'], awsEnv);

    expect(region).toBe('eu-central-1');
  });

  itReadsStoreInPoolRegion(
    'SSM',
    ssm,
    () => ssm.on(GetParametersCommand).resolves(jsonParameterHolding({ username: 'svc', password: SSM_PASSWORD })),
    ['--ssm-parameter', '/svc/cognito'],
  );

  it('uses the JSON parameter, with its client secret', async () => {
    ssm
      .on(GetParametersCommand)
      .resolves(jsonParameterHolding({ username: 'svc', password: SSM_PASSWORD, clientSecret: SSM_SECRET }));

    const result = await run([...BASE, '--ssm-parameter', '/svc/cognito'], awsEnv);

    expect(result.status).toBe(0);
    expectSignedInAs('svc', SSM_PASSWORD, SSM_SECRET);
  });

  it("lets a secret from COGNITO_CLIENT_SECRET win over the JSON parameter's", async () => {
    ssm
      .on(GetParametersCommand)
      .resolves(jsonParameterHolding({ username: 'svc', password: SSM_PASSWORD, clientSecret: SSM_SECRET }));

    await run([...BASE, '--ssm-parameter', '/svc/cognito'], { ...awsEnv, COGNITO_CLIENT_SECRET: CLIENT_SECRET });

    expect(signIns()[0]?.AuthParameters?.SECRET_HASH).toBe(cliSecretHash('svc', CLIENT_SECRET));
  });

  it('reads --ssm-client-secret separately from a JSON parameter, and it wins', async () => {
    ssm
      .on(GetParametersCommand, { Names: ['/svc/cognito'] })
      .resolves(jsonParameterHolding({ username: 'svc', password: SSM_PASSWORD, clientSecret: 'old' }))
      .on(GetParametersCommand, { Names: ['/svc/secret'] })
      .resolves({ Parameters: [ssmParameter('/svc/secret', SSM_SECRET)] });

    await run([...BASE, '--ssm-parameter', '/svc/cognito', '--ssm-client-secret', '/svc/secret'], awsEnv);

    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
    expect(signIns()[0]?.AuthParameters?.SECRET_HASH).toBe(cliSecretHash('svc', SSM_SECRET));
  });

  it('reads only the client secret from SSM next to a --username', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [ssmParameter('/svc/secret', SSM_SECRET)] });

    await run([...BASE, '--username', 'svc', '--ssm-client-secret', '/svc/secret'], {
      ...awsEnv,
      COGNITO_PASSWORD: PASSWORD,
    });

    expect(ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input.Names)).toEqual([['/svc/secret']]);
    expectSignedInAs('svc', PASSWORD, SSM_SECRET);
  });

  it('makes no SSM call when no credential lives in SSM', async () => {
    await run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD });

    expect(ssm.commandCalls(GetParametersCommand)).toEqual([]);
  });
});

describe('failures: one stderr line, a distinct exit status, nothing on stdout', () => {
  it('exits 2 with ERR_USAGE before any request', async () => {
    const result = await run(['--region', 'eu-west-1'], { COGNITO_PASSWORD: PASSWORD });

    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: 'cognito-token: ERR_USAGE: --client-id (or COGNITO_CLIENT_ID) is required\n',
    });
    expect(signIns()).toEqual([]);
  });

  it('exits 2 with ERR_CONFIGURATION for an option the library refuses', async () => {
    const result = await run(['--client-id', 'c', '--user-pool-id', 'not-a-pool', '--username', 'svc'], {
      COGNITO_PASSWORD: PASSWORD,
    });

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^cognito-token: ERR_CONFIGURATION: --user-pool-id must look like/);
  });

  it('exits 3 with ERR_AUTHENTICATION when Cognito refuses the password', async () => {
    cognito.on(InitiateAuthCommand).rejects(notAuthorized());

    const result = await run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD });

    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cognito-token: ERR_AUTHENTICATION: .*Incorrect username or password\.\)\n$/);
  });

  it('exits 4 with ERR_CHALLENGE_REQUIRED when the user must set a new password', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session' });

    const result = await run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD });

    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/^cognito-token: ERR_CHALLENGE_REQUIRED: .*NEW_PASSWORD_REQUIRED/);
  });

  it('exits 5 with ERR_CREDENTIALS when SSM refuses', async () => {
    ssm.on(GetParametersCommand).rejects(
      new AccessDeniedException({
        message: 'not allowed',
        Message: 'not allowed',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const result = await run([...BASE, '--ssm-parameter', '/svc/cognito'], { AWS_REGION: 'eu-west-1' });

    expect(result.status).toBe(5);
    expect(result.stderr).toMatch(/^cognito-token: ERR_CREDENTIALS: .*\/svc\/cognito.*AccessDeniedException/);
  });

  it.each([
    [
      6,
      'ERR_UNAVAILABLE',
      'keeps failing',
      () => new InternalErrorException({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } }),
    ],
    [7, 'ERR_THROTTLED', 'keeps throttling', () => throttled()],
  ])('exits %i with %s when Cognito %s', async (status, code, _case, refusal) => {
    vi.useFakeTimers();
    cognito.on(InitiateAuthCommand).rejects(refusal());

    const pending = run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD });
    await vi.runAllTimersAsync();
    const result = await pending;

    expect(result.status).toBe(status);
    expect(result.stderr).toMatch(new RegExp(`^cognito-token: ${code}: `));
  });

  it('exits 1 with ERR_INTERNAL for anything unexpected', async () => {
    const io: CliIo = {
      argv: ['--version'],
      env: {},
      readStdin: async () => '',
      stdout: () => undefined,
      stderr: (text) => {
        errors.push(text);
      },
      version: () => {
        throw new Error('package.json went missing');
      },
    };
    const errors: string[] = [];

    expect(await runCli(io)).toBe(1);
    expect(errors).toEqual(['cognito-token: ERR_INTERNAL: Error: package.json went missing\n']);
  });
});

describe('leak scan', () => {
  it('never prints a password or client secret, whatever happens', async () => {
    const outputs: string[] = [];
    const collect = (result: CliRun) => outputs.push(result.stdout, result.stderr);
    const jsonParameter = JSON.stringify({ username: 'svc', password: SSM_PASSWORD, clientSecret: SSM_SECRET });

    // A careless service that echoes the request, and the secret it was configured with, in its error.
    let configuredSecret = CLIENT_SECRET;
    cognito.on(InitiateAuthCommand).callsFake((input) => {
      throw notAuthorized(`rejected ${JSON.stringify(input)}; the client secret is ${configuredSecret}`);
    });
    ssm.on(GetParametersCommand).resolves({ Parameters: [ssmParameter('/svc/cognito', jsonParameter)] });
    collect(
      await run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD, COGNITO_CLIENT_SECRET: CLIENT_SECRET }),
    );
    collect(
      await run(
        [...BASE, '--username', 'svc', '--password-stdin', '--client-secret-stdin'],
        {},
        `${PASSWORD}\n${CLIENT_SECRET}\n`,
      ),
    );
    configuredSecret = SSM_SECRET;
    collect(await run([...BASE, '--ssm-parameter', '/svc/cognito'], { AWS_REGION: 'eu-west-1' }));
    // Usage errors with secrets in the wrong places.
    collect(await run([...BASE, `--password=${PASSWORD}`], { COGNITO_CLIENT_SECRET: CLIENT_SECRET }));
    collect(await run([...BASE, '--username', 'svc', PASSWORD], { COGNITO_PASSWORD: PASSWORD }));
    collect(await run([...BASE, '--username', 'svc', '--password-stdin'], {}, `${PASSWORD}\n${CLIENT_SECRET}\n`));
    // Success: the token is printed, the secrets are not.
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: issued() });
    collect(await run([...BASE, '--username', 'svc', '--json'], { COGNITO_PASSWORD: PASSWORD }));

    const printed = outputs.join('\n');
    expect(printed).toContain('ERR_AUTHENTICATION');
    expect(printed).toContain('[redacted]');
    for (const secret of SECRETS) expect(printed).not.toContain(secret);
  });
});

describe('messages in the terms of the command line', () => {
  it('names --user-pool-id, not "userPoolId", for a malformed user pool ID', async () => {
    const result = await run(['--client-id', CLIENT_ID, '--user-pool-id', 'euwest1_Local1', '--username', 'svc'], {
      COGNITO_PASSWORD: PASSWORD,
    });

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^cognito-token: ERR_CONFIGURATION: --user-pool-id must look like "<region>_<id>"/);
    expect(result.stderr).not.toContain('userPoolId');
  });

  it('names --region and --user-pool-id when they disagree', async () => {
    const result = await run(
      ['--client-id', CLIENT_ID, '--region', 'eu-west-2', '--user-pool-id', 'eu-west-1_AbC123', '--username', 'svc'],
      { COGNITO_PASSWORD: PASSWORD },
    );

    expect(result.stderr).toContain('--region must match --user-pool-id (eu-west-1)');
  });

  it('advises --flow user-srp (needs --user-pool-id) when the app client refuses the flow', async () => {
    cognito.on(InitiateAuthCommand).rejects(
      new InvalidParameterException({
        message: 'USER_PASSWORD_AUTH flow not enabled for this client',
        $metadata: {},
      }),
    );

    const result = await run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD });

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('The app client does not allow --flow user-password');
    expect(result.stderr).toContain('set --flow user-srp (needs --user-pool-id) or user-auth');
    expect(result.stderr).not.toMatch(/flow: '|userPoolId/);
  });

  it('names --totp-secret-stdin and COGNITO_TOTP_SECRET, not "credentials.totpSecret"', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'session-0001', ChallengeParameters: {} });

    const result = await run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD });

    expect(result.status).toBe(4);
    expect(result.stderr).toContain('give --totp-secret-stdin (or COGNITO_TOTP_SECRET)');
    expect(result.stderr).not.toContain('credentials.');
  });
});
