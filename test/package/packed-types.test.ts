import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  type ConsumerReport,
  consumerTsconfig,
  esmConsumer,
  everyExportConsumer,
  TYPED_CONSUMER,
} from './consumers.js';
import { entrySpecifiers, installPackedPackage, type PackedInstall } from './packed-install.js';

// TypeScript consumers of the npm pack tarball: the entry points (`cognito-token-provider`,
// `cognito-token-provider/ssm`, ...) must resolve to declarations of the right half under each moduleResolution a
// project may use, with every runtime export of every entry point declared. (node10, through "typesVersions", is attw's part in
// `npm run check:package`.) The two programs run concurrently: each loads the SDK's declarations, which takes
// most of their time.

let packed: PackedInstall;
let everyExport: string;

beforeAll(() => {
  packed = installPackedPackage();
  packed.write('consumer.mjs', esmConsumer(entrySpecifiers(packed.manifest)));
  const run = packed.node(['consumer.mjs']);
  if (run.status !== 0) throw new Error(`consumer.mjs failed:\n${run.stderr}`);
  everyExport = everyExportConsumer((JSON.parse(run.stdout) as ConsumerReport).exports);
});

afterAll(() => {
  packed?.remove();
});

function installedFile(path: string): string {
  return join(packed.dir, 'node_modules', packed.manifest.name, path);
}

function compile(
  project: string,
  files: Record<string, string>,
  { module, resolution, libCheck }: { module: string; resolution: string; libCheck: boolean },
) {
  for (const [file, contents] of Object.entries(files)) {
    packed.write(file, contents.replace('%EVERY_EXPORT%', everyExport));
  }
  packed.write(project, consumerTsconfig(module, resolution, Object.keys(files), libCheck));
  return packed.tsc(['-p', project, '--listFiles']);
}

const errorsOf = (stdout: string) => stdout.split('\n').filter((line) => /error TS\d+/.test(line));

describe('a TypeScript consumer of the installed tarball', () => {
  // Checking the SDK's declarations takes about 10 s per program, so only the node16 program, which loads both
  // halves of ours, checks the declarations in node_modules; the bundler program reads the same ESM ones.
  it.concurrent('compiles with moduleResolution node16, against the ESM types from .mts and the CommonJS types from .cts', async ({
    expect,
  }) => {
    const result = await compile(
      'tsconfig.node16.json',
      {
        'typed.mts': TYPED_CONSUMER,
        'typed.cts': TYPED_CONSUMER,
        'every-export.mts': '%EVERY_EXPORT%',
        'every-export.cts': '%EVERY_EXPORT%',
      },
      { module: 'node16', resolution: 'node16', libCheck: true },
    );

    expect(errorsOf(result.stdout)).toEqual([]);
    expect(result.status).toBe(0);
    for (const half of ['esm', 'cjs']) {
      expect(result.stdout).toContain(installedFile(`dist/${half}/index.d.ts`));
      expect(result.stdout).toContain(installedFile(`dist/${half}/ssm/index.d.ts`));
    }
  });

  it.concurrent('compiles with moduleResolution bundler, against the ESM types', async ({ expect }) => {
    const result = await compile(
      'tsconfig.bundler.json',
      { 'typed.ts': TYPED_CONSUMER, 'every-export.ts': '%EVERY_EXPORT%' },
      { module: 'esnext', resolution: 'bundler', libCheck: false },
    );

    expect(errorsOf(result.stdout)).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(installedFile('dist/esm/index.d.ts'));
    expect(result.stdout).toContain(installedFile('dist/esm/ssm/index.d.ts'));
    expect(result.stdout).not.toContain(installedFile('dist/cjs/'));
  });
});
