// '#ssm-client-loader' in everything plain Node runs (scripts/build.mjs bundles it into dist/esm/index.js,
// dist/cjs/index.js and the bin): the optional peer dependency @aws-sdk/client-ssm is loaded on fromSsm's first
// read, so the package root still loads where it is not installed, and an import of the root reads one file.
// TypeScript sees this file's signature for '#ssm-client-loader' (tsconfig.json "paths", through
// ssm-client-loader.d.ts).
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
