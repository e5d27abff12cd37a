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
// resolves, reads and compiles, and each file costs Node about a millisecond to link, whatever its size.
// - The ES module root is dist/esm/index.js and one chunk. One code-split build of all the entry points gave the
//   root seven chunks (9-10 ms to import with the SDK already loaded, against 3.7 ms for the same code in one
//   file), so the split build has two entries only: the root, and dist/esm/shared.js, which re-exports every
//   module of the root's that another entry point imports. The other entry points (and the bin) are built on
//   their own, with those imports pointed at shared.js and at the other entries' files. So the ES module entries
//   still share one copy of the errors, the cache and the retries, and a bundler sees each module once.
// - CommonJS has no code splitting: each entry point is a bundle of its own, and src/errors.ts makes `instanceof`
//   hold across their copies.
// Nothing is minified, so the output reads like the source; @aws-sdk/* stay external (peer dependencies). No
// source maps: a map that works without src/ (which does not ship) must carry the sources, doubling the package.
// The declarations come from tsc (emitDeclarationOnly), one .d.ts per source module.
//
// Usage: npm run build
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
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
  const foreign = Object.keys(result.metafile.inputs).filter(
    (input) => !input.startsWith(`${SHARED}:`) && !resolve(input).startsWith(`${SRC}/`),
  );
  if (foreign.length > 0) throw new Error(`${what}: bundles files from outside src: ${foreign.join(', ')}`);
}

/** The module that re-exports, for the other ES module entry points, what they import of the root's code. */
const SHARED = 'shared';
const RESOLVING = Symbol('resolving');
const ENTRY_SOURCES = new Map(Object.entries(ENTRY_POINTS).map(([name, entry]) => [resolve(entry), name]));

/** The source files the root entry point bundles. */
async function rootModules() {
  const probe = await build({ ...COMMON, entryPoints: [ENTRY_POINTS.index], outfile: 'root.js', write: false });
  return new Set(Object.keys(probe.metafile.inputs).map((input) => resolve(input)));
}

/**
 * Builds one non-root ES module entry point on its own. An import of another entry point becomes an import of
 * that entry's file, and an import of a module the root bundles becomes an import of shared.js; `reached`
 * collects those modules.
 */
async function buildEsmEntry(name, entry, root, reached) {
  const outfile = `dist/esm/${name}.js`;
  const fromOutput = (target) => {
    const path = relative(dirname(resolve(outfile)), resolve(`dist/esm/${target}.js`));
    return path.startsWith('.') ? path : `./${path}`;
  };
  const pointAtShared = {
    name: 'point-at-shared',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\./ }, async ({ path, kind, resolveDir, pluginData }) => {
        // The resolve below runs this callback again: that inner call leaves the path to esbuild.
        if (kind === 'entry-point' || pluginData === RESOLVING) return undefined;
        const resolved = await pluginBuild.resolve(path, { kind, resolveDir, pluginData: RESOLVING });
        const file = resolved.path;
        if (ENTRY_SOURCES.has(file) && file !== resolve(entry)) {
          return { path: fromOutput(ENTRY_SOURCES.get(file)), external: true };
        }
        if (!root.has(file)) return undefined;
        reached.add(file);
        return { path: fromOutput(SHARED), external: true };
      });
    },
  };
  const result = await build({ ...COMMON, entryPoints: [entry], outfile, format: 'esm', plugins: [pointAtShared] });
  checkInputs(result, outfile);
}

/** The names each module exports at run time (types have none), from esbuild's own reading of it. */
async function runtimeExports(file) {
  const probe = await build({
    ...COMMON,
    stdin: { contents: `export * from ${JSON.stringify(file)};`, resolveDir: SRC, loader: 'ts' },
    outfile: 'exports.js',
    format: 'esm',
    write: false,
  });
  return Object.values(probe.metafile.outputs).flatMap((output) => output.exports);
}

/** The root and shared.js, split so that the root loads one chunk besides itself. */
async function buildEsmRoot(reached) {
  const modules = [...reached].sort();
  const owners = new Map();
  for (const file of modules) {
    for (const name of await runtimeExports(file)) {
      if (owners.has(name)) {
        throw new Error(`dist/esm/${SHARED}.js: ${name} is exported by both ${owners.get(name)} and ${file}`);
      }
      owners.set(name, file);
    }
  }
  const shared = {
    name: SHARED,
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: new RegExp(`^${SHARED}$`) }, () => ({ path: SHARED, namespace: SHARED }));
      pluginBuild.onLoad({ filter: /.*/, namespace: SHARED }, () => ({
        contents: [
          ...modules.map((file) => `export * from ${JSON.stringify(file)};`),
          // Everything the root exports, so that all of the root's code lands in the one chunk and its own file
          // is only an export list. A name the root and a module above both export is one binding, not two.
          `export * from ${JSON.stringify(resolve(ENTRY_POINTS.index))};`,
        ].join('\n'),
        loader: 'ts',
        resolveDir: SRC,
      }));
    },
  };
  const result = await build({
    ...COMMON,
    entryPoints: { index: ENTRY_POINTS.index, [SHARED]: SHARED },
    outdir: 'dist/esm',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [shared],
  });
  checkInputs(result, 'dist/esm');
  return result.metafile.outputs[`dist/esm/${SHARED}.js`].exports;
}

/** Fails the build when an entry point imports from shared.js a name it does not export (Node would, at load). */
function checkSharedImports(entryNames, exported) {
  const available = new Set(exported);
  for (const name of entryNames) {
    const file = `dist/esm/${name}.js`;
    const code = readFileSync(file, 'utf8');
    const lists = code.matchAll(new RegExp(`import\\s*{([^}]*)}\\s*from\\s*"[./]*/${SHARED}\\.js"`, 'g'));
    const missing = [...lists]
      .flatMap(([, list = '']) => list.split(','))
      .map((specifier) => specifier.trim().split(/\s+as\s+/)[0])
      .filter((imported) => imported !== '' && !available.has(imported));
    if (missing.length > 0) throw new Error(`${file}: imports ${missing.join(', ')} that ${SHARED}.js lacks`);
  }
}

async function buildEsm() {
  const root = await rootModules();
  const reached = new Set();
  const others = Object.entries({ ...ENTRY_POINTS, ...BIN }).filter(([name]) => name !== 'index');
  await Promise.all(others.map(([name, entry]) => buildEsmEntry(name, entry, root, reached)));
  checkSharedImports(
    others.map(([name]) => name),
    await buildEsmRoot(reached),
  );
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
