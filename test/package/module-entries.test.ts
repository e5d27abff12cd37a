import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './packed-install.js';

// The package root has two ES module files (scripts/build.mjs): dist/esm/index.js for Node, with fromSsm's SSM
// client behind a dynamic import(), and dist/esm/index.bundler.js for bundlers, with a static import they can
// tree-shake. package.json "exports" picks the bundler one under the condition "module", which Node never
// applies. Node must load one file at import time (the cold start), and a bundle must hold one copy of the
// package, however it is imported, or CognitoTokenError would be two classes.
const CONSUMER = `
import { CognitoTokenError, createTokenProvider } from 'cognito-token-provider';

createTokenProvider({ clientId: 'x', region: 'eu-west-1', credentials: { username: 'u', password: 'p' } });
try {
  createTokenProvider({ clientId: '', credentials: { username: 'u', password: 'p' } });
} catch (error) {
  console.log(error instanceof CognitoTokenError ? error.code : 'not a CognitoTokenError');
}
`;

// Both ways in at once, as when an app's ES module and a CommonJS dependency of it share the package.
const MIXED = `
import * as imported from 'cognito-token-provider';
const required = require('cognito-token-provider');

console.log(JSON.stringify({
  sameErrorClass: imported.CognitoTokenError === required.CognitoTokenError,
  sameFactory: imported.createTokenProvider === required.createTokenProvider,
}));
`;

const requireFromRoot = createRequire(join(ROOT, 'package.json'));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctp-module-entries-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('plain Node importing the package root', () => {
  it('loads dist/esm/index.js alone: with every other file of dist taken away, it imports and constructs', () => {
    const installed = join(dir, 'node/node_modules/cognito-token-provider');
    mkdirSync(join(installed, 'dist/esm'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
    cpSync(join(ROOT, 'dist/esm/index.js'), join(installed, 'dist/esm/index.js'));
    const sdk = '@aws-sdk/client-cognito-identity-provider';
    mkdirSync(join(dir, 'node/node_modules/@aws-sdk'));
    symlinkSync(dirname(requireFromRoot.resolve(`${sdk}/package.json`)), join(dir, 'node/node_modules', sdk), 'dir');
    writeFileSync(join(dir, 'node/consumer.mjs'), CONSUMER);

    const run = spawnSync(process.execPath, ['consumer.mjs'], { cwd: join(dir, 'node'), encoding: 'utf8' });

    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('ERR_CONFIGURATION');
  });
});

describe('a bundler (esbuild, default conditions) bundling the package', () => {
  it('takes dist/esm/index.bundler.js for import and require alike, one copy with one CognitoTokenError', async () => {
    // CommonJS output, so the SDK's own CommonJS files that `require` brings in may require Node's modules.
    const outfile = join(dir, 'bundle/handler.cjs');
    const result = await build({
      stdin: { contents: MIXED, resolveDir: ROOT, sourcefile: 'handler.mjs', loader: 'js' },
      absWorkingDir: ROOT,
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      metafile: true,
      logLevel: 'error',
    });
    const ours = Object.keys(result.metafile.inputs)
      .map((input) => relative(ROOT, join(ROOT, input)))
      .filter((input) => input.startsWith('dist/'));

    const run = spawnSync(process.execPath, [outfile], { cwd: dirname(outfile), encoding: 'utf8' });

    // ssm-client.js comes with it: the bundler entry imports it statically, for tree shaking.
    expect(ours.sort()).toEqual(['dist/esm/index.bundler.js', 'dist/esm/ssm-client.js']);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ sameErrorClass: true, sameFactory: true });
  });
});
