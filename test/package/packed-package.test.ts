import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerReport,
  cjsConsumer,
  DUAL_BUILD_CONSUMER,
  type DualBuildReport,
  esmConsumer,
  SECRET_HASH_VECTOR,
} from './consumers.js';
import {
  entrySpecifiers,
  installPackedPackage,
  optionalPeers,
  type PackageManifest,
  type PackedInstall,
  ROOT,
} from './packed-install.js';

// The package has entry points, `cognito-token-provider` and one per optional peer (`cognito-token-provider/ssm`,
// ...), each in two builds (scripts/build.mjs): dist/esm, where the root is index.js and one chunk and the other
// entries import what they share with it from dist/esm/shared.js, and dist/cjs, one self-contained bundle per
// entry point. These tests install the npm pack
// tarball the way a user gets it and check what ships, what loads what, and what ES module and CommonJS
// consumers see (TypeScript consumers: packed-types.test.ts). Whatever holds for every entry point is checked for
// every one that "exports" lists.

interface Manifest extends PackageManifest {
  readonly exports: Record<string, string | Record<string, { readonly types: string; readonly default: string }>>;
  readonly typesVersions?: Record<string, Record<string, string[]>>;
}

// Read before the install, so the bin test below can be skipped for a package that has no bin at all.
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const bins = Object.entries(
  typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {}),
);
const entryPoints = Object.entries(manifest.exports).filter(([subpath]) => subpath !== './package.json');
const strip = (path: string) => posix.normalize(path);

/** Every file "exports" names (code and types, under every condition), relative to the package root. */
const exportedFiles = entryPoints.flatMap(([, conditions]) =>
  typeof conditions === 'string'
    ? [strip(conditions)]
    : Object.values(conditions).flatMap(({ types, default: code }) => [strip(types), strip(code)]),
);
/** The code file of one entry point under one condition (`import`, `require`). */
const codeOf = (subpath: string, condition: string) => {
  const conditions = manifest.exports[subpath];
  if (typeof conditions !== 'object' || conditions[condition] === undefined) {
    throw new Error(`package.json "exports" has no "${condition}" for "${subpath}"`);
  }
  return strip(conditions[condition].default);
};

let packed: PackedInstall;

beforeAll(() => {
  packed = installPackedPackage();
  packed.write('consumer.mjs', esmConsumer(entrySpecifiers(manifest)));
  packed.write('consumer.cjs', cjsConsumer(entrySpecifiers(manifest)));
  packed.write('dual-build.mjs', DUAL_BUILD_CONSUMER);
});

afterAll(() => {
  packed?.remove();
});

function run(args: readonly string[]): string {
  const result = packed.node(args);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

function report(args: readonly string[]): ConsumerReport {
  return JSON.parse(run(args)) as ConsumerReport;
}

function installedFile(path: string): string {
  return join(packed.dir, 'node_modules', manifest.name, path);
}

interface Load {
  /** The built file that loads it. */
  readonly file: string;
  /** The specifier as written (`./chunks/chunk-X.js`, `@aws-sdk/client-ssm`, `node:fs`). */
  readonly specifier: string;
  /** For a relative specifier, the file it names, relative to the package root. */
  readonly target: string | undefined;
}

/** Every static import, dynamic import() and require() with a literal specifier in one built file. */
function loadsOf(file: string): Load[] {
  const code = readFileSync(installedFile(file), 'utf8');
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*|\brequire\s*\(\s*)"([^"]+)"/g;
  return [...code.matchAll(pattern)].map(([, specifier = '']) => ({
    file,
    specifier,
    target: specifier.startsWith('.') ? posix.join(posix.dirname(file), specifier) : undefined,
  }));
}

/** `file` and every file it loads, directly or not. */
function closureOf(file: string): Load[] {
  const seen = new Set([file]);
  const loads: Load[] = [];
  for (const current of seen) {
    for (const load of loadsOf(current)) {
      loads.push(load);
      if (load.target !== undefined) seen.add(load.target);
    }
  }
  return loads;
}

describe('the npm pack tarball', () => {
  it('ships every file package.json names, the built halves, and nothing from the source tree', () => {
    const files = packed.packedFiles;
    const typesVersions = Object.values(manifest.typesVersions ?? {}).flatMap((paths) =>
      Object.values(paths).flatMap((targets) => targets.map(strip)),
    );
    const named = [...exportedFiles, ...typesVersions, ...bins.map(([, file]) => strip(file))];

    // Both entry points, in both halves, with their declarations.
    expect(named).toEqual(
      expect.arrayContaining([
        'dist/esm/index.js',
        'dist/esm/index.d.ts',
        'dist/esm/ssm/index.js',
        'dist/esm/ssm/index.d.ts',
        'dist/cjs/index.js',
        'dist/cjs/index.d.ts',
        'dist/cjs/ssm/index.js',
        'dist/cjs/ssm/index.d.ts',
      ]),
    );
    expect(named.filter((file) => !files.includes(file))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/cjs/package.json']));
    const unexpected = files.filter(
      (file) => !(file.startsWith('dist/') || /^(package\.json|README\.md|LICENSE(\.\w+)?|CHANGELOG\.md)$/.test(file)),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((file) => file.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  // A JavaScript file that nothing reaches is a leftover of an older layout (index.bundler.js, ssm-client.js):
  // dead weight at best, and a second copy of the package for anyone who imports it by path.
  it('ships no JavaScript that the exports, the bin or their imports do not reach; CommonJS is one file per entry', () => {
    const files = packed.packedFiles;
    const starts = [...exportedFiles.filter((file) => file.endsWith('.js')), ...bins.map(([, file]) => strip(file))];
    const reached = new Set([
      ...starts,
      ...starts.flatMap((start) => closureOf(start).flatMap(({ target }) => target ?? [])),
    ]);

    expect(files.filter((file) => file.endsWith('.js') && !reached.has(file))).toEqual([]);
    expect(files.filter((file) => /^dist\/cjs\/.+\.js$/.test(file)).sort()).toEqual(
      entryPoints.map(([subpath]) => codeOf(subpath, 'require')).sort(),
    );
    // The ES module entries share their common code through chunks rather than each holding a copy.
    expect(files.filter((file) => /^dist\/esm\/chunks\/.+\.js$/.test(file)).length).toBeGreaterThan(0);
  });

  it('has a CommonJS declaration for every ES module one', () => {
    const files = packed.packedFiles;
    const esmDeclarations = files.filter((file) => /^dist\/esm\/.+\.d\.ts$/.test(file));
    const missing = esmDeclarations
      .map((file) => file.replace(/^dist\/esm\//, 'dist/cjs/'))
      .filter((counterpart) => !files.includes(counterpart));

    expect(esmDeclarations).toEqual(expect.arrayContaining(['dist/esm/index.d.ts', 'dist/esm/ssm/index.d.ts']));
    expect(missing).toEqual([]);
  });

  // dist holds bundles that load a few files of their own by relative path (the ES module chunks), the SDK
  // (peer dependencies) and Node's modules: every file must ship, in the half of the module that loads it, and
  // every package must be one the user has, so no dependency may be left external by mistake.
  it('ships every module that a built module loads, in its own half, and loads no package but its peers', () => {
    const loads = packed.packedFiles.filter((file) => /^dist\/.+\.js$/.test(file)).flatMap(loadsOf);
    const relative = loads.filter(({ target }) => target !== undefined);
    const bare = loads.filter(({ target }) => target === undefined);
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const peers = Object.keys(manifest.peerDependencies ?? {});

    expect(relative.map(({ target }) => target)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^dist\/esm\/chunks\//)]),
    );
    expect(relative.filter(({ target = '' }) => !packed.packedFiles.includes(target))).toEqual([]);
    expect(relative.filter(({ file, target = '' }) => target.split('/')[1] !== file.split('/')[1])).toEqual([]);
    expect(bare.filter(({ specifier }) => !builtins.has(specifier) && !peers.includes(specifier))).toEqual([]);
  });

  // The issue: a bundler that follows the root's imports must never be asked for an optional peer.
  it('has the root name no optional peer in any of its files, ESM or CommonJS, while /ssm loads @aws-sdk/client-ssm', () => {
    const peers = optionalPeers(manifest);
    const files = (start: string) => [start, ...closureOf(start).flatMap(({ target }) => target ?? [])];
    const naming = (start: string) =>
      files(start).flatMap((file) => {
        const code = readFileSync(installedFile(file), 'utf8');
        return peers.filter((peer) => code.includes(`"${peer}"`)).map((peer) => `${file} names ${peer}`);
      });

    expect(peers).toContain('@aws-sdk/client-ssm');
    expect(naming(codeOf('.', 'import'))).toEqual([]);
    expect(naming(codeOf('.', 'require'))).toEqual([]);
    // The control: the same search finds the SSM client where it belongs.
    expect(closureOf(codeOf('./ssm', 'import')).map(({ specifier }) => specifier)).toContain('@aws-sdk/client-ssm');
    expect(naming(codeOf('./ssm', 'require'))).toEqual([`${codeOf('./ssm', 'require')} names @aws-sdk/client-ssm`]);
  });
});

describe('an ES module consumer of the installed tarball', () => {
  it('imports the ESM build of every entry point and runs it', () => {
    const esm = report(['consumer.mjs']);
    const root = manifest.name;
    const ssm = `${manifest.name}/ssm`;

    expect(esm.resolved).toEqual(
      Object.fromEntries(
        entryPoints.map(([subpath]) => [
          `${root}${subpath.slice(1)}`,
          `file://${installedFile(codeOf(subpath, 'import'))}`,
        ]),
      ),
    );
    expect(esm.resolved[ssm]).toBe(`file://${installedFile('dist/esm/ssm/index.js')}`);
    expect(esm.exports[root]).toEqual(
      expect.arrayContaining(['CognitoTokenError', 'computeSecretHash', 'createTokenProvider']),
    );
    // fromSsm only from /ssm, so the root never needs the optional peer.
    expect(esm.exports[root]).not.toContain('fromSsm');
    expect(esm.exports[ssm]).toEqual(['fromSsm']);
    // Exported as types only: their constructors are internal.
    expect(esm.exports[root]).not.toContain('CognitoTokens');
    expect(esm.exports[root]).not.toContain('ClientTokens');
    expect(esm.secretHash).toBe(SECRET_HASH_VECTOR.expected);
    expect(esm.configurationError).toEqual({
      code: 'ERR_CONFIGURATION',
      message: expect.stringContaining('"clientId"'),
      isCognitoTokenError: true,
    });
    expect(esm.ssmConfigurationError).toEqual({
      code: 'ERR_CONFIGURATION',
      message: expect.stringContaining('"parameter"'),
      isCognitoTokenError: true,
    });
  });
});

describe('a CommonJS consumer of the installed tarball', () => {
  // Node 20.19+ can require() an ES module; switching that off proves the CommonJS build is real CommonJS and
  // works on every Node 20, not only on the releases with require(esm).
  it('requires the CommonJS build of every entry point without require(esm), with the exports of the ESM build', () => {
    const cjs = report(['--no-experimental-require-module', 'consumer.cjs']);
    const esm = report(['consumer.mjs']);

    expect(cjs.resolved).toEqual(
      Object.fromEntries(
        entryPoints.map(([subpath]) => [
          `${manifest.name}${subpath.slice(1)}`,
          installedFile(codeOf(subpath, 'require')),
        ]),
      ),
    );
    expect(cjs.resolved[`${manifest.name}/ssm`]).toBe(installedFile('dist/cjs/ssm/index.js'));
    expect(cjs.exports).toEqual(esm.exports);
    expect(cjs.secretHash).toBe(SECRET_HASH_VECTOR.expected);
    expect(cjs.configurationError).toEqual(esm.configurationError);
    // Thrown by the /ssm bundle's own copy of the errors, recognised by the root bundle's class.
    expect(cjs.ssmConfigurationError).toEqual(esm.ssmConfigurationError);
  });
});

describe('an app that loads both builds of the installed tarball in one process', () => {
  it('recognises every error of either build, and of the CommonJS /ssm bundle, with either build’s classes', () => {
    const dual = JSON.parse(run(['dual-build.mjs'])) as DualBuildReport;
    const verdict = (cognito: boolean, challenge: boolean) => ({
      'esm CognitoTokenError': cognito,
      'cjs CognitoTokenError': cognito,
      'esm ChallengeRequiredError': challenge,
      'cjs ChallengeRequiredError': challenge,
    });

    // Two builds really loaded, or the test below would not cross any copy.
    expect(dual.resolved).toEqual({
      esm: `file://${installedFile('dist/esm/index.js')}`,
      esmSsm: `file://${installedFile('dist/esm/ssm/index.js')}`,
      cjs: installedFile('dist/cjs/index.js'),
      cjsSsm: installedFile('dist/cjs/ssm/index.js'),
    });
    // The ES module entries share one copy of the errors; each CommonJS bundle has its own.
    expect(dual.constructors).toEqual({
      'esm configuration': 'esm root',
      'cjs configuration': 'cjs root',
      'esm challenge': 'esm root',
      'cjs challenge': 'cjs root',
      'esm /ssm configuration': 'esm root',
      'cjs /ssm configuration': 'another copy',
      'plain Error': 'another copy',
      'look-alike': 'another copy',
    });
    expect(dual.instanceOf).toEqual({
      'esm configuration': verdict(true, false),
      'cjs configuration': verdict(true, false),
      'esm challenge': verdict(true, true),
      'cjs challenge': verdict(true, true),
      'esm /ssm configuration': verdict(true, false),
      'cjs /ssm configuration': verdict(true, false),
      'plain Error': verdict(false, false),
      'look-alike': verdict(false, false),
    });
  });
});

describe.skipIf(bins.length === 0)('the package bin, installed from the tarball', () => {
  it.each(bins)('%s --version prints the package version', (name) => {
    const result = packed.exec(join('node_modules/.bin', name), ['--version']);

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(manifest.version);
  });
});
