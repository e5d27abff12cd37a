import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE_OPTIONS } from '../../scripts/lambda-bundle-options.js';
import { childEnv, ROOT } from './packed-install.js';

// Lambda code is usually bundled and minified, and minifiers rename classes. An error's `name` is what logs and
// `error.name === ...` checks see, and `instanceof` across copies of the package rests on brands that are not
// class names (src/errors.ts): both must survive. The handlers import the built package by name, so the bundler
// resolves it through package.json "exports" as a user's would.
const HANDLER = `
import { inspect } from 'node:util';
import { ChallengeRequiredError, CognitoTokenError, createTokenProvider } from 'cognito-token-provider';
import { fromSsm } from 'cognito-token-provider/ssm';

const thrown = (action) => { try { action(); } catch (error) { return error; } };
const configuration = thrown(() => createTokenProvider({ clientId: '', credentials: { username: 'u', password: 'p' } }));
const ssm = thrown(() => fromSsm({}));
const challenge = new ChallengeRequiredError('NEW_PASSWORD_REQUIRED', 'complete the challenge');
const firstLine = (text) => text.split('\\n')[0];
console.log(JSON.stringify({
  inspected: [firstLine(inspect(configuration)), firstLine(inspect(challenge))],
  stackHeaders: [firstLine(configuration.stack), firstLine(challenge.stack)],
  constructorNames: [CognitoTokenError.name, ChallengeRequiredError.name],
  configuration: configuration instanceof CognitoTokenError ? configuration.name : 'not a CognitoTokenError',
  ssm: ssm instanceof CognitoTokenError ? ssm.name : 'not a CognitoTokenError',
  ssmSameClass: ssm.constructor === CognitoTokenError,
  challenge: challenge.name,
}));
`;

// An app whose own code imports the package while code it bundles requires it: the bundler follows "exports" to
// the ES module build for one and to the CommonJS build for the other, two copies of the package in one bundle.
const MIXED = `
import * as imported from 'cognito-token-provider';
const required = require('cognito-token-provider');

const thrown = (build) => {
  try {
    build.createTokenProvider({ clientId: '', credentials: { username: 'u', password: 'p' } });
  } catch (error) {
    return error;
  }
};
const fromImported = thrown(imported);
const fromRequired = thrown(required);
console.log(JSON.stringify({
  twoCopies: imported.CognitoTokenError !== required.CognitoTokenError,
  importedIsRequired: fromImported instanceof required.CognitoTokenError,
  requiredIsImported: fromRequired instanceof imported.CognitoTokenError,
  challenge: new required.ChallengeRequiredError('SMS_MFA', 'answer it') instanceof imported.ChallengeRequiredError,
  notAChallenge: fromRequired instanceof imported.ChallengeRequiredError,
  names: [fromImported.name, fromRequired.name],
}));
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ctp-minified-'));
  writeFileSync(join(dir, 'package.json'), '{}\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Bundles `contents` from the repository root into `dir`, runs it, and returns what it printed. */
async function bundleAndRun(contents: string, file: string, options: BuildOptions) {
  const outfile = join(dir, file);
  const result = await build({
    stdin: { contents, resolveDir: ROOT, sourcefile: 'handler.mjs', loader: 'js' },
    ...LAMBDA_BUNDLE_OPTIONS,
    mainFields: [...LAMBDA_BUNDLE_OPTIONS.mainFields],
    absWorkingDir: ROOT,
    outfile,
    write: true,
    ...options,
  });
  const ours = Object.keys((result.metafile as Metafile).inputs)
    .map((input) => relative(ROOT, join(ROOT, input)))
    .filter((input) => input.startsWith('dist/'));
  const run = spawnSync(process.execPath, [outfile], { cwd: dir, env: childEnv(), encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return { ours, output: JSON.parse(run.stdout) as unknown };
}

describe('the package bundled and minified into a Lambda handler', () => {
  it('keeps the error class names, in util.inspect and stack headers too, and the root and /ssm share one copy of the ES module build', async () => {
    const { ours, output } = await bundleAndRun(HANDLER, 'handler.mjs', {});

    // Node's inspect prints `<constructor name> [<name>]` when the two differ: `l [CognitoTokenError]` once minified.
    expect(output).toEqual({
      inspected: [
        'CognitoTokenError: "clientId" must be a non-empty string',
        'ChallengeRequiredError: complete the challenge',
      ],
      stackHeaders: [
        'CognitoTokenError: "clientId" must be a non-empty string',
        'ChallengeRequiredError: complete the challenge',
      ],
      constructorNames: ['CognitoTokenError', 'ChallengeRequiredError'],
      configuration: 'CognitoTokenError',
      ssm: 'CognitoTokenError',
      ssmSameClass: true,
      challenge: 'ChallengeRequiredError',
    });
    expect(ours.filter((input) => !input.startsWith('dist/esm/'))).toEqual([]);
  });

  // CommonJS output, so the SDK's own CommonJS files that `require` brings in may require Node's modules.
  it('imported and required in one bundle: two copies, and instanceof holds across them', async () => {
    const { ours, output } = await bundleAndRun(MIXED, 'mixed.cjs', { format: 'cjs' });

    expect(ours).toEqual(expect.arrayContaining(['dist/esm/index.js', 'dist/cjs/index.js']));
    expect(output).toEqual({
      twoCopies: true,
      importedIsRequired: true,
      requiredIsImported: true,
      challenge: true,
      notAChallenge: false,
      names: ['CognitoTokenError', 'CognitoTokenError'],
    });
  });
});
