#!/usr/bin/env node
// Fails when package-lock.json is out of step with package.json: when `npm install --package-lock-only` would
// rewrite it (a new peer dependency missing from the lockfile's root entry, a changed range, a new version).
// `npm ci`, which CI installs with, does not notice some of these, and a contributor's first `npm install` then
// leaves a changed lockfile behind. npm runs on a copy of the two files in a temporary folder, so the checkout,
// its lockfile and node_modules are never touched.
// Usage: node scripts/check-lockfile.mjs [project folder, default .]   (exit 1 and a diff when out of step)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const project = resolve(process.argv[2] ?? '.');
const copy = mkdtempSync(join(tmpdir(), 'check-lockfile-'));
try {
  for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
    if (existsSync(join(project, file))) copyFileSync(join(project, file), join(copy, file));
  }
  const npm = spawnSync(
    'npm',
    ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: copy, encoding: 'utf8', shell: process.platform === 'win32' },
  );
  if (npm.status !== 0) {
    console.error(`check-lockfile: npm install --package-lock-only failed:\n${npm.stderr}`);
    process.exitCode = 1;
  } else {
    checkUnchanged();
  }
} finally {
  // process.exitCode rather than process.exit(): the copy is removed before the process ends.
  rmSync(copy, { recursive: true, force: true });
}

function checkUnchanged() {
  const before = readFileSync(join(project, 'package-lock.json'), 'utf8');
  const after = readFileSync(join(copy, 'package-lock.json'), 'utf8');
  if (before !== after) {
    const diff = spawnSync('diff', ['-u', join(project, 'package-lock.json'), join(copy, 'package-lock.json')], {
      encoding: 'utf8',
    });
    console.error(
      'check-lockfile: package-lock.json is out of step with package.json; run `npm install --package-lock-only` ' +
        `and commit the result. What npm would change:\n${(diff.stdout || '').split('\n').slice(0, 60).join('\n')}`,
    );
    process.exitCode = 1;
    return;
  }
  console.log('check-lockfile: package-lock.json is in step with package.json');
}
