// `npx cognito-token` from the npm pack tarball installed in a fresh project, as a user gets it: the bin link,
// the shebang, the executable bit, the version lookup and the peer dependencies resolved from the consumer's
// node_modules. Run `npm run build` first.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CognitoStack, startCognitoStack } from '../../harness/cognito-stack.js';
import { type ProcessRun, runProcess } from '../../harness/run-process.js';
import { decodeJwtClaims } from '../../src/core/jwt-claims.js';
import { installPackedPackage, type PackedInstall } from '../package/packed-install.js';

type Run = ProcessRun;

let packed: PackedInstall;
let stack: CognitoStack;

// Under `npm test`, npm exports its own package and lifecycle to children; the nested npx must act on the
// consumer project alone.
function consumerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([key]) => !/^(npm_(package_|lifecycle_|config_local_prefix$)|COGNITO_|AWS_)/i.test(key),
  );
  return {
    ...Object.fromEntries(inherited),
    // npx's --no, as a variable: on the command line npm would read the bin's own --version as its own.
    npm_config_yes: 'false',
    // Nothing from the developer's ~/.aws or an instance role may reach the run.
    AWS_CONFIG_FILE: join(packed.dir, 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(packed.dir, 'no-such-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

/** `npx cognito-token ...` in the consumer project, never letting npx install a package of that name. */
function npx(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return runProcess('npx', ['cognito-token', ...args], { cwd: packed.dir, env: consumerEnv(env), killAfterMs: 60_000 });
}

/** npm itself may warn about the user's npmrc on stderr; only the command's own lines matter here. */
function ownLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'));
}

beforeAll(async () => {
  packed = installPackedPackage();
  stack = await startCognitoStack();
});

afterAll(async () => {
  await stack?.stop();
  packed?.remove();
});

describe('npx cognito-token, installed from the tarball', () => {
  it('--version prints the version of the installed package', async () => {
    const run = await npx(['--version']);

    expect(ownLines(run.stderr)).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${packed.manifest.version}\n`);
  });

  it('--help prints the usage', async () => {
    const run = await npx(['--help']);

    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: cognito-token --client-id/);
  });

  it('gets a token from the local Cognito, with the SDK the consumer installed', async () => {
    const { seed } = stack;

    const run = await npx(
      ['--client-id', seed.withSecret.clientId, '--region', seed.region, '--username', seed.user.email],
      {
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: stack.proxy.endpoint,
        COGNITO_PASSWORD: seed.user.password,
        COGNITO_CLIENT_SECRET: seed.withSecret.clientSecret,
      },
    );

    expect(ownLines(run.stderr)).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(decodeJwtClaims(run.stdout.trim())).toMatchObject({ token_use: 'id', sub: seed.user.sub });
  });

  it('fails with a usage line and status 2 on a bad command line', async () => {
    const run = await npx(['--client-id', 'x', '--region', 'eu-west-1']);

    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(ownLines(run.stderr)).toEqual([
      'cognito-token: ERR_USAGE: no credentials: give --username (password from --password-stdin or ' +
        'COGNITO_PASSWORD), --ssm-username with --ssm-password, --ssm-parameter, or --secret-id',
    ]);
  });
});
