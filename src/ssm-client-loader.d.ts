// What TypeScript sees for '#ssm-client-loader' (tsconfig.json "paths", for typecheck and both tsc builds, which
// keep the specifier as written): the lazy loader's signature, which the eager one shares. At run time
// package.json "imports" picks ssm-client-eager.js for bundlers and ssm-client-lazy.js for Node.
//
// A declaration file on purpose: esbuild applies tsconfig.json "paths" too, also to dist/ when it bundles the
// built package from this repository (bundle size, tree shaking). Here it finds no JavaScript, so it falls back
// to package.json "imports" as a user's bundler does. "paths" to src/ssm-client-lazy.ts would pull the src lazy
// loader, and with it every SSM command, into those bundles of dist.
export { loadSsmClient } from './ssm-client-lazy.js';
