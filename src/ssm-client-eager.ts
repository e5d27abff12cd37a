// '#ssm-client-loader' for bundlers: scripts/build.mjs bundles it into dist/esm/index.bundler.js, which
// package.json "exports" gives under the condition "module" (esbuild, webpack and rollup apply it, Node does
// not). A static import lets the bundler tree-shake @aws-sdk/client-ssm down to the
// one command fromSsm sends; behind a dynamic import() it would keep every SSM command. A bundle that needs the
// peer dependency has it inside or marks it external, so there is no missing-package case to handle here.
import { ssmGetParameters } from './ssm-client.js';
import type { loadSsmClient as lazyLoadSsmClient } from './ssm-client-lazy.js';

/**
 * Returns the exports of ./ssm-client.js, already loaded; same signature as the lazy loader, which TypeScript
 * checks. An object literal rather than the namespace (`import * as`), which would cost a bundle the helper
 * that builds namespace objects.
 *
 * @example
 * ```ts
 * const { ssmGetParameters } = await loadSsmClient();
 * ```
 */
export const loadSsmClient: typeof lazyLoadSsmClient = async () => ({ ssmGetParameters });
