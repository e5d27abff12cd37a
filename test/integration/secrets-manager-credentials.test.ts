// fromSecretsManager end to end: the built package, the real SecretsManagerClient (signing, AWS JSON 1.1, error
// parsing) against the Secrets Manager test endpoint (harness/secrets-manager-endpoint.ts), and the credentials
// it reads used to sign in: with SRP against the SRP test server, which answers a wrong password with
// NotAuthorizedException as Cognito does, and with a password changed in cognito-local for a whole rotation.
// The request counts of a rotation measured here are the ones docs/secrets-manager.md quotes. Run
// `npm run build` first.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type CognitoTokenError,
  type CredentialsSource,
  createTokenProvider,
  decodeJwtClaims,
  type TokenProviderOptions,
} from 'cognito-token-provider';
import { fromSecretsManager } from 'cognito-token-provider/secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CognitoSrpServer } from '../../harness/cognito-srp-server.js';
import { type CognitoStack, startCognitoStack } from '../../harness/cognito-stack.js';
import { findLeaks } from '../../harness/leak-scan.js';
import { runProcess } from '../../harness/run-process.js';
import {
  type SecretsManagerEndpoint,
  secretsManagerClientConfigFor,
  startSecretsManagerEndpoint,
} from '../../harness/secrets-manager-endpoint.js';
import { isolatedEnv } from '../helpers/child-env.js';
import { setUserPassword, useSrpServers } from '../helpers/cognito-stack-hooks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USER_POOL_ID = 'eu-west-1_Rotation7';
const CLIENT_ID = 'rotation-client';
/** Cognito already has the password of the rotation's AWSPENDING version. */
const ROTATING = { username: 'b6f1c2d3-5e4f-4a8b-9c0d-1e2f3a4b5c6d', password: 'Pending-Pa55word-Already-In-Cognito' };
const OLD_PASSWORD = 'Current-Pa55word-Before-Rotation';
const WRONG_PASSWORD = 'Wrong-Pa55word-Never-In-Cognito';

let server: CognitoSrpServer;
let secrets: SecretsManagerEndpoint;

useSrpServers(
  [
    {
      userPoolId: USER_POOL_ID,
      clients: [{ clientId: CLIENT_ID, explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
      users: [ROTATING],
    },
  ],
  (started) => {
    [server] = started;
  },
);

beforeAll(async () => {
  secrets = await startSecretsManagerEndpoint([
    { name: 'svc/rotating', value: JSON.stringify({ username: ROTATING.username, password: OLD_PASSWORD }) },
    { name: 'svc/wrong', value: JSON.stringify({ username: ROTATING.username, password: WRONG_PASSWORD }) },
    { name: 'svc/wrong-rotation', value: JSON.stringify({ username: ROTATING.username, password: OLD_PASSWORD }) },
    { name: 'svc/current', value: JSON.stringify(ROTATING) },
    { name: 'svc/binary', value: new TextEncoder().encode(JSON.stringify(ROTATING)) },
  ]);
  secrets.putPending('svc/rotating', JSON.stringify(ROTATING));
  secrets.putPending('svc/wrong-rotation', JSON.stringify({ username: ROTATING.username, password: WRONG_PASSWORD }));
});

afterAll(() => secrets?.stop());

beforeEach(() => {
  secrets.setFaults([]);
});

const source = (secretId: string) =>
  fromSecretsManager({ secretId, clientConfig: secretsManagerClientConfigFor(secrets.endpoint) });

function srpProvider(credentials: CredentialsSource, overrides: Partial<TokenProviderOptions> = {}) {
  return createTokenProvider({
    clientId: CLIENT_ID,
    userPoolId: USER_POOL_ID,
    flow: 'user-srp',
    clientConfig: { endpoint: server.endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } },
    credentials,
    ...overrides,
  } as TokenProviderOptions);
}

/** GetSecretValue requests since `before` (a `secrets.calls.length`), as `STAGE status` lines. */
const readsSince = (before: number) =>
  secrets.calls.slice(before).map((call) => `${call.versionStage} ${call.errorType ?? call.status}`);
/** Sign-in attempts the SRP server saw: one InitiateAuth each, refused or not. */
const signIns = () => server.requests.filter((request) => request.operation === 'InitiateAuth').length;

async function failureOf(promise: Promise<unknown>): Promise<CognitoTokenError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toMatchObject({ name: 'CognitoTokenError' });
  return error as CognitoTokenError;
}

describe('rotation, through the real SDK and SRP sign-in', () => {
  it('signs in during a rotation window: 3 GetSecretValue requests and 2 sign-ins, the first refused', async () => {
    const before = secrets.calls.length;

    const idToken = await srpProvider(source('svc/rotating')).getIdToken();

    expect(decodeJwtClaims(idToken)['cognito:username']).toBe(ROTATING.username);
    expect(readsSince(before)).toEqual(['AWSCURRENT 200', 'AWSCURRENT 200', 'AWSPENDING 200']);
    expect(signIns()).toBe(2);
    expect(secrets.calls.slice(before).every((call) => call.signed)).toBe(true);
  });

  it.each([
    ['a wrong password with no rotation: 3 requests (AWSPENDING missing)', 'svc/wrong', 'ResourceNotFoundException'],
    ['both versions wrong: 3 requests', 'svc/wrong-rotation', '200'],
  ])('gives ERR_AUTHENTICATION for %s, 2 sign-ins', async (_case, secretId, pendingAnswer) => {
    const before = secrets.calls.length;

    const error = await failureOf(srpProvider(source(secretId)).getIdToken());

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(readsSince(before)).toEqual(['AWSCURRENT 200', 'AWSCURRENT 200', `AWSPENDING ${pendingAnswer}`]);
    expect(signIns()).toBe(2);
  });

  it('makes one request for 1,000 concurrent first reads', async () => {
    const before = secrets.calls.length;
    const credentials = source('svc/current');

    const reads = await Promise.all(Array.from({ length: 1_000 }, () => credentials()));

    expect(new Set(reads).size).toBe(1);
    expect(secrets.calls.length - before).toBe(1);
  });
});

describe('failures, through the real SDK', () => {
  it.each([
    ['svc/missing', [], 'ResourceNotFoundException', 'check "secretId"'],
    ['svc/current', [{ fault: 'access-denied' as const }], 'AccessDeniedException', 'secretsmanager:GetSecretValue'],
    ['svc/current', [{ fault: 'kms-access-denied' as const }], 'AccessDeniedException', 'kms:Decrypt on the key'],
    ['svc/current', [{ fault: 'decryption-failure' as const }], 'DecryptionFailure', 'kms:Decrypt on the key'],
    ['svc/binary', [], 'SecretString', 'holds SecretBinary only'],
  ])('%s with %o: ERR_CREDENTIALS naming %s', async (secretId, faults, named, advice) => {
    secrets.setFaults(faults);

    const error = await failureOf(srpProvider(source(secretId)).getIdToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain(`Secrets Manager secret "${secretId}"`);
    expect(error.message).toContain(named);
    expect(error.message).toContain(advice);
    expect(signIns()).toBe(0);
    expect(findLeaks([error], { password: ROTATING.password })).toEqual([]);
  });

  it('refuses a wrong signature with ERR_CREDENTIALS, the AWS error as cause', async () => {
    const config = secretsManagerClientConfigFor(secrets.endpoint);
    const credentials = fromSecretsManager({
      secretId: 'svc/current',
      clientConfig: { ...config, credentials: { ...config.credentials, secretAccessKey: 'not-the-key' } },
    });

    const error = await failureOf(credentials());

    expect(error).toMatchObject({
      code: 'ERR_CREDENTIALS',
      cause: expect.objectContaining({ name: 'InvalidSignatureException' }),
    });
  });

  it('retries a throttled read and a 5xx, then signs in', async () => {
    secrets.setFaults([
      { fault: 'throttle', times: 1 },
      { fault: 'server-error', times: 1 },
    ]);
    const before = secrets.calls.length;

    await srpProvider(source('svc/current')).getIdToken();

    expect(readsSince(before)).toEqual([
      'AWSCURRENT ThrottlingException',
      'AWSCURRENT InternalServiceError',
      'AWSCURRENT 200',
    ]);
  });

  it.each([
    ['the first read', [{ fault: 'hostile-echo' as const }], false],
    ['the AWSPENDING read', [{ fault: 'hostile-echo' as const, stage: 'AWSPENDING' }], true],
  ])('shows no secret when %s meets an endpoint echoing the request and the secret', async (_when, faults, reads) => {
    secrets.setFaults(faults);
    const credentials = source('svc/rotating');
    const tokens = srpProvider(credentials);

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('ValidationException: message withheld');
    expect(signIns() > 0).toBe(reads);
    expect(
      findLeaks([error, credentials, tokens], {
        currentPassword: OLD_PASSWORD,
        pendingPassword: ROTATING.password,
        secretAccessKey: secretsManagerClientConfigFor(secrets.endpoint).credentials.secretAccessKey,
      }),
    ).toEqual([]);
  });
});

describe("the caller's deadline", () => {
  it('ends a token request on a hanging Secrets Manager with ERR_CREDENTIALS naming the secret', async () => {
    secrets.setFaults([{ fault: 'hang' }]);

    const error = await failureOf(srpProvider(source('svc/current'), { timeoutMs: 300 }).getIdToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toBe(
      'Could not read Secrets Manager secret "svc/current": Secrets Manager did not answer before the token ' +
        "request's timeout ran out",
    );
  });

  it('leaves nothing running: a script whose read hangs exits right after the failure', async () => {
    secrets.setFaults([{ fault: 'hang' }]);
    const entry = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, path)).href);
    const script = `
      const pkg = await import(${entry('dist/esm/index.js')});
      const sm = await import(${entry('dist/esm/secrets-manager/index.js')});
      const clientConfig = ${JSON.stringify(secretsManagerClientConfigFor(secrets.endpoint))};
      const tokens = pkg.createTokenProvider({
        clientId: 'client', timeoutMs: 300, region: 'eu-west-1',
        credentials: sm.fromSecretsManager({ secretId: 'svc/orders/cognito', clientConfig }),
      });
      try {
        await tokens.getIdToken();
        console.log(JSON.stringify({ code: 'none' }));
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message, failedAt: Date.now() }));
      }
    `;

    const run = await runProcess(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      killAfterMs: 20_000,
    });
    const exitedAt = Date.now();
    const outcome = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}');

    expect(outcome.code).toBe('ERR_CREDENTIALS');
    expect(outcome.message).toContain('Secrets Manager secret "svc/orders/cognito"');
    expect(run.status).toBe(0);
    // From the failure to the exit: far above what a clean exit takes, far below the read's own 10 s limit.
    expect(exitedAt - outcome.failedAt).toBeLessThan(1_500);
  });
});

describe('a whole rotation, with the password changed in cognito-local', () => {
  let stack: CognitoStack;

  beforeAll(async () => {
    stack = await startCognitoStack();
  });

  afterAll(() => stack?.stop());

  const setCognitoPassword = (password: string) => setUserPassword(stack, password);

  it('serves cognito-token --secret-id, which finds the endpoint through AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    const { seed } = stack;
    secrets.put(
      'svc/cli',
      JSON.stringify({
        username: seed.user.email,
        password: seed.user.password,
        clientSecret: seed.withSecret.clientSecret,
      }),
    );
    const before = secrets.calls.length;
    const { accessKeyId, secretAccessKey } = secretsManagerClientConfigFor(secrets.endpoint).credentials;

    const run = await runProcess(
      process.execPath,
      [join(ROOT, 'dist/esm/cli.js'), '--client-id', seed.withSecret.clientId, '--secret-id', 'svc/cli'],
      {
        env: isolatedEnv({
          AWS_REGION: seed.region,
          AWS_ACCESS_KEY_ID: accessKeyId,
          AWS_SECRET_ACCESS_KEY: secretAccessKey,
          AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: stack.proxy.endpoint,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        }),
        killAfterMs: 30_000,
      },
    );

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(decodeJwtClaims(run.stdout.trim())).toMatchObject({ token_use: 'id', sub: seed.user.sub });
    expect(secrets.calls.slice(before)).toEqual([
      expect.objectContaining({ secretId: 'svc/cli', versionStage: 'AWSCURRENT', signed: true, status: 200 }),
    ]);
  });

  it('costs 1 request before, 3 during the window and 1 after, with one refused sign-in', async () => {
    const { seed } = stack;
    const value = (password: string) =>
      JSON.stringify({ username: seed.user.email, password, clientSecret: seed.withSecret.clientSecret });
    secrets.put('svc/cognito-local', value(seed.user.password));
    const tokens = createTokenProvider({
      clientId: seed.withSecret.clientId,
      clientConfig: stack.clientConfig,
      credentials: fromSecretsManager({
        secretId: 'svc/cognito-local',
        // Every sign-in reads again, so each phase below shows its own requests.
        maxAgeSeconds: 0,
        clientConfig: secretsManagerClientConfigFor(secrets.endpoint),
      }),
    });
    const phase = async (act: () => Promise<void>) => {
      const before = secrets.calls.length;
      stack.proxy.resetCounts();
      await act();
      await tokens.getIdToken();
      return {
        reads: readsSince(before),
        signIns: stack.proxy.calls.map((call) => call.errorType ?? 'signed in'),
      };
    };

    const beforeRotation = await phase(async () => undefined);
    const rotated = `Rotated-${Date.now()}-aA1!`;
    // The rotation function: createSecret, then setSecret.
    const window = await phase(async () => {
      secrets.putPending('svc/cognito-local', value(rotated));
      await setCognitoPassword(rotated);
      tokens.invalidate();
    });
    // finishSecret.
    const afterRotation = await phase(async () => {
      secrets.promote('svc/cognito-local');
      tokens.invalidate();
    });

    expect(beforeRotation).toEqual({ reads: ['AWSCURRENT 200'], signIns: ['signed in'] });
    expect(window).toEqual({
      reads: ['AWSCURRENT 200', 'AWSCURRENT 200', 'AWSPENDING 200'],
      // cognito-local answers a wrong password with InvalidPasswordException where Cognito says NotAuthorized.
      signIns: ['InvalidPasswordException', 'signed in'],
    });
    expect(afterRotation).toEqual({ reads: ['AWSCURRENT 200'], signIns: ['signed in'] });
  });
});
