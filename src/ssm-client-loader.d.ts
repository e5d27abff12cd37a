// What TypeScript sees for '#ssm-client-loader' (tsconfig.json "paths", for the typecheck and the declaration
// builds; no emitted .d.ts mentions it): the lazy loader's signature, which the eager one shares. The specifier never
// reaches run time: scripts/build.mjs bundles ssm-client-eager.ts in its place for bundlers and
// ssm-client-lazy.ts for Node, and vitest.config.ts aliases it to the lazy one.
//
// A declaration file on purpose: esbuild applies tsconfig.json "paths" too, whenever it bundles from this
// repository. Finding no JavaScript here, a bundle of src without a file chosen for '#ssm-client-loader' fails
// instead of silently getting one of the two loaders.
export { loadSsmClient } from './ssm-client-lazy.js';
