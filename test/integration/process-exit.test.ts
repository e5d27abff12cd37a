// A failed token request must leave nothing running: each path (user sign-in, M2M over the OAuth2 endpoint and
// GetClientToken, credentials from SSM) is run in a child process against a loopback server that never answers,
// with timeoutMs 300, and the child must exit on its own right after the failure. Run `npm run build` first: the
// child imports the built package, as a user's script would.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileEndpoint, hang, startHostileEndpoint } from '../../harness/hostile-endpoint.js';
import { runProcess } from '../../harness/run-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = pathToFileURL(join(ROOT, 'dist/esm/index.js')).href;
const SSM_ENTRY = pathToFileURL(join(ROOT, 'dist/esm/ssm/index.js')).href;
/** From the failure to the exit: far above what a clean exit takes, far below the 10 s an SSM read could hang. */
const EXIT_WITHIN_MS = 1_500;

let endpoint: HostileEndpoint;

beforeAll(async () => {
  endpoint = await startHostileEndpoint();
  endpoint.answer(hang());
});

afterAll(() => endpoint?.stop());

/**
 * Runs `body` (an async function body receiving the package as `pkg`, the /ssm entry as `ssm` and the endpoint
 * as `endpoint`) in a fresh Node process; the child prints the failure's code and when it happened.
 */
async function runChild(body: string) {
  const script = `
    const pkg = await import(${JSON.stringify(ENTRY)});
    const ssm = await import(${JSON.stringify(SSM_ENTRY)});
    const endpoint = ${JSON.stringify(endpoint.endpoint)};
    const aws = { region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } };
    try {
      await (async () => { ${body} })();
      console.log(JSON.stringify({ code: 'none' }));
    } catch (error) {
      console.log(JSON.stringify({ code: error.code, message: error.message, failedAt: Date.now() }));
    }
  `;
  const run = await runProcess(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    killAfterMs: 20_000,
  });
  const exitedAt = Date.now();
  const outcome = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
    code?: string;
    message?: string;
    failedAt?: number;
  };
  return { run, outcome, lingeredMs: exitedAt - (outcome.failedAt ?? exitedAt) };
}

describe('a request that never gets an answer leaves nothing behind when the deadline runs out', () => {
  it.each([
    [
      'user sign-in',
      `
      const tokens = pkg.createTokenProvider({
        clientId: 'client', timeoutMs: 300, clientConfig: aws,
        credentials: { username: 'u', password: 'Pa55word-long-enough' },
      });
      await tokens.getIdToken();
    `,
    ],
    [
      'M2M over the OAuth2 token endpoint',
      `
      const m2m = pkg.createClientTokenProvider({
        clientId: 'client', clientSecret: 'client-secret-value', timeoutMs: 300,
        tokenEndpoint: endpoint + '/oauth2/token',
      });
      await m2m.getAccessToken();
    `,
    ],
    [
      'M2M with GetClientToken',
      `
      const m2m = pkg.createClientTokenProvider({
        clientId: 'client', clientSecret: 'client-secret-value', timeoutMs: 300, clientConfig: aws,
      });
      await m2m.getAccessToken();
    `,
    ],
  ])('%s', async (_name, script) => {
    const { run, outcome, lingeredMs } = await runChild(script);

    expect(outcome.code).toBe('ERR_UNAVAILABLE');
    expect(run.status).toBe(0);
    expect(lingeredMs).toBeLessThan(EXIT_WITHIN_MS);
  });

  it('credentials from SSM', async () => {
    const { run, outcome, lingeredMs } = await runChild(`
      const tokens = pkg.createTokenProvider({
        clientId: 'client', timeoutMs: 300, region: 'eu-west-1',
        credentials: ssm.fromSsm({ parameter: '/svc/orders/cognito', clientConfig: aws }),
      });
      await tokens.getIdToken();
    `);

    expect(outcome.code).toBe('ERR_CREDENTIALS');
    expect(outcome.message).toContain('SSM parameter "/svc/orders/cognito"');
    expect(run.status).toBe(0);
    expect(lingeredMs).toBeLessThan(EXIT_WITHIN_MS);
  });
});
