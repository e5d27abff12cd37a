import type { SSMClientConfig } from '@aws-sdk/client-ssm';
import type { CliConfig } from './cli-args.js';
import type { CognitoCredentials, CredentialsSource } from './credentials.js';
import { fromSsm } from './ssm-credentials.js';

/** The secrets the command read itself, from stdin or the environment, before any request. */
export interface CliSecrets {
  readonly password?: string;
  readonly clientSecret?: string;
}

/**
 * Turns the command's credentials choice into a source for `createTokenProvider`. SSM names are read in one
 * `GetParameters` call where fromSsm allows it (username, password and secret together); a secret given on
 * stdin or in `COGNITO_CLIENT_SECRET` wins over one found in an `--ssm-parameter` JSON. `onLoaded` sees every
 * value loaded, so the command can keep them out of anything it prints.
 *
 * @example
 * ```ts
 * const credentials = cliCredentials(config, { password }, { region: 'eu-west-1' }, (values) => seen.push(...values));
 * ```
 */
export function cliCredentials(
  config: CliConfig,
  secrets: CliSecrets,
  ssmClientConfig: SSMClientConfig,
  onLoaded: (values: readonly (string | undefined)[]) => void,
): CredentialsSource {
  const { credentials, clientSecret } = config;
  const secretParameter = clientSecret?.from === 'ssm' ? clientSecret.parameter : undefined;
  let user: CredentialsSource;
  let separateSecret: CredentialsSource | undefined;
  if (credentials.kind === 'password') {
    const fixed = { username: credentials.username, password: secrets.password };
    user = async () => fixed;
  } else if (credentials.kind === 'ssm-named') {
    user = fromSsm({
      username: credentials.usernameParameter,
      password: credentials.passwordParameter,
      ...(secretParameter === undefined ? {} : { clientSecret: secretParameter }),
      clientConfig: ssmClientConfig,
    });
  } else {
    user = fromSsm({ parameter: credentials.parameter, clientConfig: ssmClientConfig });
  }
  if (secretParameter !== undefined && credentials.kind !== 'ssm-named') {
    separateSecret = fromSsm({ clientSecret: secretParameter, clientConfig: ssmClientConfig });
  }
  return async (options) => {
    const [loaded, extra] = await Promise.all([user(options), separateSecret?.(options)]);
    onLoaded([loaded.password, loaded.clientSecret, extra?.clientSecret]);
    const secret = secrets.clientSecret ?? extra?.clientSecret ?? loaded.clientSecret;
    const combined: CognitoCredentials = { username: loaded.username, password: loaded.password };
    return secret === undefined ? combined : { ...combined, clientSecret: secret };
  };
}
