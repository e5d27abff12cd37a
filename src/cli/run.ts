import { describeCause } from '../core/redaction.js';
import { regionOfUserPoolId } from '../core/user-pool-id.js';
import { CognitoTokenError, createTokenProvider, rememberDevice } from '../index.js';
import { type CliConfig, type CliEnv, parseCliArgs } from './args.js';
import { type CliSecrets, cliCredentials, type SsmClientConfig } from './credentials.js';
import { classifyCliError } from './exit-codes.js';
import { CLI_HELP } from './help.js';
import { formatError, formatTokens } from './output.js';
import { splitStdinSecrets } from './stdin.js';

/** Everything the command touches outside itself, so tests can run it in-process. */
export interface CliIo {
  /** The arguments after the command name. */
  readonly argv: readonly string[];
  readonly env: CliEnv;
  /**
   * All of stdin (or, past its size limit, enough of it to refuse it), read only when `--password-stdin`,
   * `--client-secret-stdin` or `--totp-secret-stdin` asks for it.
   */
  readStdin(): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The package version, for `--version`. */
  version(): string;
}

/**
 * Runs `cognito-token` once and resolves with its exit status; it never rejects. On success stdout receives
 * the token and a newline (or the `--json` line; for `device remember`, the device's JSON line) and nothing
 * else; on failure stderr receives one
 * `cognito-token: ERR_CODE: message` line, with every secret the command has seen cut out.
 */
export async function runCli(io: CliIo): Promise<number> {
  // Known before anything is parsed, so even a usage error cannot echo them.
  const secrets: (string | undefined)[] = [
    io.env.COGNITO_PASSWORD,
    io.env.COGNITO_CLIENT_SECRET,
    io.env.COGNITO_TOTP_SECRET,
  ];
  try {
    const command = parseCliArgs(io.argv, io.env);
    if (command.kind === 'help') {
      io.stdout(CLI_HELP);
      return 0;
    }
    if (command.kind === 'version') {
      io.stdout(`${io.version()}\n`);
      return 0;
    }
    const { config } = command;
    const read = await readSecrets(config, io, secrets);
    const keepOut = (values: readonly (string | undefined)[]) => secrets.push(...values);
    if (command.kind === 'device-remember') {
      const credentials = cliCredentials(config, read, ssmClientConfig(config, io.env), keepOut);
      const device = await rememberDevice({
        clientId: config.clientId,
        ...(config.region === undefined ? {} : { region: config.region }),
        ...(config.userPoolId === undefined ? {} : { userPoolId: config.userPoolId }),
        flow: config.flow,
        credentials,
      });
      keepOut([device.key, device.groupKey, device.password]);
      const { key: deviceKey, groupKey: deviceGroupKey, password: devicePassword } = device;
      io.stdout(`${JSON.stringify({ deviceKey, deviceGroupKey, devicePassword })}\n`);
      return 0;
    }
    const provider = createTokenProvider({
      clientId: config.clientId,
      ...(config.region === undefined ? {} : { region: config.region }),
      ...(config.userPoolId === undefined ? {} : { userPoolId: config.userPoolId }),
      flow: config.flow,
      credentials: cliCredentials(config, read, ssmClientConfig(config, io.env), keepOut),
    });
    const tokens = await provider.getTokens();
    io.stdout(formatTokens(tokens, config));
    return 0;
  } catch (error) {
    const { code, exitCode } = classifyCliError(error);
    const message = code === 'ERR_INTERNAL' ? describeCause(error, secrets) : (error as Error).message;
    io.stderr(formatError(code, message, secrets));
    return exitCode;
  }
}

async function readSecrets(config: CliConfig, io: CliIo, secrets: (string | undefined)[]): Promise<CliSecrets> {
  const passwordOnStdin = config.credentials.kind === 'password' && config.credentials.password === 'stdin';
  const secretOnStdin = config.clientSecret?.from === 'stdin';
  const totpOnStdin = config.totpSecret === 'stdin';
  const names = [
    ...(passwordOnStdin ? ['password'] : []),
    ...(secretOnStdin ? ['client secret'] : []),
    ...(totpOnStdin ? ['TOTP secret'] : []),
  ];
  let lines: string[] = [];
  if (names.length > 0) {
    let text: string;
    try {
      text = await io.readStdin();
    } catch (error) {
      throw new CognitoTokenError('ERR_CREDENTIALS', `Could not read stdin: ${describeCause(error, [])}`, {
        cause: error,
      });
    }
    // Before the split, which may refuse the text: a refusal must not be able to quote any of it. One push per
    // line: spreading thousands of lines into one call overflows the stack.
    for (const line of text.split(/\r?\n/)) secrets.push(line);
    lines = splitStdinSecrets(text, names);
  }
  const password = passwordOnStdin
    ? lines[0]
    : config.credentials.kind === 'password'
      ? io.env.COGNITO_PASSWORD
      : undefined;
  const clientSecret = secretOnStdin
    ? lines[names.indexOf('client secret')]
    : config.clientSecret?.from === 'env'
      ? io.env.COGNITO_CLIENT_SECRET
      : undefined;
  const totpSecret = totpOnStdin
    ? lines[names.indexOf('TOTP secret')]
    : config.totpSecret === 'env'
      ? io.env.COGNITO_TOTP_SECRET
      : undefined;
  return { password, clientSecret, totpSecret };
}

/** SSM is read where the SDK would read it (AWS_REGION), falling back on the user pool's Region. */
function ssmClientConfig(config: CliConfig, env: CliEnv): SsmClientConfig {
  const region =
    env.AWS_REGION ||
    config.region ||
    (config.userPoolId === undefined ? undefined : regionOfUserPoolId(config.userPoolId));
  return region === undefined ? {} : { region };
}
