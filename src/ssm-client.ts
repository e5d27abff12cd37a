// The only module that imports @aws-sdk/client-ssm at run time. fromSsm loads it with a dynamic import on its
// first read, so the package root still loads where the optional SSM peer dependency is not installed, and a
// bundler that sees no fromSsm call drops it with everything it imports.
import {
  GetParametersCommand,
  type GetParametersCommandOutput,
  SSMClient,
  type SSMClientConfig,
} from '@aws-sdk/client-ssm';

/**
 * Builds the SSM client fromSsm owns. `maxAttempts: 1` because fromSsm runs its own bounded back-off for
 * throttling; SDK retries underneath would multiply the attempts. An explicit `clientConfig.maxAttempts` wins.
 */
export function createSsmClient(clientConfig: SSMClientConfig | undefined): SSMClient {
  return new SSMClient({ maxAttempts: 1, ...clientConfig });
}

/** One GetParameters request for every name, decrypting SecureString values. */
export function getParameters(
  client: SSMClient,
  names: readonly string[],
  abortSignal: AbortSignal,
): Promise<GetParametersCommandOutput> {
  return client.send(new GetParametersCommand({ Names: [...names], WithDecryption: true }), { abortSignal });
}
