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
import { dirname, relative, resolve, sep } from 'node:path';
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

/** The internal module through which the other ES module entry points share code with the root. */
const SHARED = 'shared';
const RESOLVING = Symbol('resolving');
const ENTRY_SOURCES = new Map(Object.entries(ENTRY_POINTS).map(([name, entry]) => [resolve(entry), name]));
/** The ES module entry points other than the root, the bin included: output name → source. */
const OTHER_ESM_ENTRIES = Object.entries({ ...ENTRY_POINTS, ...BIN }).filter(([name]) => name !== 'index');

/** The source files a build bundled. */
const sourcesOf = (metafile) =>
  Object.keys(metafile.inputs)
    .filter((input) => !input.startsWith(`${SHARED}:`))
    .map((input) => resolve(input));

/** How dist/esm/`from`.js names dist/esm/`target`.js: a relative specifier, with `/` whatever the OS. */
function specifierBetween(from, target) {
  const path = relative(dirname(`dist/esm/${from}.js`), `dist/esm/${target}.js`).replaceAll(sep, '/');
  return path.startsWith('.') ? path : `./${path}`;
}

/**
 * The modules that must live in shared.js so that Node loads one copy of each: every module the root bundles,
 * and every module two other entry points would bundle (a module-level Map, WeakMap or Symbol must not exist
 * twice).
 */
async function sharedModules() {
  // What an entry bundles of its own: an import of another entry point stays an import.
  const otherEntriesExternal = (entry) => ({
    name: 'other-entries-external',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\./ }, async ({ path, kind, resolveDir, pluginData }) => {
        if (kind === 'entry-point' || pluginData === RESOLVING) return undefined;
        const { path: file } = await pluginBuild.resolve(path, { kind, resolveDir, pluginData: RESOLVING });
        return ENTRY_SOURCES.has(file) && file !== resolve(entry) ? { path: file, external: true } : undefined;
      });
    },
  });
  const bundled = (entry) =>
    build({
      ...COMMON,
      entryPoints: [entry],
      outfile: 'probe.js',
      format: 'esm',
      write: false,
      plugins: [otherEntriesExternal(entry)],
    }).then((result) => sourcesOf(result.metafile));
  const root = new Set(await bundled(ENTRY_POINTS.index));
  const seen = new Map();
  for (const [, entry] of OTHER_ESM_ENTRIES) {
    for (const file of await bundled(entry)) {
      if (!ENTRY_SOURCES.has(file)) seen.set(file, (seen.get(file) ?? 0) + 1);
    }
  }
  return new Set([...root, ...[...seen].filter(([, count]) => count > 1).map(([file]) => file)]);
}

/**
 * Builds one non-root ES module entry point on its own. An import of another entry point becomes an import of
 * that entry's file, and an import of a shared module an import of shared.js; `reached` collects those modules.
 */
async function buildEsmEntry(name, entry, shared, reached) {
  const outfile = `dist/esm/${name}.js`;
  const pointAtShared = {
    name: 'point-at-shared',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\./ }, async ({ path, kind, resolveDir, pluginData }) => {
        // The resolve below runs this callback again: that inner call leaves the path to esbuild.
        if (kind === 'entry-point' || pluginData === RESOLVING) return undefined;
        const resolved = await pluginBuild.resolve(path, { kind, resolveDir, pluginData: RESOLVING });
        const file = resolved.path;
        if (ENTRY_SOURCES.has(file) && file !== resolve(entry)) {
          return { path: specifierBetween(name, ENTRY_SOURCES.get(file)), external: true };
        }
        if (!shared.has(file)) return undefined;
        reached.add(file);
        return { path: specifierBetween(name, SHARED), external: true };
      });
    },
  };
  const result = await build({ ...COMMON, entryPoints: [entry], outfile, format: 'esm', plugins: [pointAtShared] });
  checkInputs(result, outfile);
  return result.metafile;
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
  // Two modules that export one name would make `export *` drop it from shared.js.
  const owners = new Map();
  for (const file of modules) {
    for (const name of await runtimeExports(file)) {
      if (owners.has(name)) {
        throw new Error(`dist/esm/${SHARED}.js: ${name} is exported by both ${owners.get(name)} and ${file}`);
      }
      owners.set(name, file);
    }
  }
  const virtualShared = {
    name: SHARED,
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: new RegExp(`^${SHARED}$`) }, () => ({ path: SHARED, namespace: SHARED }));
      pluginBuild.onLoad({ filter: /.*/, namespace: SHARED }, () => ({
        contents: [
          ...modules.map((file) => `export * from ${JSON.stringify(file)};`),
          // Everything the root exports, so that all of the root's code lands in the one chunk and its own file
          // is only an export list. Where a name above is the root's too, it must be the same binding, or
          // esbuild drops it: checkSharedImports reads what shared.js really exports.
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
    plugins: [virtualShared],
  });
  checkInputs(result, 'dist/esm');
  return result.metafile;
}

/** The names in a built file's `export { … }` and `import { … } from` lists naming `specifier`. */
function namesIn(list) {
  return list
    .split(',')
    .map((item) => item.trim().split(/\s+as\s+/))
    .filter(([name]) => name !== undefined && name !== '');
}

/**
 * Fails the build when an entry point imports from shared.js a name that shared.js does not export (Node would
 * refuse to load it), or re-exports all of shared.js (every internal would become public).
 */
function checkSharedImports() {
  const sharedCode = readFileSync(`dist/esm/${SHARED}.js`, 'utf8');
  const available = new Set(
    [...sharedCode.matchAll(/export\s*{([^}]*)}/g)].flatMap(([, list = '']) =>
      namesIn(list).map(([name, alias]) => alias ?? name),
    ),
  );
  for (const [name] of OTHER_ESM_ENTRIES) {
    const file = `dist/esm/${name}.js`;
    const code = readFileSync(file, 'utf8');
    const fromShared = `\\s*from\\s*"${specifierBetween(name, SHARED).replaceAll('.', '\\.')}"`;
    if (new RegExp(`export\\s*\\*[^;]*${fromShared}`).test(code)) {
      throw new Error(`${file}: re-exports all of ${SHARED}.js`);
    }
    const lists = code.matchAll(new RegExp(`(?:import|export)\\s*{([^}]*)}${fromShared}`, 'g'));
    const missing = [...lists]
      .flatMap(([, list = '']) => namesIn(list).map(([imported]) => imported))
      .filter((imported) => !available.has(imported));
    if (missing.length > 0) throw new Error(`${file}: imports ${missing.join(', ')}, which ${SHARED}.js lacks`);
  }
}

/** Fails the build when a source module was bundled into two ES module files: two copies of its state. */
function checkOneCopy(metafiles) {
  const holders = new Map();
  for (const metafile of metafiles) {
    for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
      for (const input of Object.keys(inputs).filter((path) => !path.startsWith(`${SHARED}:`))) {
        const file = resolve(input);
        if (holders.has(file)) throw new Error(`${input} is bundled into both ${holders.get(file)} and ${output}`);
        holders.set(file, output);
      }
    }
  }
}

async function buildEsm() {
  const shared = await sharedModules();
  const reached = new Set();
  const entries = await Promise.all(
    OTHER_ESM_ENTRIES.map(([name, entry]) => buildEsmEntry(name, entry, shared, reached)),
  );
  const root = await buildEsmRoot(reached);
  checkSharedImports();
  checkOneCopy([root, ...entries]);
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
