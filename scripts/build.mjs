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

// Imported by the bundles, never bundled into them: '#ssm-client-loader' is left for package.json "imports" to
// pick (the eager loader for bundlers, which lets them tree-shake @aws-sdk/client-ssm, the lazy one for Node),
// and ./ssm-client.js, the one module that imports the optional @aws-sdk/client-ssm, is loaded by the loaders.
const SEPARATE = { '#ssm-client-loader': '#ssm-client-loader', './ssm-client.js': './ssm-client.js' };
// In place of '#ssm-client-loader', inside a bundle: what Node needs, which is the lazy loader. The CommonJS
// half cannot leave the import to the root "imports" (those point into dist/esm), and dist/cjs/package.json is
// the nearest package.json of its files, where an "imports" field of its own is one publint rejects.
const LAZY_LOADER_INSIDE = { '#ssm-client-loader': 'src/ssm-client-lazy.ts' };
// A namespace import of the SDK bundled to CommonJS copies every SDK export on load; see that file.
const CJS_SDK_ACCESS = { './cognito-optional-commands.js': 'src/cognito-optional-commands-cjs.ts' };

/**
 * The bundles. `external` maps an import to the specifier the output keeps; `replace` maps it to the file
 * bundled in its place. Bundles that share a `loadedTogether` group can be in one process together, so they must not share a
 * source module: two copies of errors.ts would be two CognitoTokenError classes, and `instanceof` would fail.
 */
const BUNDLES = [
  {
    entry: 'src/index.ts',
    outfile: 'dist/esm/index.js',
    format: 'esm',
    loadedTogether: ['esm'],
    external: SEPARATE,
  },
  {
    entry: 'src/ssm-client-eager.ts',
    outfile: 'dist/esm/ssm-client-eager.js',
    format: 'esm',
    loadedTogether: ['esm'],
    external: SEPARATE,
  },
  {
    entry: 'src/ssm-client-lazy.ts',
    outfile: 'dist/esm/ssm-client-lazy.js',
    format: 'esm',
    loadedTogether: ['esm'],
    // Its CognitoTokenError must be the one users catch, so it comes from the package's own bundle. That is an
    // import cycle (index.js imports this file), which is safe: the class is read when a load fails, not before.
    external: { ...SEPARATE, './errors.js': './index.js' },
  },
  {
    entry: 'src/ssm-client.ts',
    outfile: 'dist/esm/ssm-client.js',
    format: 'esm',
    loadedTogether: ['esm', 'bin'],
    external: SEPARATE,
  },
  {
    // The bin runs in a process of its own: it holds its own copy of the library, with the lazy loader inside.
    entry: 'src/cli.ts',
    outfile: 'dist/esm/cli.js',
    format: 'esm',
    loadedTogether: ['bin'],
    external: SEPARATE,
    replace: LAZY_LOADER_INSIDE,
  },
  {
    entry: 'src/index.ts',
    outfile: 'dist/cjs/index.js',
    format: 'cjs',
    loadedTogether: ['cjs'],
    external: SEPARATE,
    replace: { ...LAZY_LOADER_INSIDE, ...CJS_SDK_ACCESS },
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
  if (/require\("#/.test(code)) throw new Error(`${outfile}: requires a '#...' specifier, which dist/cjs cannot map`);
}

// The package is "type": "module"; this marks the CommonJS half as such for Node and for TypeScript.
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
chmodSync('dist/esm/cli.js', 0o755);
