// scripts/check-lockfile.mjs, which CI runs right after `npm ci`: it fails when `npm install --package-lock-only`
// would rewrite package-lock.json (as it once did, for the root's optional peers), and never touches the lockfile.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './packed-install.js';

const SCRIPT = join(ROOT, 'scripts/check-lockfile.mjs');
const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function check(project: string) {
  return spawnSync(process.execPath, [SCRIPT, project], { encoding: 'utf8' });
}

/** A project whose package.json declares an optional peer that its lockfile's root entry lacks. */
function projectWithStaleLockfile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'lockfile-fixture-'));
  folders.push(folder);
  const manifest = {
    name: 'lockfile-fixture',
    version: '1.0.0',
    peerDependencies: { 'lockfile-fixture-peer': '^1.0.0' },
    peerDependenciesMeta: { 'lockfile-fixture-peer': { optional: true } },
  };
  const lockfile = {
    name: 'lockfile-fixture',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'lockfile-fixture', version: '1.0.0' } },
  };
  writeFileSync(join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(folder, 'package-lock.json'), `${JSON.stringify(lockfile, null, 2)}\n`);
  return folder;
}

describe('the lockfile check', () => {
  it("passes on this repository's lockfile", () => {
    const run = check(ROOT);

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('fails, showing what npm would change, when a peer dependency is missing from the lockfile, leaving it as it was', () => {
    const project = projectWithStaleLockfile();
    const before = readFileSync(join(project, 'package-lock.json'), 'utf8');

    const run = check(project);

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('package-lock.json is out of step with package.json');
    expect(run.stderr).toContain('+      "peerDependencies": {');
    expect(readFileSync(join(project, 'package-lock.json'), 'utf8')).toBe(before);
  });
});
