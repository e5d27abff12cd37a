import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPackageVersion } from '../../src/cli/version.js';

let root: string | undefined;

afterEach(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function layout(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'cli-version-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('readPackageVersion', () => {
  it("walks up past dist/cjs/package.json, which has no name, to the package's own", () => {
    const dir = layout({
      'pkg/package.json': JSON.stringify({ name: 'cognito-token-provider', version: '3.2.1' }),
      'pkg/dist/cjs/package.json': JSON.stringify({ type: 'commonjs' }),
      'pkg/dist/cjs/cli.js': '',
    });

    expect(readPackageVersion(join(dir, 'pkg/dist/cjs/cli.js'))).toBe('3.2.1');
  });

  it('skips an unreadable package.json and one of another package', () => {
    const dir = layout({
      'app/package.json': JSON.stringify({ name: 'cognito-token-provider', version: '1.0.0' }),
      'app/node_modules/other/package.json': JSON.stringify({ name: 'other', version: '9.9.9' }),
      'app/node_modules/other/dist/package.json': '{ not json',
      'app/node_modules/other/dist/cli.js': '',
    });

    expect(readPackageVersion(join(dir, 'app/node_modules/other/dist/cli.js'))).toBe('1.0.0');
  });

  it('reads the version of this repository from the source tree', () => {
    expect(readPackageVersion(join(__dirname, '../src/cli.ts'))).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('throws when no package.json above names the package', () => {
    const dir = layout({ 'lonely/cli.js': '' });

    expect(() => readPackageVersion(join(dir, 'lonely/cli.js'))).toThrow(/cannot find the package.json/);
  });
});
