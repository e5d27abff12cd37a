import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsmEndpoint, ssmClientConfigFor, startSsmEndpoint } from '../../harness/ssm-endpoint.js';
import { ROOT } from './packed-install.js';

// @aws-sdk/client-ssm is an optional peer dependency. In plain Node, package.json "imports" sends
// '#ssm-client-loader' to the lazy loader, so the built package must load without the SSM SDK, and fromSsm
// must fail only at its first read, saying what to install. With the SDK present, the same lazy path reads.
// Each project below holds the built package (dist + package.json) and symlinks to the SDK packages it has.
const PARAMETER = '/svc/orders/cognito';
const STORED = { username: 'svc-orders', password: 'Optional-Peer-Pa55word-41' };

const READ = `
const config = JSON.parse(process.env.SSM_CLIENT_CONFIG);
const source = fromSsm({ parameter: ${JSON.stringify(PARAMETER)}, clientConfig: config });
// The root loaded: the static-credentials provider works without the SSM SDK.
createTokenProvider({ clientId: 'client', region: 'eu-west-1', credentials: { username: 'u', password: 'p' } });
const reads = [];
for (let attempt = 0; attempt < 2; attempt++) {
  try {
    reads.push({ credentials: await source() });
  } catch (error) {
    reads.push({ name: error.name, code: error.code, message: error.message, causeCode: error.cause?.code });
  }
}
console.log(JSON.stringify(reads));
`;
const ESM_CONSUMER = `import { createTokenProvider, fromSsm } from 'cognito-token-provider';\n${READ}`;
const CJS_CONSUMER = `const { createTokenProvider, fromSsm } = require('cognito-token-provider');\n(async () => {\n${READ}\n})();`;

const requireFromRoot = createRequire(join(ROOT, 'package.json'));
const run = promisify(execFile);

let ssm: SsmEndpoint;
const projects: string[] = [];

function packageDir(name: string): string {
  return dirname(requireFromRoot.resolve(`${name}/package.json`));
}

/** A project with the built package and symlinks to the given SDK packages of this repository. */
function project(sdkPackages: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ctp-optional-ssm-'));
  projects.push(dir);
  const installed = join(dir, 'node_modules/cognito-token-provider');
  mkdirSync(installed, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  mkdirSync(join(dir, 'node_modules/@aws-sdk'));
  for (const name of sdkPackages) symlinkSync(packageDir(name), join(dir, 'node_modules', name), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"private": true}\n');
  writeFileSync(join(dir, 'consumer.mjs'), ESM_CONSUMER);
  writeFileSync(join(dir, 'consumer.cjs'), CJS_CONSUMER);
  return dir;
}

async function reads(dir: string, args: readonly string[]) {
  const env = { ...process.env, SSM_CLIENT_CONFIG: JSON.stringify(ssmClientConfigFor(ssm.endpoint)) };
  // Asynchronous, so this process keeps serving the SSM endpoint the consumer calls.
  const { stdout } = await run(process.execPath, args, { cwd: dir, env, encoding: 'utf8' });
  return JSON.parse(stdout) as Record<string, unknown>[];
}

// Node 20.19+ can require() an ES module; switched off, so the CommonJS half is proven to be real CommonJS.
const CONSUMERS = [
  ['ESM', ['consumer.mjs']],
  ['CommonJS', ['--no-experimental-require-module', 'consumer.cjs']],
] as const;

beforeAll(async () => {
  ssm = await startSsmEndpoint([{ name: PARAMETER, type: 'SecureString', value: JSON.stringify(STORED) }]);
});

afterAll(async () => {
  await ssm?.stop();
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

describe('the built package without @aws-sdk/client-ssm installed', () => {
  let dir: string;

  beforeAll(() => {
    dir = project(['@aws-sdk/client-cognito-identity-provider']);
  });

  it('has no @aws-sdk/client-ssm to resolve (the premise of the tests below)', () => {
    const fromPackage = createRequire(join(dir, 'node_modules/cognito-token-provider/dist/cjs/index.js'));

    expect(() => fromPackage.resolve('@aws-sdk/client-ssm')).toThrow(/Cannot find module/);
    expect(fromPackage.resolve('@aws-sdk/client-cognito-identity-provider')).toContain(ROOT);
  });

  it.each(CONSUMERS)(
    '%s: loads, and fromSsm fails each read with ERR_CONFIGURATION saying what to install',
    async (_kind, args) => {
      const calls = ssm.count();

      const [first, second] = await reads(dir, args);

      for (const read of [first, second]) {
        expect(read).toEqual({
          name: 'CognitoTokenError',
          code: 'ERR_CONFIGURATION',
          message: expect.stringContaining('npm install @aws-sdk/client-ssm'),
          causeCode: expect.stringMatching(/^(ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND)$/),
        });
      }
      expect(ssm.count()).toBe(calls);
    },
  );
});

describe('the built package with @aws-sdk/client-ssm installed, in plain Node', () => {
  let dir: string;

  beforeAll(() => {
    dir = project(['@aws-sdk/client-cognito-identity-provider', '@aws-sdk/client-ssm']);
  });

  it.each(CONSUMERS)('%s: fromSsm loads the SSM client on its first read and reads once', async (_kind, args) => {
    const calls = ssm.count('GetParameters');

    const [first, second] = await reads(dir, args);

    expect(first).toEqual({ credentials: STORED });
    expect(second).toEqual({ credentials: STORED });
    expect(ssm.count('GetParameters')).toBe(calls + 1);
  });
});
