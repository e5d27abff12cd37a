import { describe, expect, it } from 'vitest';
import { type CliCommand, type CliConfig, type CliEnv, envName, parseCliArgs } from '../../src/cli/args.js';
import { CliUsageError } from '../../src/cli/usage-error.js';

const base = ['--client-id', 'client-abc', '--region', 'eu-west-1'];
const withPassword: CliEnv = { COGNITO_PASSWORD: 'Pa55word-in-env' };

function configOf(argv: readonly string[], env: CliEnv = withPassword): CliConfig {
  const command: CliCommand = parseCliArgs(argv, env);
  if (command.kind !== 'run') throw new Error(`expected a run, got ${command.kind}`);
  return command.config;
}

function usageErrorOf(argv: readonly string[], env: CliEnv = withPassword): CliUsageError {
  try {
    parseCliArgs(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    expect((error as CliUsageError).code).toBe('ERR_USAGE');
    return error as CliUsageError;
  }
  throw new Error('expected a usage error');
}

describe('help and version', () => {
  it.each([['--help'], ['-h']])('%s asks for the help, whatever else is given', (flag) => {
    expect(parseCliArgs([flag, '--token', 'refresh'], {})).toEqual({ kind: 'help' });
  });

  it.each([['--version'], ['-v']])('%s asks for the version', (flag) => {
    expect(parseCliArgs([flag], {})).toEqual({ kind: 'version' });
  });

  it('does not take help from a variable, so a stray COGNITO_HELP cannot swallow a token', () => {
    expect(parseCliArgs([...base, '--username', 'svc'], { ...withPassword, COGNITO_HELP: '1' }).kind).toBe('run');
  });
});

describe('options', () => {
  it('reads a full command line, with the defaults for --token and --json', () => {
    const config = configOf([...base, '--username', 'svc-orders', '--user-pool-id', 'eu-west-1_AbC123']);

    expect(config).toEqual({
      clientId: 'client-abc',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_AbC123',
      token: 'id',
      json: false,
      credentials: { kind: 'password', username: 'svc-orders', password: 'env' },
      clientSecret: undefined,
      flow: 'user-password',
      totpSecret: undefined,
    });
  });

  it('reads every option from its COGNITO_* variable when no flag is given', () => {
    const env: CliEnv = {
      COGNITO_CLIENT_ID: 'client-env',
      COGNITO_REGION: 'us-east-1',
      COGNITO_USER_POOL_ID: 'us-east-1_Env',
      COGNITO_SSM_USERNAME: '/svc/username',
      COGNITO_SSM_PASSWORD: '/svc/password',
      COGNITO_SSM_CLIENT_SECRET: '/svc/secret',
      COGNITO_TOKEN: 'access',
      COGNITO_JSON: 'true',
      COGNITO_FLOW: 'user-srp',
      COGNITO_TOTP_SECRET: 'JBSWY3DPEHPK3PXP',
    };

    expect(configOf([], env)).toEqual({
      clientId: 'client-env',
      region: 'us-east-1',
      userPoolId: 'us-east-1_Env',
      token: 'access',
      json: true,
      credentials: { kind: 'ssm-named', usernameParameter: '/svc/username', passwordParameter: '/svc/password' },
      clientSecret: { from: 'ssm', parameter: '/svc/secret' },
      flow: 'user-srp',
      totpSecret: 'env',
    });
  });

  it.each(['user-password', 'user-srp', 'user-auth', 'admin-user-password'] as const)('takes --flow %s', (flow) => {
    const config = configOf([...base, '--username', 'svc', '--user-pool-id', 'eu-west-1_AbC123', '--flow', flow]);

    expect(config.flow).toBe(flow);
  });

  it('refuses an unknown --flow, and user-srp or the admin flow without a user pool ID', () => {
    expect(() => configOf([...base, '--username', 'svc', '--flow', 'srp'])).toThrow(
      '--flow must be one of user-password, user-srp, user-auth, admin-user-password',
    );
    expect(() => configOf([...base, '--username', 'svc', '--flow', 'user-srp'])).toThrow(
      '--flow user-srp needs --user-pool-id',
    );
    expect(() => configOf([...base, '--username', 'svc', '--flow', 'admin-user-password'])).toThrow(
      '--flow admin-user-password needs --user-pool-id',
    );
    expect(configOf([...base, '--username', 'svc', '--flow', 'user-auth']).flow).toBe('user-auth');
  });

  it('reads the TOTP secret from stdin or COGNITO_TOTP_SECRET, never from a flag', () => {
    expect(configOf([...base, '--username', 'svc', '--totp-secret-stdin']).totpSecret).toBe('stdin');
    expect(configOf([...base, '--username', 'svc'], { ...withPassword, COGNITO_TOTP_SECRET: 'JBSW' }).totpSecret).toBe(
      'env',
    );
    expect(() =>
      configOf([...base, '--username', 'svc', '--totp-secret-stdin'], { ...withPassword, COGNITO_TOTP_SECRET: 'JBSW' }),
    ).toThrow('give the TOTP secret one way only');
    expect(() => configOf([...base, '--username', 'svc', '--totp-secret', 'JBSWY3DPEHPK3PXP'])).toThrow(
      'secrets are never taken as options',
    );
  });

  it('lets a flag win over its variable', () => {
    const env: CliEnv = {
      ...withPassword,
      COGNITO_CLIENT_ID: 'client-env',
      COGNITO_REGION: 'us-east-1',
      COGNITO_TOKEN: 'access',
      COGNITO_USERNAME: 'env-user',
    };

    const config = configOf([...base, '--token', 'id', '--username', 'flag-user'], env);

    expect(config).toMatchObject({ clientId: 'client-abc', region: 'eu-west-1', token: 'id' });
    expect(config.credentials).toMatchObject({ username: 'flag-user' });
  });

  it('treats an empty variable as unset, as CI systems often export them empty', () => {
    const config = configOf([...base, '--username', 'svc'], { ...withPassword, COGNITO_TOKEN: '', COGNITO_JSON: '' });

    expect(config).toMatchObject({ token: 'id', json: false });
  });

  it('maps each flag to its variable name', () => {
    expect(envName('client-id')).toBe('COGNITO_CLIENT_ID');
    expect(envName('ssm-client-secret')).toBe('COGNITO_SSM_CLIENT_SECRET');
    expect(envName('password-stdin')).toBe('COGNITO_PASSWORD_STDIN');
  });

  it('requires --client-id', () => {
    expect(usageErrorOf(['--region', 'eu-west-1', '--username', 'svc']).message).toContain('--client-id');
  });

  it('refuses an empty value given on the command line', () => {
    expect(usageErrorOf(['--client-id', '', '--region', 'eu-west-1']).message).toBe('--client-id must not be empty');
  });

  it('requires a Region: --region, --user-pool-id, or AWS_REGION', () => {
    const argv = ['--client-id', 'c', '--username', 'svc'];

    expect(usageErrorOf(argv).message).toContain('--region or --user-pool-id');
    expect(configOf([...argv, '--user-pool-id', 'eu-west-1_AbC'])).toMatchObject({ region: undefined });
    expect(configOf(argv, { ...withPassword, AWS_REGION: 'eu-west-1' })).toMatchObject({ region: undefined });
  });

  it.each([
    [['--token', 'refresh'], {}, '--token must be "id" or "access"'],
    [[], { COGNITO_TOKEN: 'refresh' }, '--token must be "id" or "access"'],
    [[], { COGNITO_JSON: 'maybe' }, 'COGNITO_JSON must be 1, true, yes or on, or 0, false, no or off'],
  ])('refuses %o with %o', (extra, env, message) => {
    expect(usageErrorOf([...base, '--username', 'svc', ...extra], { ...withPassword, ...env }).message).toBe(message);
  });

  it.each([
    ['1', true],
    ['yes', true],
    ['ON', true],
    ['0', false],
    ['false', false],
    ['no', false],
  ])('reads COGNITO_JSON=%s as %s', (value, json) => {
    expect(configOf([...base, '--username', 'svc'], { ...withPassword, COGNITO_JSON: value }).json).toBe(json);
  });

  it('prints JSON with --json', () => {
    expect(configOf([...base, '--username', 'svc', '--json']).json).toBe(true);
  });
});

describe('credentials, exactly one way', () => {
  it('takes the password from stdin with --password-stdin, even when COGNITO_PASSWORD is set', () => {
    const config = configOf([...base, '--username', 'svc', '--password-stdin']);

    expect(config.credentials).toEqual({ kind: 'password', username: 'svc', password: 'stdin' });
  });

  it('accepts COGNITO_PASSWORD_STDIN=1 for --password-stdin', () => {
    const config = configOf([...base, '--username', 'svc'], { COGNITO_PASSWORD_STDIN: '1' });

    expect(config.credentials).toMatchObject({ password: 'stdin' });
  });

  it('requires a password source with --username', () => {
    expect(usageErrorOf([...base, '--username', 'svc'], {}).message).toBe(
      '--username needs a password: pipe it to --password-stdin, or set COGNITO_PASSWORD',
    );
  });

  it('reads one JSON parameter with --ssm-parameter', () => {
    expect(configOf([...base, '--ssm-parameter', '/svc/cognito']).credentials).toEqual({
      kind: 'ssm-json',
      parameter: '/svc/cognito',
    });
  });

  it('needs both --ssm-username and --ssm-password', () => {
    expect(usageErrorOf([...base, '--ssm-username', '/svc/username']).message).toContain(
      '--ssm-username and --ssm-password go together',
    );
    expect(usageErrorOf([...base, '--ssm-password', '/svc/password']).message).toContain('go together');
  });

  it('combines an --ssm-username flag with a COGNITO_SSM_PASSWORD variable', () => {
    const config = configOf([...base, '--ssm-username', '/svc/u'], { COGNITO_SSM_PASSWORD: '/svc/p' });

    expect(config.credentials).toEqual({ kind: 'ssm-named', usernameParameter: '/svc/u', passwordParameter: '/svc/p' });
  });

  it('refuses a command line without credentials', () => {
    expect(usageErrorOf(base).message).toMatch(/^no credentials: give --username/);
  });

  it('refuses two ways on the command line, naming both', () => {
    const error = usageErrorOf([...base, '--username', 'svc', '--ssm-parameter', '/svc/cognito']);

    expect(error.message).toBe('give credentials one way only, but got --username, and --ssm-parameter');
  });

  it('refuses two ways set by variables, naming the variables', () => {
    const env: CliEnv = { ...withPassword, COGNITO_USERNAME: 'svc', COGNITO_SSM_PARAMETER: '/svc/cognito' };

    expect(usageErrorOf(base, env).message).toBe(
      'give credentials one way only, but got COGNITO_USERNAME, and COGNITO_SSM_PARAMETER',
    );
  });

  it('lets a way chosen on the command line override another chosen by variables', () => {
    const env: CliEnv = { ...withPassword, COGNITO_USERNAME: 'svc', COGNITO_PASSWORD_STDIN: '1' };

    expect(configOf([...base, '--ssm-parameter', '/svc/cognito'], env).credentials.kind).toBe('ssm-json');
  });

  it('refuses --password-stdin with SSM credentials, where SSM holds the password', () => {
    expect(usageErrorOf([...base, '--ssm-parameter', '/svc/cognito', '--password-stdin']).message).toContain(
      '--password-stdin goes with --username',
    );
  });
});

describe('the client secret, at most one way', () => {
  it('has none by default', () => {
    expect(configOf([...base, '--username', 'svc']).clientSecret).toBeUndefined();
  });

  it.each([
    [['--client-secret-stdin'], {}, { from: 'stdin' }],
    [[], { COGNITO_CLIENT_SECRET_STDIN: 'true' }, { from: 'stdin' }],
    [[], { COGNITO_CLIENT_SECRET: 'secret-in-env' }, { from: 'env' }],
    [['--ssm-client-secret', '/svc/secret'], {}, { from: 'ssm', parameter: '/svc/secret' }],
    [['--ssm-client-secret', '/svc/secret'], { COGNITO_CLIENT_SECRET: 'secret-in-env' }, { from: 'ssm' }],
    [['--client-secret-stdin'], { COGNITO_SSM_CLIENT_SECRET: '/svc/secret' }, { from: 'stdin' }],
  ])('%o with %o reads it from %o', (extra, env, expected) => {
    const config = configOf([...base, '--username', 'svc', ...extra], { ...withPassword, ...env });

    expect(config.clientSecret).toMatchObject(expected);
  });

  it('refuses two ways on the command line', () => {
    const error = usageErrorOf([...base, '--username', 'svc', '--client-secret-stdin', '--ssm-client-secret', '/s']);

    expect(error.message).toBe(
      'give the client secret one way only, but got --ssm-client-secret and --client-secret-stdin',
    );
  });

  it('refuses two ways set by variables', () => {
    const env: CliEnv = { ...withPassword, COGNITO_CLIENT_SECRET: 'secret-in-env', COGNITO_SSM_CLIENT_SECRET: '/s' };

    expect(usageErrorOf([...base, '--username', 'svc'], env).message).toBe(
      'give the client secret one way only, but got COGNITO_SSM_CLIENT_SECRET and COGNITO_CLIENT_SECRET',
    );
  });
});

describe('messages that must not echo what was typed', () => {
  it('explains that there is no --password, without quoting the value', () => {
    const error = usageErrorOf([...base, '--password=Hunter2-typed-secret']);

    expect(error.message).toMatch(/^there is no --password option/);
    expect(error.message).not.toContain('Hunter2');
  });

  it('catches --password given with a separate value too', () => {
    const error = usageErrorOf([...base, '--password', 'Hunter2-typed-secret']);

    expect(error.message).toMatch(/^there is no --password option/);
    expect(error.message).not.toContain('Hunter2');
  });

  it('refuses a stray argument without quoting it', () => {
    const error = usageErrorOf([...base, '--username', 'svc', 'Hunter2-typed-secret']);

    expect(error.message).toBe('cognito-token takes no arguments besides options and `device remember`; see --help');
  });

  it('names an unknown option', () => {
    expect(usageErrorOf([...base, '--pasword-stdin']).message).toBe("Unknown option '--pasword-stdin'; see --help");
  });

  it('does not quote an unknown option that does not look like an option name: it may be a secret', () => {
    for (const typed of ['--Hunter2-typed-secret', '-Hunter2']) {
      const error = usageErrorOf([...base, typed]);

      expect(error.message).toBe('Unknown option (not shown: it does not look like an option name); see --help');
    }
    expect(usageErrorOf([...base, '--x=Hunter2']).message).toBe("Unknown option '--x'; see --help");
  });

  it('reports a missing option value on one line', () => {
    expect(usageErrorOf(['--client-id', '--region', 'eu-west-1']).message).toBe(
      "Option '--client-id' argument is ambiguous; see --help",
    );
  });
});
