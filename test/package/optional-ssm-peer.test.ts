import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsmEndpoint, ssmClientConfigFor, startSsmEndpoint } from '../../harness/ssm-endpoint.js';
import { childEnv, ROOT } from './packed-install.js';

// @aws-sdk/client-ssm is an optional peer dependency, owned by the cognito-token-provider/ssm entry point, as
// Powertools' parameters package does it: the package root never imports it, so an app that does not read SSM
// loads and runs without it. Importing /ssm without it fails the way Node fails any import of a missing
// package (ERR_MODULE_NOT_FOUND, or MODULE_NOT_FOUND from require), naming @aws-sdk/client-ssm: that is the
// expected behaviour of an optional peer's entry point, and it happens at the import, before any code runs.
// Only the bin, which imports /ssm when an SSM option is given, turns it into ERR_CONFIGURATION with the fix.
// Each project below holds the built package (dist + package.json) and symlinks to the SDK packages it has.
const PARAMETER = '/svc/orders/cognito';
const STORED = { username: 'svc-orders', password: 'Optional-Peer-Pa55word-41' };

const ROOT_ONLY = `
const tokens = createTokenProvider({ clientId: 'client', region: 'eu-west-1', credentials: { username: 'u', password: 'p' } });
let configuration;
try {
  createTokenProvider({ clientId: '', credentials: { username: 'u', password: 'p' } });
} catch (error) {
  configuration = error instanceof CognitoTokenError ? error.code : 'not a CognitoTokenError';
}
console.log(JSON.stringify({ provider: typeof tokens.getIdToken, configuration }));
`;
const IMPORT_SSM = (load: string) => `
try {
  ${load}
  console.log(JSON.stringify({ loaded: typeof fromSsm }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
`;
const READ = `
const config = JSON.parse(process.env.SSM_CLIENT_CONFIG);
const source = fromSsm({ parameter: ${JSON.stringify(PARAMETER)}, clientConfig: config });
const reads = [];
for (let attempt = 0; attempt < 2; attempt++) reads.push(await source());
console.log(JSON.stringify(reads));
`;

const FILES = {
  'root-only.mjs': `import { CognitoTokenError, createTokenProvider } from 'cognito-token-provider';\n${ROOT_ONLY}`,
  'root-only.cjs': `const { CognitoTokenError, createTokenProvider } = require('cognito-token-provider');\n${ROOT_ONLY}`,
  'import-ssm.mjs': IMPORT_SSM("const { fromSsm } = await import('cognito-token-provider/ssm');"),
  'import-ssm.cjs': IMPORT_SSM("const { fromSsm } = require('cognito-token-provider/ssm');"),
  'read.mjs': `import { fromSsm } from 'cognito-token-provider/ssm';\n${READ}`,
  'read.cjs': `const { fromSsm } = require('cognito-token-provider/ssm');\n(async () => {\n${READ}\n})();`,
};

// Node 20.19+ can require() an ES module; switched off, so the CommonJS half is proven to be real CommonJS.
const CJS = ['--no-experimental-require-module'];
const KINDS = [
  ['ESM', 'mjs', []],
  ['CommonJS', 'cjs', CJS],
] as const;

const requireFromRoot = createRequire(join(ROOT, 'package.json'));
const execNode = promisify(execFile);

let ssm: SsmEndpoint;
const projects: string[] = [];

/** A project with the built package and symlinks to the given SDK packages of this repository. */
function project(sdkPackages: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ctp-optional-ssm-'));
  projects.push(dir);
  const installed = join(dir, 'node_modules/cognito-token-provider');
  mkdirSync(installed, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  mkdirSync(join(dir, 'node_modules/@aws-sdk'));
  for (const name of sdkPackages) {
    symlinkSync(dirname(requireFromRoot.resolve(`${name}/package.json`)), join(dir, 'node_modules', name), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), '{"private": true}\n');
  for (const [file, contents] of Object.entries(FILES)) writeFileSync(join(dir, file), contents);
  return dir;
}

// No COGNITO_* or AWS_* settings of the developer's may reach the bin.
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.entries(childEnv()).filter(([key]) => !/^(COGNITO_|AWS_(?!SDK_JS_NODE))/i.test(key));
  return { ...Object.fromEntries(env), AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

/** Runs node asynchronously, so this process keeps serving the SSM endpoint the child calls. */
async function node(dir: string, args: readonly string[], env: Record<string, string> = {}) {
  const { stdout, stderr } = await execNode(process.execPath, args, { cwd: dir, env: cleanEnv(env), encoding: 'utf8' });
  expect(stderr).toBe('');
  return JSON.parse(stdout) as unknown;
}

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
    expect(fromPackage.resolve('@aws-sdk/client-cognito-identity-provider')).toBe(
      requireFromRoot.resolve('@aws-sdk/client-cognito-identity-provider'),
    );
  });

  it.each(KINDS)(
    '%s: the package root loads and a static-credentials provider is constructed',
    async (_, ext, flags) => {
      const result = await node(dir, [...flags, `root-only.${ext}`]);

      expect(result).toEqual({ provider: 'function', configuration: 'ERR_CONFIGURATION' });
    },
  );

  it('ESM: importing /ssm fails with ERR_MODULE_NOT_FOUND naming @aws-sdk/client-ssm and the /ssm entry', async () => {
    const result = await node(dir, ['import-ssm.mjs']);

    expect(result).toEqual({
      code: 'ERR_MODULE_NOT_FOUND',
      message: expect.stringMatching(
        /^Cannot find package '@aws-sdk\/client-ssm' imported from .*\/node_modules\/cognito-token-provider\/dist\/esm\/ssm\/index\.js$/,
      ),
    });
  });

  it('CommonJS: requiring /ssm fails with MODULE_NOT_FOUND naming @aws-sdk/client-ssm and the /ssm bundle', async () => {
    const result = await node(dir, [...CJS, 'import-ssm.cjs']);

    expect(result).toEqual({
      code: 'MODULE_NOT_FOUND',
      message: expect.stringMatching(
        /^Cannot find module '@aws-sdk\/client-ssm'\nRequire stack:\n- .*\/node_modules\/cognito-token-provider\/dist\/cjs\/ssm\/index\.js\n/,
      ),
    });
  });

  it('the bin: an SSM option exits with ERR_CONFIGURATION saying what to install; it reads no SSM', async () => {
    const calls = ssm.count();
    const bin = join(dir, 'node_modules/cognito-token-provider/dist/esm/cli.js');

    const run = await execNode(process.execPath, [bin, '--client-id', 'client', '--ssm-parameter', PARAMETER], {
      cwd: dir,
      env: cleanEnv({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_SSM: ssm.endpoint }),
      encoding: 'utf8',
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

    expect(run).toEqual({
      code: 2,
      stderr: expect.stringMatching(/^cognito-token: ERR_CONFIGURATION: .*npm install @aws-sdk\/client-ssm\n$/),
    });
    expect(ssm.count()).toBe(calls);
  });
});

describe('the built package with @aws-sdk/client-ssm installed', () => {
  let dir: string;

  beforeAll(() => {
    dir = project(['@aws-sdk/client-cognito-identity-provider', '@aws-sdk/client-ssm']);
  });

  it.each(KINDS)(
    '%s: fromSsm from /ssm reads the parameter through SSM once, then from its cache',
    async (_, ext, flags) => {
      const calls = ssm.count('GetParameters');

      const reads = await node(dir, [...flags, `read.${ext}`], {
        SSM_CLIENT_CONFIG: JSON.stringify(ssmClientConfigFor(ssm.endpoint)),
      });

      expect(reads).toEqual([STORED, STORED]);
      expect(ssm.count('GetParameters')).toBe(calls + 1);
    },
  );
});
