import { parseArgs } from 'node:util';
import { SIGN_IN_FLOWS, type SignInFlow } from '../index.js';
import { CliUsageError } from './usage-error.js';

/** Where the user's credentials come from; exactly one per run. */
type CliCredentialsChoice =
  | { readonly kind: 'password'; readonly username: string; readonly password: 'stdin' | 'env' }
  | { readonly kind: 'ssm-named'; readonly usernameParameter: string; readonly passwordParameter: string }
  | { readonly kind: 'ssm-json'; readonly parameter: string }
  | { readonly kind: 'secrets-manager'; readonly secretId: string };

/** Where the app client secret comes from, when the app client has one. */
type CliClientSecretChoice =
  | { readonly from: 'stdin' }
  | { readonly from: 'env' }
  | { readonly from: 'ssm'; readonly parameter: string };

/** A checked command line. It holds where secrets are, never a secret itself. */
export interface CliConfig {
  readonly clientId: string;
  readonly region: string | undefined;
  readonly userPoolId: string | undefined;
  readonly token: 'id' | 'access';
  readonly json: boolean;
  readonly credentials: CliCredentialsChoice;
  readonly clientSecret: CliClientSecretChoice | undefined;
  /** How to sign in: `createTokenProvider`'s `flow`. */
  readonly flow: SignInFlow;
  /** Where the TOTP secret comes from, when the user has TOTP MFA: never a flag, which `ps` would show. */
  readonly totpSecret: 'stdin' | 'env' | undefined;
}

/** What the command line asks for: a token (`run`), or `device remember`, which signs in the same way. */
export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly config: CliConfig }
  | { readonly kind: 'device-remember'; readonly config: CliConfig };

export type CliEnv = Readonly<Record<string, string | undefined>>;

const STRING_OPTIONS = [
  'client-id',
  'region',
  'user-pool-id',
  'username',
  'ssm-username',
  'ssm-password',
  'ssm-parameter',
  'ssm-client-secret',
  'secret-id',
  'token',
  'flow',
] as const;
const BOOLEAN_OPTIONS = ['password-stdin', 'client-secret-stdin', 'totp-secret-stdin', 'json'] as const;

type StringOption = (typeof STRING_OPTIONS)[number];
type BooleanOption = (typeof BOOLEAN_OPTIONS)[number];
type Source = 'flag' | 'env';

interface Setting<T> {
  readonly value: T;
  readonly source: Source;
  /** How the user spelled it: `--username` or `COGNITO_USERNAME`, for messages. */
  readonly label: string;
}

/** `--client-id` is `COGNITO_CLIENT_ID`, `--json` is `COGNITO_JSON`, and so on. */
export function envName(option: StringOption | BooleanOption): string {
  return `COGNITO_${option.toUpperCase().replaceAll('-', '_')}`;
}

/**
 * Reads the command line and the `COGNITO_*` variables into a {@link CliConfig}. An option given on the
 * command line wins over its variable. Throws {@link CliUsageError} for anything it cannot run, before any I/O.
 *
 * Credentials come exactly one way: `--username` (password from `--password-stdin` or `COGNITO_PASSWORD`),
 * `--ssm-username` with `--ssm-password`, `--ssm-parameter`, or `--secret-id`. When one way is chosen on the command line,
 * variables that choose another are ignored, so a CI job's defaults can be overridden for one call; two ways
 * from the same level are refused.
 */
export function parseCliArgs(argv: readonly string[], env: CliEnv): CliCommand {
  if (argv[0] === 'device') return parseDeviceCommand(argv.slice(1), env);
  const values = parseFlags(argv);
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };

  const text = (option: StringOption): Setting<string> | undefined => {
    const flag = values[option];
    if (typeof flag === 'string') {
      if (flag === '') throw new CliUsageError(`--${option} must not be empty`);
      return { value: flag, source: 'flag', label: `--${option}` };
    }
    const fromEnv = env[envName(option)];
    return fromEnv === undefined || fromEnv === ''
      ? undefined
      : { value: fromEnv, source: 'env', label: envName(option) };
  };
  const flag = (option: BooleanOption): Setting<boolean> | undefined => {
    if (values[option] === true) return { value: true, source: 'flag', label: `--${option}` };
    const name = envName(option);
    const parsed = parseBoolean(name, env[name]);
    return parsed === undefined ? undefined : { value: parsed, source: 'env', label: name };
  };

  const clientId = text('client-id');
  if (clientId === undefined) throw new CliUsageError('--client-id (or COGNITO_CLIENT_ID) is required');
  const region = text('region');
  const userPoolId = text('user-pool-id');
  if (region === undefined && userPoolId === undefined && !isSet(env.AWS_REGION)) {
    throw new CliUsageError('give the Region with --region or --user-pool-id (or COGNITO_REGION, AWS_REGION)');
  }
  const token = text('token')?.value ?? 'id';
  if (token !== 'id' && token !== 'access') throw new CliUsageError('--token must be "id" or "access"');

  const flow = (text('flow')?.value ?? 'user-password') as SignInFlow;
  if (!SIGN_IN_FLOWS.includes(flow)) throw new CliUsageError(`--flow must be one of ${SIGN_IN_FLOWS.join(', ')}`);
  if ((flow === 'user-srp' || flow === 'admin-user-password') && userPoolId === undefined) {
    throw new CliUsageError(`--flow ${flow} needs --user-pool-id (or COGNITO_USER_POOL_ID)`);
  }
  const totpStdin = flag('totp-secret-stdin');
  if (totpStdin?.value === true && totpStdin.source === 'flag' && isSet(env.COGNITO_TOTP_SECRET)) {
    throw new CliUsageError('give the TOTP secret one way only, but got --totp-secret-stdin and COGNITO_TOTP_SECRET');
  }
  const totpSecret = totpStdin?.value === true ? 'stdin' : isSet(env.COGNITO_TOTP_SECRET) ? 'env' : undefined;

  const passwordStdin = flag('password-stdin');
  const credentials = chooseCredentials(text, passwordStdin, env);
  const clientSecret = chooseClientSecret(text('ssm-client-secret'), flag('client-secret-stdin'), env);
  return {
    kind: 'run',
    config: {
      clientId: clientId.value,
      region: region?.value,
      userPoolId: userPoolId?.value,
      token,
      json: flag('json')?.value === true,
      credentials,
      clientSecret,
      flow,
      totpSecret,
    },
  };
}

/** `device remember [options]`: the options of a token run, less the ones about the token printed. */
function parseDeviceCommand(argv: readonly string[], env: CliEnv): CliCommand {
  if (argv[0] !== 'remember') {
    throw new CliUsageError('the device command is `cognito-token device remember [options]`; see --help');
  }
  const options = argv.slice(1);
  const command = parseCliArgs(options, env);
  if (command.kind !== 'run') return command;
  if (options.some((arg) => /^--(token|json)(=|$)/.test(arg))) {
    throw new CliUsageError('--token and --json do not apply to `device remember`, which prints the device as JSON');
  }
  return { kind: 'device-remember', config: command.config };
}

function parseFlags(argv: readonly string[]): Record<string, string | boolean | undefined> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const option of STRING_OPTIONS) options[option] = { type: 'string' };
  for (const option of BOOLEAN_OPTIONS) options[option] = { type: 'boolean' };
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageErrorFrom(error, argv);
  }
}

/** Node's own messages name options only, except the one for a stray argument, which quotes it. */
function usageErrorFrom(error: unknown, argv: readonly string[]): CliUsageError {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new CliUsageError('cognito-token takes no arguments besides options and `device remember`; see --help');
  }
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && argv.some((arg) => /^--(client-secret|totp-secret)(=|$)/.test(arg))) {
    return new CliUsageError(
      'secrets are never taken as options, because other users can read command lines with ps: ' +
        'pipe them to --client-secret-stdin / --totp-secret-stdin, or set COGNITO_CLIENT_SECRET / COGNITO_TOTP_SECRET',
    );
  }
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && argv.some((arg) => /^--password(=|$)/.test(arg))) {
    return new CliUsageError(
      'there is no --password option, because other users can read command lines with ps: ' +
        'pipe the password to --password-stdin, or set COGNITO_PASSWORD',
    );
  }
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    // Named only when it looks like one of ours (lower-case words and hyphens): anything else might be a
    // secret typed in the wrong place, and stderr often ends up in a CI log.
    const option = /^Unknown option '(-[^']*)'/.exec((error as Error).message)?.[1] ?? '';
    return new CliUsageError(
      /^--?[a-z][a-z-]*$/.test(option)
        ? `Unknown option '${option}'; see --help`
        : 'Unknown option (not shown: it does not look like an option name); see --help',
    );
  }
  const message = (error instanceof Error ? (error.message.split('\n')[0] as string) : String(error)).replace(
    /\.$/,
    '',
  );
  return new CliUsageError(`${message}; see --help`);
}

function parseBoolean(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  const normalized = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
  if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
  throw new CliUsageError(`${name} must be 1, true, yes or on, or 0, false, no or off`);
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

type TextReader = (option: StringOption) => Setting<string> | undefined;

interface CandidateWay {
  readonly source: Source;
  readonly labels: string;
  readonly choose: () => CliCredentialsChoice;
}

function chooseCredentials(text: TextReader, passwordStdin: Setting<boolean> | undefined, env: CliEnv) {
  const username = text('username');
  const ssmUsername = text('ssm-username');
  const ssmPassword = text('ssm-password');
  const ssmParameter = text('ssm-parameter');
  const secretId = text('secret-id');
  const ways: CandidateWay[] = [];
  if (username !== undefined) {
    ways.push({
      source: username.source,
      labels: username.label,
      choose: () => ({ kind: 'password', username: username.value, password: passwordFrom(passwordStdin, env) }),
    });
  }
  if (ssmUsername !== undefined || ssmPassword !== undefined) {
    const given = [ssmUsername, ssmPassword].filter((s) => s !== undefined);
    ways.push({
      source: given.some((s) => s.source === 'flag') ? 'flag' : 'env',
      labels: given.map((s) => s.label).join(' and '),
      choose: () => {
        if (ssmUsername === undefined || ssmPassword === undefined) {
          throw new CliUsageError('--ssm-username and --ssm-password go together: give both parameter names');
        }
        return { kind: 'ssm-named', usernameParameter: ssmUsername.value, passwordParameter: ssmPassword.value };
      },
    });
  }
  if (ssmParameter !== undefined) {
    ways.push({
      source: ssmParameter.source,
      labels: ssmParameter.label,
      choose: () => ({ kind: 'ssm-json', parameter: ssmParameter.value }),
    });
  }
  if (secretId !== undefined) {
    ways.push({
      source: secretId.source,
      labels: secretId.label,
      choose: () => ({ kind: 'secrets-manager', secretId: secretId.value }),
    });
  }
  const chosen = preferFlags(ways);
  if (chosen.length === 0) {
    throw new CliUsageError(
      'no credentials: give --username (password from --password-stdin or COGNITO_PASSWORD), ' +
        '--ssm-username with --ssm-password, --ssm-parameter, or --secret-id',
    );
  }
  if (chosen.length > 1) {
    throw new CliUsageError(`give credentials one way only, but got ${chosen.map((way) => way.labels).join(', and ')}`);
  }
  const credentials = (chosen[0] as CandidateWay).choose();
  if (credentials.kind !== 'password' && passwordStdin?.source === 'flag') {
    throw new CliUsageError(
      '--password-stdin goes with --username; with SSM or Secrets Manager the password comes from there',
    );
  }
  return credentials;
}

function passwordFrom(passwordStdin: Setting<boolean> | undefined, env: CliEnv): 'stdin' | 'env' {
  if (passwordStdin?.value === true) return 'stdin';
  if (isSet(env.COGNITO_PASSWORD)) return 'env';
  throw new CliUsageError('--username needs a password: pipe it to --password-stdin, or set COGNITO_PASSWORD');
}

function chooseClientSecret(
  ssmClientSecret: Setting<string> | undefined,
  stdin: Setting<boolean> | undefined,
  env: CliEnv,
): CliClientSecretChoice | undefined {
  const ways: Array<{ source: Source; labels: string; choice: CliClientSecretChoice }> = [];
  if (ssmClientSecret !== undefined) {
    ways.push({
      source: ssmClientSecret.source,
      labels: ssmClientSecret.label,
      choice: { from: 'ssm', parameter: ssmClientSecret.value },
    });
  }
  if (stdin?.value === true) ways.push({ source: stdin.source, labels: stdin.label, choice: { from: 'stdin' } });
  if (isSet(env.COGNITO_CLIENT_SECRET)) {
    ways.push({ source: 'env', labels: 'COGNITO_CLIENT_SECRET', choice: { from: 'env' } });
  }
  const chosen = preferFlags(ways);
  if (chosen.length > 1) {
    throw new CliUsageError(
      `give the client secret one way only, but got ${chosen.map((way) => way.labels).join(' and ')}`,
    );
  }
  return chosen[0]?.choice;
}

/** The candidates set on the command line if there are any, otherwise those set by variables. */
function preferFlags<T extends { readonly source: Source }>(candidates: readonly T[]): readonly T[] {
  const flagged = candidates.filter((candidate) => candidate.source === 'flag');
  return flagged.length > 0 ? flagged : candidates;
}
