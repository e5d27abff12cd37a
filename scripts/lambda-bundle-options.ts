// The esbuild settings of a Lambda user's handler bundle, shared by scripts/bundle-size.ts and
// scripts/check-tree-shaking.ts so both measure what users ship: minified ESM for Node 20, dependencies'
// ES module builds first (mainFields module,main, as CDK's NodejsFunction can be told), so the SDK tree-shakes.
import type { BuildOptions } from 'esbuild';

export const LAMBDA_BUNDLE_OPTIONS = {
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  write: false,
  metafile: true,
  logLevel: 'error',
} as const satisfies BuildOptions;
