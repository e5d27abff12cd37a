#!/usr/bin/env node
// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src, each with its own .d.ts files, so both `import`
// and `require` consumers get code and types in the module format they expect.
//
// One entry point per optional peer, as Powertools does: the package root imports no optional peer, and
// `cognito-token-provider/ssm` is the only module that imports @aws-sdk/client-ssm (and
// `cognito-token-provider/secrets-manager` the only one that imports @aws-sdk/client-secrets-manager). A user who
// bundles the SDK into a Lambda and does not use fromSsm therefore never makes their bundler look for the SSM
// client.
//
// The JavaScript is bundled with esbuild: a cold start (a Lambda's first request) pays for every module Node
// resolves, reads and compiles, and a few files cost about what one SDK import does, where tsc's one file per
// source module added about 10 ms. The ES module half is one build with code splitting, so the entry points
// share one copy of what they have in common (errors, the cache, retries). CommonJS has no code splitting: each
// entry point is a bundle of its own, and src/errors.ts makes `instanceof` hold across their copies. Nothing is
// minified, so the output reads like the source; @aws-sdk/* stay external (peer dependencies). No source maps:
// a map that works without src/ (which does not ship) must carry the sources, doubling the package.
// The declarations come from tsc (emitDeclarationOnly), one .d.ts per source module.
//
// Usage: npm run build
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const SRC = resolve('src');

/** The package's entry points: output name (under dist/esm and dist/cjs) → source. */
const ENTRY_POINTS = {
  index: 'src/index.ts',
  'ssm/index': 'src/ssm/index.ts',
  'secrets-manager/index': 'src/secrets-manager/index.ts',
  'dynamodb/index': 'src/dynamodb/index.ts',
  'redis/index': 'src/redis/index.ts',
  'testing/index': 'src/testing/index.ts',
};
/** The bin: ES modules only, as package.json "bin" names it. */
const BIN = { cli: 'src/cli/bin.ts' };

// A namespace import of the SDK bundled to CommonJS copies every SDK export on load; see that file.
const CJS_REPLACEMENTS = { [resolve('src/aws/optional-commands.ts')]: resolve('src/aws/optional-commands-cjs.ts') };

const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['@aws-sdk/*'],
  charset: 'utf8',
  sourcemap: false,
  minify: false,
  metafile: true,
  logLevel: 'warning',
};

/** Swaps the files CommonJS needs in place of their ES module forms. */
const replaceForCjs = {
  name: 'replace-for-cjs',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.ts$/ }, ({ path }) =>
      path in CJS_REPLACEMENTS
        ? { contents: readFileSync(CJS_REPLACEMENTS[path], 'utf8'), loader: 'ts', resolveDir: `${SRC}/aws` }
        : undefined,
    );
  },
};

function checkInputs(result, what) {
  const foreign = Object.keys(result.metafile.inputs).filter((input) => !resolve(input).startsWith(`${SRC}/`));
  if (foreign.length > 0) throw new Error(`${what}: bundles files from outside src: ${foreign.join(', ')}`);
}

async function buildEsm() {
  const result = await build({
    ...COMMON,
    entryPoints: { ...ENTRY_POINTS, ...BIN },
    outdir: 'dist/esm',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
  });
  checkInputs(result, 'dist/esm');
}

async function buildCjs(name, entry) {
  const outfile = `dist/cjs/${name}.js`;
  const result = await build({
    ...COMMON,
    entryPoints: [entry],
    outfile,
    format: 'cjs',
    plugins: [replaceForCjs],
  });
  checkInputs(result, outfile);
  const code = readFileSync(outfile, 'utf8');
  if (/__toESM\(require\("@aws-sdk\//.test(code)) {
    throw new Error(`${outfile}: copies the exports of an @aws-sdk module (a namespace import bundled to CommonJS)`);
  }
}

function run(file, args) {
  return promisify(execFile)(process.execPath, [file, ...args]).catch((error) => {
    throw new Error(`${[file, ...args].join(' ')} failed:\n${error.stdout}${error.stderr}`);
  });
}

rmSync('dist', { recursive: true, force: true });
// The package is "type": "module"; this marks the CommonJS half as such for Node and for TypeScript. Written
// first, so that nothing reading dist/cjs during the build takes its files for ES modules.
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
await Promise.all([
  buildEsm(),
  ...Object.entries(ENTRY_POINTS).map(([name, entry]) => buildCjs(name, entry)),
  // Declarations only (tsconfig.build.json), one run per half: tsconfig.cjs.json gives the CommonJS ones.
  run(tsc, ['-p', 'tsconfig.build.json']),
  run(tsc, ['-p', 'tsconfig.cjs.json']),
]);

chmodSync('dist/esm/cli.js', 0o755);
