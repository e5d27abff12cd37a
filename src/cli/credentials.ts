import { type CognitoCredentials, CognitoTokenError, type CredentialsSource } from '../index.js';
import type { SsmClientChoice } from '../ssm/index.js';
import type { CliConfig } from './args.js';

/** The SSM client settings the CLI hands to fromSsm (a type from the public `/ssm` entry point). */
export type SsmClientConfig = NonNullable<SsmClientChoice['clientConfig']>;

/** The secrets the command read itself, from stdin or the environment, before any request. */
export interface CliSecrets {
  readonly password?: string | undefined;
  readonly clientSecret?: string | undefined;
  readonly totpSecret?: string | undefined;
}

/**
 * Turns the command's credentials choice into a source for `createTokenProvider`. SSM names are read in one
 * `GetParameters` call where fromSsm allows it (username, password and secret together); a secret given on
 * stdin or in `COGNITO_CLIENT_SECRET` wins over one found in an `--ssm-parameter` JSON. `onLoaded` sees every
 * value loaded, so the command can keep them out of anything it prints.
 */
export function cliCredentials(
  config: CliConfig,
  secrets: CliSecrets,
  ssmClientConfig: SsmClientConfig,
  onLoaded: (values: readonly (string | undefined)[]) => void,
): CredentialsSource {
  const { credentials, clientSecret } = config;
  const secretParameter = clientSecret?.from === 'ssm' ? clientSecret.parameter : undefined;
  let sources: Promise<{ user: CredentialsSource; separateSecret: CredentialsSource | undefined }> | undefined;
  // Built on the first read, and the SSM entry point imported only then: a command that reads no SSM
  // parameter runs where the optional @aws-sdk/client-ssm is not installed.
  const buildSources = async () => {
    if (credentials.kind === 'password') {
      const fixed = { username: credentials.username, password: secrets.password };
      const separateSecret =
        secretParameter === undefined ? undefined : await ssmSource({ clientSecret: secretParameter });
      return { user: async () => fixed, separateSecret };
    }
    if (credentials.kind === 'ssm-named') {
      const user = await ssmSource({
        username: credentials.usernameParameter,
        password: credentials.passwordParameter,
        ...(secretParameter === undefined ? {} : { clientSecret: secretParameter }),
      });
      return { user, separateSecret: undefined };
    }
    const user =
      credentials.kind === 'ssm-json'
        ? await ssmSource({ parameter: credentials.parameter })
        : await secretsManagerSource(credentials.secretId);
    const separateSecret =
      secretParameter === undefined ? undefined : await ssmSource({ clientSecret: secretParameter });
    return { user, separateSecret };
  };
  const ssmSource = async (names: Record<string, string>): Promise<CredentialsSource> => {
    const { fromSsm } = await import('../ssm/index.js').catch((error: unknown) => {
      throw new CognitoTokenError(
        'ERR_CONFIGURATION',
        'Reading SSM parameters needs the optional peer dependency @aws-sdk/client-ssm: npm install @aws-sdk/client-ssm',
        { cause: error },
      );
    });
    return fromSsm({ ...names, clientConfig: ssmClientConfig } as Parameters<typeof fromSsm>[0]);
  };
  // Read in the Region SSM is read in; imported only when asked for, like the SSM entry point.
  const secretsManagerSource = async (secretId: string): Promise<CredentialsSource> => {
    const { fromSecretsManager } = await import('../secrets-manager/index.js').catch((error: unknown) => {
      throw new CognitoTokenError(
        'ERR_CONFIGURATION',
        'Reading a Secrets Manager secret needs the optional peer dependency @aws-sdk/client-secrets-manager: ' +
          'npm install @aws-sdk/client-secrets-manager',
        { cause: error },
      );
    });
    const { region } = ssmClientConfig;
    return fromSecretsManager({ secretId, clientConfig: region === undefined ? {} : { region } });
  };
  return async (options) => {
    sources ??= buildSources();
    // A failed import is not remembered: the next read tries again.
    sources.catch(() => {
      sources = undefined;
    });
    const { user, separateSecret } = await sources;
    const [loaded, extra] = await Promise.all([user(options), separateSecret?.(options)]);
    const { device } = loaded;
    onLoaded([
      loaded.password,
      loaded.clientSecret,
      extra?.clientSecret,
      loaded.totpSecret,
      device?.key,
      device?.groupKey,
      device?.password,
    ]);
    const secret = secrets.clientSecret ?? extra?.clientSecret ?? loaded.clientSecret;
    const totpSecret = secrets.totpSecret ?? loaded.totpSecret;
    return {
      username: loaded.username,
      password: loaded.password,
      ...(secret === undefined ? {} : { clientSecret: secret }),
      ...(totpSecret === undefined ? {} : { totpSecret }),
      // A remembered device in an --ssm-parameter JSON signs in as that device.
      ...(device === undefined ? {} : { device }),
    } satisfies CognitoCredentials;
  };
}
