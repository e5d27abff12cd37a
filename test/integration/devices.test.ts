// createTokenProvider and `cognito-token device remember` in user pools that track devices, over HTTP, through
// the real SDK, against the test server's device tracking (harness/cognito-srp-server.ts, checked against
// amazon-cognito-identity-js in srp-server-devices.test.ts): renewals are refreshes naming the device, a
// remembered device skips TOTP and registers nothing, the CLI's output works as credentials.device, and
// user-password warns once. No device secret reaches an error, a log event, stderr or the shared cache.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CognitoSrpServer, SrpServerUser } from '../../harness/cognito-srp-server.js';
import { findLeaks, secretFragments } from '../../harness/leak-scan.js';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import { runProcess } from '../../harness/run-process.js';
import { LOCAL_AWS_CREDENTIALS } from '../../harness/sigv4.js';
import { type SsmEndpoint, ssmClientConfigFor, startSsmEndpoint } from '../../harness/ssm-endpoint.js';
import { explicitSealingKey, openEntry, storeKeyOf } from '../../src/fleet/entry-sealing.js';
import {
  CognitoTokenError,
  type CognitoTokens,
  createTokenProvider,
  decodeJwtClaims,
  type RememberedDevice,
  shareTokenStore,
  type TokenProviderLogger,
  type TokenProviderOptions,
} from '../../src/index.js';
import { fromSsm } from '../../src/ssm/index.js';
import { isolatedEnv } from '../helpers/child-env.js';
import { type CliRun, runCliCaptured } from '../helpers/cli-runner.js';
import { useSrpServers } from '../helpers/cognito-stack-hooks.js';

const REGION = 'eu-west-1';
const TRACKING_POOL = 'eu-west-1_Remember5';
const NO_SUPPRESSION_POOL = 'eu-west-1_RememberMfa6';
const CLIENT_SECRET = 'devices-integration-client-secret-0123';
const FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
const BIN = fileURLToPath(new URL('../../dist/esm/cli.js', import.meta.url));

// Each test signs in as users of its own: devices and used TOTP steps are per user, and outlive a test.
let users = 0;
function user(name: string, options: Partial<SrpServerUser> = {}): SrpServerUser & { email: string } {
  users += 1;
  return {
    username: `5e0d1c2b-3a49-4857-9666-${String(users).padStart(12, '0')}`,
    email: `${name}@example.com`,
    aliases: [`${name}@example.com`],
    password: `${name}-Pa55word!`,
    ...options,
  };
}
const TOTP = 'KRUGS4ZANFZSA5DIMUQHI33UOAQHGZLDOJSXI===';
const RENEWER = user('renewer');
const GET_TOKENS = user('gettokens');
const CHOICE = user('choice');
const CLI_USER = user('cliuser', { totpSecret: TOTP, mfa: 'SOFTWARE_TOKEN_MFA' });
const PASSWORD_FLOW = user('pwflow');
const CHOICE_DEVICE = user('choicedev', { totpSecret: TOTP, mfa: 'SOFTWARE_TOKEN_MFA' });
const FORGOTTEN = user('forgotten');
const SHARED = user('shared');
const UNSUPPRESSED = user('unsuppressed', { totpSecret: TOTP, mfa: 'SOFTWARE_TOKEN_MFA' });

let tracking: CognitoSrpServer;
let noSuppression: CognitoSrpServer;
let ssm: SsmEndpoint;

/** Everything any test printed, returned or logged, for the leak scan at the end. */
const seen: unknown[] = [];
/** Every device secret any test handled. */
const deviceSecrets: Record<string, string> = {};

const clients = [
  { clientId: 'app', explicitAuthFlows: FLOWS },
  { clientId: 'secret-app', clientSecret: CLIENT_SECRET, explicitAuthFlows: FLOWS },
];
useSrpServers(
  [
    {
      userPoolId: TRACKING_POOL,
      clients,
      users: [RENEWER, GET_TOKENS, CHOICE, CLI_USER, PASSWORD_FLOW, CHOICE_DEVICE, FORGOTTEN, SHARED],
      devices: { remember: 'always', suppressMfa: true },
    },
    { userPoolId: NO_SUPPRESSION_POOL, clients, users: [UNSUPPRESSED], devices: { remember: 'user-opt-in' } },
  ],
  (started) => {
    [tracking, noSuppression] = started;
  },
);

beforeAll(async () => {
  ssm = await startSsmEndpoint([
    {
      name: '/svc/devices/cognito',
      value: JSON.stringify({ username: CLI_USER.email, password: CLI_USER.password, totpSecret: TOTP }),
    },
  ]);
});

afterAll(() => ssm?.stop());

// After every test, whatever the order: no device secret handled so far in anything returned, thrown, logged or
// printed so far, and no token in a log event or an error.
afterEach(() => {
  expect(findLeaks(seen, deviceSecrets)).toEqual([]);
  const tokens = seen.find((value): value is CognitoTokens => value instanceof Object && 'idToken' in value);
  if (tokens !== undefined) {
    const logsAndErrors = seen.filter((value) => value instanceof Error || Array.isArray(value));
    expect(findLeaks(logsAndErrors, secretFragments('idToken', tokens.idToken))).toEqual([]);
  }
});

function provider(server: CognitoSrpServer, overrides: Partial<TokenProviderOptions>) {
  const tokens = createTokenProvider({
    clientId: 'app',
    userPoolId: server === tracking ? TRACKING_POOL : NO_SUPPRESSION_POOL,
    flow: 'user-srp',
    clientConfig: { endpoint: server.endpoint, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } },
    ...overrides,
  } as TokenProviderOptions);
  seen.push(tokens);
  return tokens;
}

/** The requests as `Operation:step`, the step being the auth flow or challenge where there is one. */
const steps = (server: CognitoSrpServer) =>
  server.requests.map((r) => {
    const step = r.body.AuthFlow ?? r.body.ChallengeName;
    return step === undefined ? r.operation : `${r.operation}:${String(step)}`;
  });

function count(server: CognitoSrpServer): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const step of steps(server)) counts[step] = (counts[step] ?? 0) + 1;
  return counts;
}

function collectingLogger(): { logger: TokenProviderLogger; warnings: unknown[]; events: unknown[] } {
  const warnings: unknown[] = [];
  const events: unknown[] = [];
  seen.push(warnings, events);
  return {
    warnings,
    events,
    logger: {
      debug: (message, details) => events.push(message, details),
      warn: (message, details) => warnings.push([message, details]),
    },
  };
}

function keep(
  label: string,
  device: RememberedDevice | { deviceKey: string; deviceGroupKey: string; devicePassword: string },
) {
  const values =
    'key' in device
      ? device
      : { key: device.deviceKey, groupKey: device.deviceGroupKey, password: device.devicePassword };
  deviceSecrets[`${label} key`] = values.key;
  deviceSecrets[`${label} group key`] = values.groupKey;
  deviceSecrets[`${label} password`] = values.password;
}

async function failureOf(promise: Promise<unknown>): Promise<CognitoTokenError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof CognitoTokenError)) throw new Error(`expected a CognitoTokenError, got ${inspect(error)}`);
  seen.push(error);
  return error;
}

describe('renewals in a pool that tracks devices', () => {
  it('ten renewals are ten refreshes naming the device: one sign-in, one ConfirmDevice, no second sign-in', async () => {
    const tokens = provider(tracking, {
      clientId: 'secret-app',
      credentials: { username: RENEWER.email, password: RENEWER.password, clientSecret: CLIENT_SECRET },
    });

    const first = await tokens.getTokens();
    const signIn = count(tracking);
    tracking.requests.length = 0;
    for (let i = 0; i < 10; i++) seen.push(await tokens.refresh());

    const [device] = tracking.devicesOf(RENEWER.username);
    expect(signIn).toEqual({
      'InitiateAuth:USER_SRP_AUTH': 1,
      'RespondToAuthChallenge:PASSWORD_VERIFIER': 1,
      ConfirmDevice: 1,
    });
    expect(count(tracking)).toEqual({ 'InitiateAuth:REFRESH_TOKEN_AUTH': 10 });
    for (const request of tracking.requests) {
      expect(request.body.AuthParameters).toMatchObject({ DEVICE_KEY: device?.key });
    }
    expect(tracking.devicesOf(RENEWER.username)).toEqual([
      expect.objectContaining({ confirmed: true, name: 'cognito-token-provider' }),
    ]);
    seen.push(first);
  });

  it("names the device as DeviceKey with refresh: 'get-tokens-from-refresh-token'", async () => {
    const tokens = provider(tracking, {
      refresh: 'get-tokens-from-refresh-token',
      credentials: { username: GET_TOKENS.username, password: GET_TOKENS.password },
    });

    await tokens.getTokens();
    tracking.requests.length = 0;
    for (let i = 0; i < 3; i++) await tokens.refresh();

    expect(count(tracking)).toEqual({ GetTokensFromRefreshToken: 3 });
    expect(tracking.requests[0]?.body.DeviceKey).toBe(tracking.devicesOf(GET_TOKENS.username)[0]?.key);
  });

  it('confirms the device after USER_AUTH with PASSWORD_SRP too, and renews with it', async () => {
    const tokens = provider(tracking, {
      flow: 'user-auth',
      credentials: { username: CHOICE.username, password: CHOICE.password },
    });

    await tokens.getTokens();
    await tokens.refresh();

    expect(steps(tracking)).toEqual([
      'InitiateAuth:USER_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'ConfirmDevice',
      'InitiateAuth:REFRESH_TOKEN_AUTH',
    ]);
  });
});

describe("flow: 'user-password' in a pool that tracks devices", () => {
  it('keeps serving tokens by signing in at each renewal, confirms no device, and warns once', async () => {
    const { logger, warnings } = collectingLogger();
    const tokens = provider(tracking, {
      flow: 'user-password',
      logger,
      credentials: { username: PASSWORD_FLOW.email, password: PASSWORD_FLOW.password },
    });

    const first = await tokens.getTokens();
    const renewed = [];
    for (let i = 0; i < 3; i++) renewed.push(await tokens.refresh());

    expect(count(tracking)).toEqual({ 'InitiateAuth:USER_PASSWORD_AUTH': 4 });
    expect(new Set([first, ...renewed].map((t) => t.idToken)).size).toBe(4);
    expect(warnings).toEqual([
      [expect.stringContaining("Set flow: 'user-srp'"), { flow: 'user-password', fix: "flow: 'user-srp'" }],
    ]);
  });
});

/** `cognito-token device remember` for the app client of the tracking pool, signing in with `flow`. */
const rememberArgs = (flow: string, ...rest: string[]) => [
  'device',
  'remember',
  '--client-id',
  'app',
  '--user-pool-id',
  TRACKING_POOL,
  '--flow',
  flow,
  ...rest,
];

describe('a remembered device', () => {
  it('`cognito-token device remember` prints the device, and its output as credentials.device skips TOTP and registers nothing, for every instance', async () => {
    if (!existsSync(BIN)) throw new Error('dist/esm/cli.js is missing: run `npm run build` first');
    const run = await runProcess(
      process.execPath,
      [BIN, ...rememberArgs('user-srp', '--ssm-parameter', '/svc/devices/cognito')],
      {
        env: isolatedEnv({
          AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: tracking.endpoint,
          AWS_ENDPOINT_URL_SSM: ssm.endpoint,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
        }),
        killAfterMs: 30_000,
      },
    );
    seen.push(run.stderr);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(steps(tracking)).toEqual([
      'InitiateAuth:USER_SRP_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'RespondToAuthChallenge:SOFTWARE_TOKEN_MFA',
      'ConfirmDevice',
      'UpdateDeviceStatus',
    ]);
    const printed = JSON.parse(run.stdout) as { deviceKey: string; deviceGroupKey: string; devicePassword: string };
    keep('cli device', printed);
    expect(run.stdout).toBe(`${JSON.stringify(printed)}\n`);
    expect(Object.keys(printed)).toEqual(['deviceKey', 'deviceGroupKey', 'devicePassword']);
    // Stored as the docs say: the three fields merged into the JSON parameter.
    ssm.put({
      name: '/svc/devices/cognito',
      value: JSON.stringify({ username: CLI_USER.email, password: CLI_USER.password, totpSecret: TOTP, ...printed }),
    });
    tracking.requests.length = 0;

    // Act: three instances, as three cold starts, each reading the parameter.
    const instances = [0, 1, 2].map(() =>
      provider(tracking, {
        credentials: fromSsm({ parameter: '/svc/devices/cognito', clientConfig: ssmClientConfigFor(ssm.endpoint) }),
      }),
    );
    const issued = [];
    for (const instance of instances) issued.push(await instance.getTokens());
    const signIns = count(tracking);
    tracking.requests.length = 0;
    for (const instance of instances) await instance.refresh();

    // Assert
    expect(issued.map((tokens) => decodeJwtClaims(tokens.idToken)['cognito:username'])).toEqual(
      Array(3).fill(CLI_USER.username),
    );
    expect(signIns).toEqual({
      'InitiateAuth:USER_SRP_AUTH': 3,
      'RespondToAuthChallenge:PASSWORD_VERIFIER': 3,
      'RespondToAuthChallenge:DEVICE_SRP_AUTH': 3,
      'RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER': 3,
    });
    expect(tracking.devicesOf(CLI_USER.username)).toEqual([
      {
        key: printed.deviceKey,
        groupKey: printed.deviceGroupKey,
        confirmed: true,
        remembered: true,
        name: 'cognito-token device remember',
      },
    ]);
    expect(count(tracking)).toEqual({ 'InitiateAuth:REFRESH_TOKEN_AUTH': 3 });
    for (const request of tracking.requests) {
      expect(request.body.AuthParameters).toMatchObject({ DEVICE_KEY: printed.deviceKey });
    }
  });

  it('after USER_AUTH with PASSWORD_SRP, proves itself and skips TOTP', async () => {
    // Prepare: remember a device with the command, in-process.
    vi.stubEnv('AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER', tracking.endpoint);
    let remembered: CliRun;
    try {
      remembered = await runCliCaptured(rememberArgs('user-auth', '--username', CHOICE_DEVICE.username), {
        COGNITO_PASSWORD: CHOICE_DEVICE.password,
        COGNITO_TOTP_SECRET: TOTP,
      });
    } finally {
      vi.unstubAllEnvs();
    }
    expect(remembered.stderr).toBe('');
    const printed = JSON.parse(remembered.stdout);
    keep('choice device', printed);
    tracking.requests.length = 0;
    const device = { key: printed.deviceKey, groupKey: printed.deviceGroupKey, password: printed.devicePassword };

    // Act
    await provider(tracking, {
      flow: 'user-auth',
      credentials: { username: CHOICE_DEVICE.username, password: CHOICE_DEVICE.password, device },
    }).getTokens();

    // Assert
    expect(steps(tracking)).toEqual([
      'InitiateAuth:USER_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'RespondToAuthChallenge:DEVICE_SRP_AUTH',
      'RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER',
    ]);
    expect(tracking.devicesOf(CHOICE_DEVICE.username)).toHaveLength(1);
  });

  it('where the pool does not let it suppress MFA: TOTP, then device SRP, and still no new device', async () => {
    // The TOTP steps are the server's and ours: both clocks are set, a minute apart for the two sign-ins.
    const start = Date.UTC(2031, 0, 6, 8, 0, 0);
    vi.useFakeTimers({ now: start, toFake: ['Date'] });
    noSuppression.setNow(start);
    vi.stubEnv('AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER', noSuppression.endpoint);
    try {
      const remembered = await runCliCaptured(
        [
          'device',
          'remember',
          '--client-id',
          'app',
          '--user-pool-id',
          NO_SUPPRESSION_POOL,
          '--flow',
          'user-srp',
          '--username',
          UNSUPPRESSED.username,
        ],
        { COGNITO_PASSWORD: UNSUPPRESSED.password, COGNITO_TOTP_SECRET: TOTP },
      );
      expect(remembered.stderr).toBe('');
      const printed = JSON.parse(remembered.stdout);
      keep('unsuppressed device', printed);
      vi.setSystemTime(start + 60_000);
      noSuppression.setNow(start + 60_000);
      noSuppression.requests.length = 0;

      // Act
      const tokens = await provider(noSuppression, {
        credentials: {
          username: UNSUPPRESSED.username,
          password: UNSUPPRESSED.password,
          totpSecret: TOTP,
          device: { key: printed.deviceKey, groupKey: printed.deviceGroupKey, password: printed.devicePassword },
        },
      }).getTokens();

      // Assert
      expect(decodeJwtClaims(tokens.idToken)['cognito:username']).toBe(UNSUPPRESSED.username);
      expect(steps(noSuppression)).toEqual([
        'InitiateAuth:USER_SRP_AUTH',
        'RespondToAuthChallenge:PASSWORD_VERIFIER',
        'RespondToAuthChallenge:SOFTWARE_TOKEN_MFA',
        'RespondToAuthChallenge:DEVICE_SRP_AUTH',
        'RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER',
      ]);
      expect(noSuppression.devicesOf(UNSUPPRESSED.username)).toHaveLength(1);
    } finally {
      vi.unstubAllEnvs();
      vi.useRealTimers();
    }
  });

  it('that Cognito does not know is ERR_AUTHENTICATION naming credentials.device, without quoting it', async () => {
    const stranger: RememberedDevice = {
      key: `${REGION}_0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d`,
      groupKey: '-Stranger1',
      password: 'a-device-password-nobody-registered',
    };
    keep('unknown device', stranger);

    const error = await failureOf(
      provider(tracking, {
        credentials: { username: FORGOTTEN.username, password: FORGOTTEN.password, device: stranger },
      }).getIdToken(),
    );

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(error.message).toContain('credentials.device');
    expect(tracking.devicesOf(FORGOTTEN.username)).toEqual([]);
  });
});

describe('the shared cache', () => {
  it('never holds a device secret: the entry has the tokens, their expiry and the username only', async () => {
    // The app client has no secret, so the fleet needs an explicit key (a password alone must not seal entries).
    const encryptionKey = new Uint8Array(32).fill(7);
    const memory = memoryTokenStore({ encryptionKey });
    const { logger } = collectingLogger();
    const credentials = { username: SHARED.username, password: SHARED.password };
    const tokens = provider(tracking, { credentials, logger, sharedCache: shareTokenStore(memory.store) });

    seen.push(await tokens.getTokens());
    // The entry the sign-in shared (a refresh() in the same second would refuse it, and its successor, which
    // expires in the same second, would not be shared).
    const key = storeKeyOf({ pool: TRACKING_POOL, clientId: 'app', username: SHARED.username }, encryptionKey);
    const fields = openEntry(explicitSealingKey(encryptionKey, key), key, memory.entry(key));
    seen.push(await tokens.refresh());

    const [device] = tracking.devicesOf(SHARED.username);
    deviceSecrets['shared-cache device key'] = device?.key ?? '';
    deviceSecrets['shared-cache device group key'] = device?.groupKey ?? '';
    expect(Object.keys(fields ?? {}).sort()).toEqual(['accessToken', 'expiresAt', 'idToken', 'username']);
    expect(
      findLeaks([fields, [...memory.items.values()]], {
        deviceKey: device?.key ?? '',
        groupKey: device?.groupKey ?? '',
      }),
    ).toEqual([]);
    expect(steps(tracking)).toContain('InitiateAuth:REFRESH_TOKEN_AUTH');
  });
});
