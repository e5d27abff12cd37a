import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CJS_CONSUMER,
  type ConsumerReport,
  consumerTsconfig,
  ESM_CONSUMER,
  everyExportConsumer,
  SECRET_HASH_VECTOR,
  TYPED_CONSUMER,
} from './consumers.js';
import { installPackedPackage, type PackageManifest, type PackedInstall, ROOT } from './packed-install.js';

// Read before the install, so the bin test below can be skipped for a package that has no bin at all.
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageManifest;
const bins = Object.entries(
  typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {}),
);

let packed: PackedInstall;

beforeAll(() => {
  packed = installPackedPackage();
  packed.write('consumer.mjs', ESM_CONSUMER);
  packed.write('consumer.cjs', CJS_CONSUMER);
});

afterAll(() => {
  packed?.remove();
});

function report(args: readonly string[]): ConsumerReport {
  const result = packed.node(args);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as ConsumerReport;
}

function installedFile(path: string): string {
  return join(packed.dir, 'node_modules', manifest.name, path);
}

describe('the npm pack tarball', () => {
  it('ships the built ESM and CommonJS halves with their declarations, and nothing from the source tree', () => {
    const files = packed.packedFiles;

    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/esm/index.js',
        'dist/esm/index.d.ts',
        'dist/cjs/index.js',
        'dist/cjs/index.d.ts',
        'dist/cjs/package.json',
      ]),
    );
    const unexpected = files.filter(
      (file) => !(file.startsWith('dist/') || /^(package\.json|README\.md|LICENSE(\.\w+)?|CHANGELOG\.md)$/.test(file)),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((file) => file.endsWith('.tsbuildinfo'))).toEqual([]);
  });

  it('has a declaration file next to every module, and a CommonJS declaration for every ES module one', () => {
    const files = packed.packedFiles;
    const modules = files.filter((file) => /^dist\/(esm|cjs)\/.+\.js$/.test(file));
    const esmDeclarations = files.filter((file) => /^dist\/esm\/.+\.d\.ts$/.test(file));
    const missing = [
      ...modules.map((file) => file.replace(/\.js$/, '.d.ts')),
      ...esmDeclarations.map((file) => file.replace(/^dist\/esm\//, 'dist/cjs/')),
    ].filter((counterpart) => !files.includes(counterpart));

    expect(modules).toEqual(expect.arrayContaining(['dist/esm/index.js', 'dist/cjs/index.js']));
    expect(esmDeclarations.length).toBeGreaterThan(1);
    expect(missing).toEqual([]);
  });

  // dist holds bundles (scripts/build.mjs), which still load a few modules of the package by path (a '#...'
  // specifier would go through package.json "imports"): every one must ship, in the half of the module that loads it.
  it('ships every module that a built module loads, in its own half', () => {
    const files = packed.packedFiles;
    const imports = (packed.manifest as { imports?: Record<string, Record<string, string>> }).imports ?? {};
    const loads = files
      .filter((file) => /^dist\/.+\.js$/.test(file))
      .flatMap((file) => {
        const code = readFileSync(installedFile(file), 'utf8');
        const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\(\s*|\brequire\(\s*)"([.#][^"]*)"/g)].map(
          ([, specifier = '']) => specifier,
        );
        return specifiers.flatMap((specifier) =>
          specifier.startsWith('#')
            ? Object.values(imports[specifier] ?? { none: `(no "imports" entry for ${specifier})` }).map((target) => ({
                file,
                target: posix.normalize(target),
              }))
            : [{ file, target: posix.join(posix.dirname(file), specifier) }],
        );
      });
    const unshipped = loads.filter(({ target }) => !files.includes(target));
    const crossing = loads.filter(({ file, target }) => target.split('/')[1] !== file.split('/')[1]);

    expect(loads.map(({ target }) => target)).toEqual(
      expect.arrayContaining(['dist/esm/ssm-client.js', 'dist/cjs/ssm-client.js']),
    );
    expect(unshipped).toEqual([]);
    expect(crossing).toEqual([]);
  });
});

describe('an ES module consumer of the installed tarball', () => {
  it('imports the ESM build and runs it', () => {
    const esm = report(['consumer.mjs']);

    expect(esm.resolved).toBe(`file://${installedFile('dist/esm/index.js')}`);
    expect(esm.exports).toEqual(
      expect.arrayContaining(['CognitoTokenError', 'computeSecretHash', 'createTokenProvider']),
    );
    // Exported as types only: their constructors are internal.
    expect(esm.exports).not.toContain('CognitoTokens');
    expect(esm.exports).not.toContain('ClientTokens');
    expect(esm.secretHash).toBe(SECRET_HASH_VECTOR.expected);
    expect(esm.configurationError).toEqual({
      code: 'ERR_CONFIGURATION',
      message: expect.stringContaining('"clientId"'),
      isCognitoTokenError: true,
    });
  });
});

describe('a CommonJS consumer of the installed tarball', () => {
  // Node 20.19+ can require() an ES module; switching that off proves the CommonJS build is real CommonJS and
  // works on every Node 20, not only on the releases with require(esm).
  it('requires the CommonJS build without require(esm), with the same exports as the ESM build', () => {
    const cjs = report(['--no-experimental-require-module', 'consumer.cjs']);
    const esm = report(['consumer.mjs']);

    expect(cjs.resolved).toBe(installedFile('dist/cjs/index.js'));
    expect(cjs.exports).toEqual(esm.exports);
    expect(cjs.secretHash).toBe(SECRET_HASH_VECTOR.expected);
    expect(cjs.configurationError).toEqual({
      code: 'ERR_CONFIGURATION',
      message: expect.stringContaining('"clientId"'),
      isCognitoTokenError: true,
    });
  });
});

describe('a TypeScript consumer of the installed tarball', () => {
  function compile(
    project: string,
    files: Record<string, string>,
    { module, resolution, libCheck }: { module: string; resolution: string; libCheck: boolean },
  ) {
    const { exports } = report(['consumer.mjs']);
    for (const [file, contents] of Object.entries(files)) {
      packed.write(file, contents.replace('%EVERY_EXPORT%', everyExportConsumer(exports)));
    }
    packed.write(project, consumerTsconfig(module, resolution, Object.keys(files), libCheck));
    return packed.tsc(['-p', project, '--listFiles']);
  }

  // Checking the SDK's declarations takes about 10 s per program, so only the node16 program, which loads both
  // halves of ours, checks the declarations in node_modules; the bundler program reads the same ESM ones.
  it('compiles with moduleResolution node16, against the ESM types from .mts and the CommonJS types from .cts', () => {
    const result = compile(
      'tsconfig.node16.json',
      {
        'typed.mts': TYPED_CONSUMER,
        'typed.cts': TYPED_CONSUMER,
        'every-export.mts': '%EVERY_EXPORT%',
        'every-export.cts': '%EVERY_EXPORT%',
      },
      { module: 'node16', resolution: 'node16', libCheck: true },
    );

    expect(result.stdout.split('\n').filter((line) => /error TS\d+/.test(line))).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(installedFile('dist/esm/index.d.ts'));
    expect(result.stdout).toContain(installedFile('dist/cjs/index.d.ts'));
  });

  it('compiles with moduleResolution bundler, against the ESM types', () => {
    const result = compile(
      'tsconfig.bundler.json',
      { 'typed.ts': TYPED_CONSUMER, 'every-export.ts': '%EVERY_EXPORT%' },
      { module: 'esnext', resolution: 'bundler', libCheck: false },
    );

    expect(result.stdout.split('\n').filter((line) => /error TS\d+/.test(line))).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(installedFile('dist/esm/index.d.ts'));
    expect(result.stdout).not.toContain(installedFile('dist/cjs/index.d.ts'));
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
