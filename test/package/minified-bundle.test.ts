import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE_OPTIONS } from '../../scripts/lambda-bundle-options.js';
import { ROOT } from './packed-install.js';

// Lambda code is usually bundled and minified, and minifiers rename classes. An error's `name` is what logs and
// `error.name === ...` checks see, so it must survive that. The handler imports the built package by name.
const HANDLER = `
import { ChallengeRequiredError, CognitoTokenError, createTokenProvider } from 'cognito-token-provider';

const names = {};
try {
  createTokenProvider({ clientId: '', credentials: { username: 'u', password: 'p' } });
} catch (error) {
  names.configuration = error instanceof CognitoTokenError ? error.name : 'not a CognitoTokenError';
}
names.challenge = new ChallengeRequiredError('NEW_PASSWORD_REQUIRED', 'complete the challenge').name;
console.log(JSON.stringify(names));
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctp-minified-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the package bundled and minified into a Lambda handler', () => {
  it('keeps the error class names', async () => {
    const outfile = join(dir, 'handler.mjs');
    await build({
      stdin: { contents: HANDLER, resolveDir: ROOT, sourcefile: 'handler.mjs', loader: 'js' },
      ...LAMBDA_BUNDLE_OPTIONS,
      mainFields: [...LAMBDA_BUNDLE_OPTIONS.mainFields],
      absWorkingDir: ROOT,
      outfile,
      write: true,
    });
    writeFileSync(join(dir, 'package.json'), '{}\n');

    const run = spawnSync(process.execPath, [outfile], { cwd: dir, encoding: 'utf8' });

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ configuration: 'CognitoTokenError', challenge: 'ChallengeRequiredError' });
  });
});
