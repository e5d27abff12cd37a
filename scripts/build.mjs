#!/usr/bin/env node
// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from src, each with its own .d.ts files, so both `import`
// and `require` consumers get code and types in the module format they expect.
//
// The JavaScript is bundled with esbuild, one file per entry point: a cold start (a Lambda's first request)
// pays for every module Node resolves, reads and compiles, and one file costs about what one SDK import does,
// where tsc's one file per source module added about 10 ms. Nothing is minified, so the output reads like the
// source; each module's code follows a `// src/<file>.ts` comment. @aws-sdk/* stay external (peer
// dependencies), and so do the few modules that must stay files of their own (SEPARATE below).
// The declarations come from tsc (emitDeclarationOnly), one .d.ts per source module as before.
// No source maps: the output is unminified, so a stack trace points at readable code under its source file's
// comment, and a map that works without src/ (which does not ship) must carry the sources, doubling the package.
//
// Usage: npm run build
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const SRC = resolve('src');

// Imported by the bundles, never bundled into them: ./ssm-client.js, the one module that imports the optional
// @aws-sdk/client-ssm, so that plain Node loads it only on fromSsm's first read.
const SEPARATE = { './ssm-client.js': './ssm-client.js' };
// '#ssm-client-loader' is an alias that each bundle resolves here (package.json has no "imports" for it): the
// lazy loader, a dynamic import() of ./ssm-client.js, for everything Node runs; the eager one, a static import,
// for bundlers, which then tree-shake @aws-sdk/client-ssm down to the one command fromSsm sends.
const LAZY_LOADER = { '#ssm-client-loader': 'src/ssm-client-lazy.ts' };
const EAGER_LOADER = { '#ssm-client-loader': 'src/ssm-client-eager.ts' };
// A namespace import of the SDK bundled to CommonJS copies every SDK export on load; see that file.
const CJS_SDK_ACCESS = { './cognito-optional-commands.js': 'src/cognito-optional-commands-cjs.ts' };

/**
 * The bundles. `external` maps an import to the specifier the output keeps; `replace` maps it to the file
 * bundled in its place. Bundles that share a `loadedTogether` group can be in one process together, so they must not share a
 * source module: two copies of errors.ts would be two CognitoTokenError classes, and `instanceof` would fail.
 *
 * The package root has two ES module bundles, which package.json "exports" tells apart by condition: "module"
 * (index.bundler.js) comes first, then "import" (index.js). They never meet in one program. Node does not apply
 * "module" (unless started with --conditions=module, which then picks the bundler file for import and require
 * alike), so it loads index.js, one file at import time, the fastest cold start. Bundlers (esbuild, webpack,
 * rollup) apply "module" to `import` and `require` alike, so a bundle holds index.bundler.js and nothing else of
 * the root: never index.js, nor the CommonJS half either. test/package/module-entries.test.ts checks both.
 */
const BUNDLES = [
  {
    entry: 'src/index.ts',
    outfile: 'dist/esm/index.js',
    format: 'esm',
    loadedTogether: ['node-esm'],
    external: SEPARATE,
    replace: LAZY_LOADER,
  },
  {
    entry: 'src/index.ts',
    outfile: 'dist/esm/index.bundler.js',
    format: 'esm',
    loadedTogether: ['bundler'],
    external: SEPARATE,
    replace: EAGER_LOADER,
  },
  {
    entry: 'src/ssm-client.ts',
    outfile: 'dist/esm/ssm-client.js',
    format: 'esm',
    loadedTogether: ['node-esm', 'bundler', 'bin'],
    external: SEPARATE,
  },
  {
    // The bin runs in a process of its own: it holds its own copy of the library, with the lazy loader inside.
    entry: 'src/cli.ts',
    outfile: 'dist/esm/cli.js',
    format: 'esm',
    loadedTogether: ['bin'],
    external: SEPARATE,
    replace: LAZY_LOADER,
  },
  {
    entry: 'src/index.ts',
    outfile: 'dist/cjs/index.js',
    format: 'cjs',
    loadedTogether: ['cjs'],
    external: SEPARATE,
    replace: { ...LAZY_LOADER, ...CJS_SDK_ACCESS },
  },
  {
    entry: 'src/ssm-client.ts',
    outfile: 'dist/cjs/ssm-client.js',
    format: 'cjs',
    loadedTogether: ['cjs'],
    external: SEPARATE,
  },
];

/** Applies a bundle's `external` and `replace` maps; every other import of src is bundled as usual. */
function separateModules({ external = {}, replace = {} }) {
  return {
    name: 'separate-modules',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^(#|\.\/)/ }, ({ path, importer, kind }) => {
        if (kind === 'entry-point') return undefined;
        // src is flat, so a specifier names the same module whichever src file imports it.
        if (!importer.startsWith(`${SRC}/`) || importer.slice(SRC.length + 1).includes('/')) {
          throw new Error(`${importer}: only modules directly in src/ are expected in a bundle`);
        }
        if (path in replace) return { path: resolve(replace[path]) };
        if (path in external) return { path: external[path], external: true };
        // Nothing would map it in the output: package.json has no "imports".
        if (path.startsWith('#')) throw new Error(`${importer}: no file given for '${path}' in this bundle`);
        return undefined;
      });
    },
  };
}

async function bundle(spec) {
  const result = await build({
    entryPoints: [spec.entry],
    outfile: spec.outfile,
    format: spec.format,
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: ['@aws-sdk/*'],
    // CommonJS loads ./ssm-client.js with require() (which Node retries after a failure), as tsc's output did.
    supported: spec.format === 'cjs' ? { 'dynamic-import': false } : {},
    charset: 'utf8',
    sourcemap: false,
    minify: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [separateModules(spec)],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const foreign = inputs.filter((input) => !resolve(input).startsWith(`${SRC}/`));
  if (foreign.length > 0) throw new Error(`${spec.outfile}: bundles files from outside src: ${foreign.join(', ')}`);
  return { ...spec, inputs };
}

function run(file, args) {
  return promisify(execFile)(process.execPath, [file, ...args]).catch((error) => {
    throw new Error(`${[file, ...args].join(' ')} failed:\n${error.stdout}${error.stderr}`);
  });
}

rmSync('dist', { recursive: true, force: true });
const [bundles] = await Promise.all([
  Promise.all(BUNDLES.map(bundle)),
  // Declarations only (tsconfig.build.json), one run per half: tsconfig.cjs.json gives the CommonJS ones.
  run(tsc, ['-p', 'tsconfig.build.json']),
  run(tsc, ['-p', 'tsconfig.cjs.json']),
]);

for (const group of new Set(BUNDLES.flatMap((spec) => spec.loadedTogether))) {
  const seen = new Map();
  for (const { outfile, inputs, loadedTogether: groups } of bundles) {
    if (!groups.includes(group)) continue;
    for (const input of inputs) {
      if (seen.has(input)) throw new Error(`${input} is bundled into both ${seen.get(input)} and ${outfile}`);
      seen.set(input, outfile);
    }
  }
}
for (const { outfile, format } of bundles) {
  if (format !== 'cjs') continue;
  const code = readFileSync(outfile, 'utf8');
  if (/__toESM\(require\("@aws-sdk\//.test(code)) {
    throw new Error(`${outfile}: copies the exports of an @aws-sdk module (a namespace import bundled to CommonJS)`);
  }
}

// The package is "type": "module"; this marks the CommonJS half as such for Node and for TypeScript.
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
// The bundler entry exports what index.ts does; tsc emits no declaration for it, having no source file of that
// name. Written to both halves, as tsc does for every source module, so that each half declares the same files.
for (const half of ['esm', 'cjs']) writeFileSync(`dist/${half}/index.bundler.d.ts`, "export * from './index.js';\n");
chmodSync('dist/esm/cli.js', 0o755);
