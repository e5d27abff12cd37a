// '#ssm-client-loader' for plain Node (package.json "imports", conditions "import" and "require"): the optional
// peer dependency @aws-sdk/client-ssm is loaded on fromSsm's first read, so the package root still loads where
// it is not installed. TypeScript resolves '#ssm-client-loader' to this file (tsconfig.json "paths").
import { CognitoTokenError } from './errors.js';

/**
 * Loads ./ssm-client.js, and with it @aws-sdk/client-ssm. A missing peer dependency fails this read with
 * `ERR_CONFIGURATION`; Node does not remember a failed import, so the next read tries again.
 *
 * @example
 * ```ts
 * const { ssmGetParameters } = await loadSsmClient();
 * ```
 */
export function loadSsmClient(): Promise<typeof import('./ssm-client.js')> {
  return import('./ssm-client.js').catch((error: unknown) => {
    throw new CognitoTokenError(
      'ERR_CONFIGURATION',
      'fromSsm needs the optional peer dependency @aws-sdk/client-ssm: npm install @aws-sdk/client-ssm',
      { cause: error },
    );
  });
}
