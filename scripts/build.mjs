#!/usr/bin/env node
// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src with tsc, each with its own .d.ts files, so
// both `import` and `require` consumers get code and types in the module format they expect.
// Usage: npm run build
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

rmSync('dist', { recursive: true, force: true });
for (const project of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
}
// The package is "type": "module"; this marks the CommonJS half as such for Node and for TypeScript. Being the
// nearest package.json, it is also where Node and bundlers look up the '#...' imports of dist/cjs files, so it
// repeats the root "imports" for them: the static SSM client loader for bundlers, the lazy one for Node.
const cjsImports = { '#ssm-client-loader': { module: './ssm-client-eager.js', default: './ssm-client-lazy.js' } };
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs', imports: cjsImports })}\n`);
for (const bin of ['dist/esm/cli.js', 'dist/cjs/cli.js']) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
