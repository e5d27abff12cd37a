import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Message, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CognitoStack, startCognitoStack } from '../../harness/cognito-stack.js';
import { LAMBDA_BUNDLE_OPTIONS } from '../../scripts/lambda-bundle-options.js';
import { childEnv, installPackedPackage, type PackedInstall } from './packed-install.js';

// The issue: a Lambda handler that never uses fromSsm, bundled with esbuild with the AWS SDK inside (no
// externals), in a project without the optional peer @aws-sdk/client-ssm. The bundler follows every import of
// the files it bundles, so one import of the SSM client anywhere under the package root made the build fail with
// `Could not resolve "@aws-sdk/client-ssm"`. Now only the cognito-token-provider/ssm entry point imports it.
//
// The consumer is the npm pack tarball installed by npm with the Cognito client alone: npm installs no optional
// peer by itself, so nothing in the project can resolve @aws-sdk/client-ssm. The bundle is then run outside the
// project, with no node_modules in reach, and signs in against the local Cognito (cognito-local behind the
// counting proxy, which checks SECRET_HASH).
const HANDLER = `
import { createTokenProvider, decodeJwtClaims } from 'cognito-token-provider';

const tokens = createTokenProvider({
  clientId: process.env.COGNITO_CLIENT_ID,
  credentials: {
    username: process.env.COGNITO_USERNAME,
    password: process.env.COGNITO_PASSWORD,
    clientSecret: process.env.COGNITO_CLIENT_SECRET,
  },
  clientConfig: { endpoint: process.env.COGNITO_ENDPOINT, region: 'eu-west-1' },
});

export const handler = async () => {
  const idToken = await tokens.getIdToken();
  return { statusCode: 200, body: JSON.stringify({ email: decodeJwtClaims(idToken).email }) };
};
`;
// The control: the same handler with fromSsm, which does need the SSM client.
const SSM_HANDLER = `import { fromSsm } from 'cognito-token-provider/ssm';\nexport const source = fromSsm({ parameter: '/svc/orders/cognito' });\n${HANDLER}`;
// What the Lambda runtime does, twice: import the bundle and invoke its handler.
const INVOKE = `
import { handler } from './handler.mjs';
const results = [];
for (let invocation = 0; invocation < 2; invocation++) results.push(await handler({}));
console.log(JSON.stringify(results));
`;

const execNode = promisify(execFile);
let packed: PackedInstall;
let stack: CognitoStack;
let runDir: string;

beforeAll(async () => {
  packed = installPackedPackage({ peers: ['@aws-sdk/client-cognito-identity-provider'] });
  packed.write('handler.mjs', HANDLER);
  packed.write('ssm-handler.mjs', SSM_HANDLER);
  runDir = mkdtempSync(join(tmpdir(), 'ctp-lambda-run-'));
  stack = await startCognitoStack();
});

afterAll(async () => {
  await stack?.stop();
  packed?.remove();
  if (runDir !== undefined) rmSync(runDir, { recursive: true, force: true });
});

/** Bundles one of the consumer's handlers as a user's Lambda build would: minified ESM, no externals. */
function bundle(entry: string, outfile: string, logLevel: 'error' | 'silent' = 'error') {
  return build({
    ...LAMBDA_BUNDLE_OPTIONS,
    mainFields: [...LAMBDA_BUNDLE_OPTIONS.mainFields],
    absWorkingDir: packed.dir,
    entryPoints: [entry],
    outfile,
    write: true,
    logLevel,
  });
}

describe('a Lambda handler without fromSsm, bundled with the SDK in a project without @aws-sdk/client-ssm', () => {
  it('is in a project where the package cannot resolve @aws-sdk/client-ssm (the premise)', () => {
    const installed = join(packed.dir, 'node_modules/cognito-token-provider');
    const fromSsmEntry = createRequire(join(installed, 'dist/esm/ssm/index.js'));

    expect(existsSync(join(packed.dir, 'node_modules/@aws-sdk/client-ssm'))).toBe(false);
    expect(() => fromSsmEntry.resolve('@aws-sdk/client-ssm')).toThrow(/Cannot find module/);
    // The Cognito client is the consumer's own copy, installed by npm, not this repository's.
    expect(realpathSync(fromSsmEntry.resolve('@aws-sdk/client-cognito-identity-provider'))).toContain(
      realpathSync(packed.dir),
    );
  });

  it('builds with the SDK inside, and the bundle signs in to Cognito from a directory without node_modules', async () => {
    const outfile = join(runDir, 'handler.mjs');
    const calls = stack.proxy.count('InitiateAuth');

    const result = await bundle('handler.mjs', outfile);
    writeFileSync(join(runDir, 'invoke.mjs'), INVOKE);
    const { stdout, stderr } = await execNode(process.execPath, ['invoke.mjs'], {
      cwd: runDir,
      env: {
        ...childEnv(),
        COGNITO_CLIENT_ID: stack.seed.withSecret.clientId,
        COGNITO_CLIENT_SECRET: stack.seed.withSecret.clientSecret,
        COGNITO_USERNAME: stack.seed.user.email,
        COGNITO_PASSWORD: stack.seed.user.password,
        COGNITO_ENDPOINT: stack.clientConfig.endpoint,
      },
      encoding: 'utf8',
    });

    const inputs = Object.keys((result.metafile as Metafile).inputs);
    const [output] = Object.values((result.metafile as Metafile).outputs);
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    expect(result.errors).toEqual([]);
    expect(inputs.some((input) => input.startsWith('node_modules/@aws-sdk/client-cognito-identity-provider/'))).toBe(
      true,
    );
    expect(inputs.filter((input) => input.includes('client-ssm'))).toEqual([]);
    // Self-contained: all that stays an import is Node's own modules.
    expect(output?.imports.filter(({ path }) => !builtins.has(path))).toEqual([]);
    expect(stderr).toBe('');
    const body = JSON.stringify({ email: stack.seed.user.email });
    expect(JSON.parse(stdout)).toEqual([
      { statusCode: 200, body },
      { statusCode: 200, body },
    ]);
    // Signed in once, with a SECRET_HASH the proxy verified; the second invocation used the cached token.
    expect(stack.proxy.count('InitiateAuth')).toBe(calls + 1);
  });

  it('the same handler importing cognito-token-provider/ssm does not build there, for want of the SSM client', async () => {
    // Silent: the failure is the expected outcome, and esbuild would print it to stderr.
    const failure = await bundle('ssm-handler.mjs', join(runDir, 'ssm-handler.mjs'), 'silent').then(
      () => undefined,
      (error: { errors?: Message[] }) => error.errors,
    );

    expect(failure).toEqual([
      expect.objectContaining({
        text: 'Could not resolve "@aws-sdk/client-ssm"',
        location: expect.objectContaining({ file: 'node_modules/cognito-token-provider/dist/esm/ssm/index.js' }),
      }),
    ]);
  });
});
