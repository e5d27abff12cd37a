#!/usr/bin/env node
// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src with tsc, each with its own .d.ts files, so
// both `import` and `require` consumers get code and types in the module format they expect.
// Usage: npm run build
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

rmSync('dist', { recursive: true, force: true });
for (const project of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
}
// The package is "type": "module"; this marks the CommonJS half as such for Node and for TypeScript.
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
// That file is also the nearest package.json of every dist/cjs file, where Node would look up a '#...' import,
// and an "imports" field there is one publint rejects. So the CommonJS half requires its '#...' targets by
// relative path: the lazy SSM client loader, which is what Node needs (the root "imports" serve dist/esm).
const CJS_IMPORTS = { '#ssm-client-loader': './ssm-client-lazy.js' };
for (const file of readdirSync('dist/cjs').filter((name) => name.endsWith('.js'))) {
  const path = `dist/cjs/${file}`;
  const code = readFileSync(path, 'utf8');
  const rewritten = code.replace(/require\("(#[^"]+)"\)/g, (_call, specifier) => {
    if (!(specifier in CJS_IMPORTS)) throw new Error(`${path}: no CommonJS target for ${specifier} in build.mjs`);
    return `require(${JSON.stringify(CJS_IMPORTS[specifier])})`;
  });
  if (rewritten !== code) writeFileSync(path, rewritten);
}
for (const bin of ['dist/esm/cli.js', 'dist/cjs/cli.js']) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
