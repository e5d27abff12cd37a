// The only module that imports @aws-sdk/client-ssm at run time, and only its bare client and the one command
// fromSsm sends, so a bundler keeps nothing else of the SSM SDK. '#ssm-client-loader' decides how it is loaded:
// statically for bundlers, lazily in plain Node, where the optional peer dependency may be missing.
import {
  GetParametersCommand,
  type GetParametersCommandOutput,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';

/** Sends one GetParameters request for the given names, decrypting SecureString values. */
export type GetParameters = (names: string[], abortSignal: AbortSignal) => Promise<GetParametersCommandOutput>;

/**
 * Binds GetParameters to `client`, or to a client built from `clientConfig` right now, once per source.
 * `maxAttempts: 1` because fromSsm runs its own bounded back-off for throttling: SDK retries underneath would
 * multiply the attempts. An explicit `clientConfig.maxAttempts` wins.
 *
 * @example
 * ```ts
 * const getParameters = ssmGetParameters(undefined, { region: 'eu-west-1' });
 * const { Parameters } = await getParameters(['/svc/orders/cognito'], AbortSignal.timeout(5000));
 * ```
 */
export function ssmGetParameters(
  client: SSMClient | undefined,
  clientConfig: SSMClientConfig | undefined,
): GetParameters {
  const ssm = client ?? new SSMClient({ maxAttempts: 1, ...clientConfig });
  return (Names, abortSignal) => ssm.send(new GetParametersCommand({ Names, WithDecryption: true }), { abortSignal });
}
