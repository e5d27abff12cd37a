import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('has a CommonJS module and a declaration file for every ES module', () => {
    const esm = packed.packedFiles.filter((file) => /^dist\/esm\/.+\.js$/.test(file));
    const missing = esm.flatMap((file) => {
      const stem = file.slice('dist/esm/'.length, -'.js'.length);
      return [`dist/cjs/${stem}.js`, `dist/esm/${stem}.d.ts`, `dist/cjs/${stem}.d.ts`].filter(
        (counterpart) => !packed.packedFiles.includes(counterpart),
      );
    });

    expect(esm.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
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
