// Device tracking in the SRP test server, checked first against amazon-cognito-identity-js: it confirms a new
// device (ConfirmDevice with its own DeviceSecretVerifierConfig), remembers it, renews with the device key, and
// proves the device with device SRP on its next sign-in. The server checks that proof with its own BigInt math
// against the verifier the library computed, so neither side shares code with this package. The refusals the
// library cannot reach (no DEVICE_KEY, an unconfirmed device, USER_PASSWORD_AUTH tokens, an unknown device) are
// driven with the AWS SDK v3.
import {
  CognitoIdentityProviderClient,
  ConfirmDeviceCommand,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  ListDevicesCommand,
  RespondToAuthChallengeCommand,
  UpdateDeviceStatusCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoRefreshToken, type CognitoUser, type ICognitoStorage } from 'amazon-cognito-identity-js';
import { afterAll, describe, expect, it } from 'vitest';
import type { CognitoSrpServer } from '../../harness/cognito-srp-server.js';
import { startSrp } from '../../src/user/srp.js';
import { timeStepAt, totpCode } from '../../src/user/totp.js';
import { useSrpServers } from '../helpers/cognito-stack-hooks.js';
import { rejectionOf } from '../helpers/failure-of.js';
import {
  identityJsUser,
  type LibraryOutcome,
  type LibraryUser,
  type LibraryUserOptions,
  sessionOf,
} from '../helpers/identity-js-user.js';

const REGION = 'eu-west-1';
const ALWAYS_POOL = 'eu-west-1_DevAlways1';
const OPT_IN_POOL = 'eu-west-1_DevOptIn2';
const UNTRACKED_POOL = 'eu-west-1_DevNone3';
const FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
const SECRET = 'device-tests-client-secret-0123456789';

// Devices are per user and persist across tests, so each test signs in as its own user.
const users = Array.from({ length: 12 }, (_, index) => ({
  username: `0d1e2f3a-4b5c-4d6e-8f70-${String(index).padStart(12, '0')}`,
  password: `Device-Pa55word-${index}`,
}));
const MFA_USER = {
  username: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
  password: 'Mfa-Device-Pa55',
  totpSecret: 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPJ3XK4DT',
};

let always: CognitoSrpServer;
let optIn: CognitoSrpServer;
let untracked: CognitoSrpServer;

const clients = [
  { clientId: 'app', explicitAuthFlows: FLOWS },
  { clientId: 'secret-app', clientSecret: SECRET, explicitAuthFlows: FLOWS },
];
useSrpServers(
  [
    { userPoolId: ALWAYS_POOL, clients, users, devices: { remember: 'always' } },
    {
      userPoolId: OPT_IN_POOL,
      clients,
      users: [...users, { ...MFA_USER, mfa: 'SOFTWARE_TOKEN_MFA' }],
      devices: { remember: 'user-opt-in', suppressMfa: true },
    },
    { userPoolId: UNTRACKED_POOL, clients, users },
  ],
  (started) => {
    [always, optIn, untracked] = started;
  },
);

const steps = (server: CognitoSrpServer) =>
  server.requests.map((r) => {
    const step = r.body.AuthFlow ?? r.body.ChallengeName;
    return step === undefined ? r.operation : `${r.operation}:${String(step)}`;
  });

// --- The independent client --------------------------------------------------------------------------------------

/** amazon-cognito-identity-js's storage, one per simulated app install: where it keeps the device. */
class MemoryStorage implements ICognitoStorage {
  readonly items = new Map<string, string>();
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  clear(): void {
    this.items.clear();
  }
  /** The value stored under the key ending in `suffix` (the library prefixes client ID and username). */
  find(suffix: string): string | undefined {
    return [...this.items].find(([key]) => key.endsWith(suffix))?.[1];
  }
}

/** A user of the app client `app` in `userPoolId` on `server`, with its own `storage`. */
function libraryUser(
  server: CognitoSrpServer,
  userPoolId: string,
  username: string,
  storage: MemoryStorage,
  flow: LibraryUserOptions['flow'] = 'USER_SRP_AUTH',
): LibraryUser {
  return identityJsUser({ endpoint: server.endpoint, userPoolId, clientId: 'app', username, storage, flow });
}

function refreshWithLibrary(user: CognitoUser, refreshToken: string): Promise<LibraryOutcome> {
  return new Promise((resolve) =>
    user.refreshSession(new CognitoRefreshToken({ RefreshToken: refreshToken }), (error, session) =>
      resolve(error ? { kind: 'failure', error } : { kind: 'success', session, userConfirmationNecessary: undefined }),
    ),
  );
}

function rememberWithLibrary(user: CognitoUser): Promise<void> {
  return new Promise((resolve, reject) =>
    user.setDeviceStatusRemembered({ onSuccess: () => resolve(), onFailure: reject }),
  );
}

function listWithLibrary(user: CognitoUser): Promise<{ Devices: { DeviceKey: string }[] }> {
  return new Promise((resolve, reject) => user.listDevices(10, null, { onSuccess: resolve, onFailure: reject }));
}

describe('checked with amazon-cognito-identity-js (an independent client of remembered devices)', () => {
  it('hands out NewDeviceMetadata after a sign-in and takes the library ConfirmDevice; "always" remembers it', async () => {
    // Prepare
    const storage = new MemoryStorage();
    const [me] = users;
    const client = libraryUser(always, ALWAYS_POOL, me.username, storage);

    // Act
    const { userConfirmationNecessary } = sessionOf(await client.signIn(me.password));

    // Assert
    expect(steps(always)).toEqual([
      'InitiateAuth:USER_SRP_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'ConfirmDevice',
    ]);
    const devices = always.devicesOf(me.username);
    expect(devices).toEqual([
      {
        key: storage.find('.deviceKey'),
        groupKey: storage.find('.deviceGroupKey'),
        confirmed: true,
        remembered: true,
        name: expect.any(String),
      },
    ]);
    expect(devices[0]?.key).toMatch(/^eu-west-1_[0-9a-f-]{36}$/);
    // The library passes the flag only when it is true.
    expect(userConfirmationNecessary).toBeUndefined();
    expect(always.requests[2]?.body).toMatchObject({
      DeviceKey: devices[0]?.key,
      DeviceSecretVerifierConfig: { PasswordVerifier: expect.any(String), Salt: expect.any(String) },
    });
  });

  it('renews with the device key the library sends', async () => {
    // Prepare
    const storage = new MemoryStorage();
    const me = users[1] as (typeof users)[number];
    const client = libraryUser(always, ALWAYS_POOL, me.username, storage);
    const { session } = sessionOf(await client.signIn(me.password));
    always.requests.length = 0;

    // Act
    const renewed = sessionOf(await refreshWithLibrary(client.user, session.getRefreshToken().getToken()));

    // Assert
    expect(renewed.session.getIdToken().getJwtToken()).not.toBe(session.getIdToken().getJwtToken());
    expect(steps(always)).toEqual(['InitiateAuth:REFRESH_TOKEN_AUTH']);
    expect(always.requests[0]?.body.AuthParameters).toMatchObject({ DEVICE_KEY: storage.find('.deviceKey') });
  });

  it('proves a remembered device with device SRP on the next sign-in, and registers no new device', async () => {
    // Prepare
    const storage = new MemoryStorage();
    const me = users[2] as (typeof users)[number];
    sessionOf(await libraryUser(always, ALWAYS_POOL, me.username, storage).signIn(me.password));
    always.requests.length = 0;

    // Act: a new CognitoUser, as after a restart, with the same storage.
    const outcomes = [];
    for (let i = 0; i < 3; i++)
      outcomes.push(await libraryUser(always, ALWAYS_POOL, me.username, storage).signIn(me.password));

    // Assert
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['success', 'success', 'success']);
    expect(steps(always).slice(0, 4)).toEqual([
      'InitiateAuth:USER_SRP_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'RespondToAuthChallenge:DEVICE_SRP_AUTH',
      'RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER',
    ]);
    expect(steps(always)).not.toContain('ConfirmDevice');
    expect(always.devicesOf(me.username)).toHaveLength(1);
    expect(always.requests[1]?.body.ChallengeResponses).toMatchObject({ DEVICE_KEY: storage.find('.deviceKey') });
  });

  it('refuses a device proof made with the wrong device password', async () => {
    // Prepare
    const storage = new MemoryStorage();
    const me = users[3] as (typeof users)[number];
    sessionOf(await libraryUser(always, ALWAYS_POOL, me.username, storage).signIn(me.password));
    const [key] = [...storage.items.keys()].filter((name) => name.endsWith('.randomPasswordKey'));
    storage.setItem(key as string, 'not-the-device-password');

    // Act
    const outcome = await libraryUser(always, ALWAYS_POOL, me.username, storage).signIn(me.password);

    // Assert
    expect(outcome).toMatchObject({
      kind: 'failure',
      error: { code: 'NotAuthorizedException', message: 'Incorrect username or password.' },
    });
    expect(steps(always).at(-1)).toBe('RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER');
  });

  it("lists the user's devices", async () => {
    // Prepare
    const storage = new MemoryStorage();
    const me = users[4] as (typeof users)[number];
    const client = libraryUser(always, ALWAYS_POOL, me.username, storage);
    sessionOf(await client.signIn(me.password));

    // Act
    const listed = await listWithLibrary(client.user);

    // Assert
    expect(listed.Devices.map((device) => device.DeviceKey)).toEqual([storage.find('.deviceKey')]);
  });

  it('user opt-in: a confirmed device is only tracked, and TOTP asked, until it is remembered; then device SRP replaces TOTP', async () => {
    // Prepare: the library signs its TIMESTAMP with the real clock, so the server runs near it, a step apart.
    const storage = new MemoryStorage();
    const start = Date.now();
    const signInAt = async (step: number) => {
      optIn.setNow(start + step * 30_000);
      const client = libraryUser(optIn, OPT_IN_POOL, MFA_USER.username, storage);
      const first = await client.signIn(MFA_USER.password);
      if (first.kind !== 'totp') return { client, outcome: first };
      return {
        client,
        outcome: await client.sendTotp(totpCode(MFA_USER.totpSecret, timeStepAt(start + step * 30_000))),
      };
    };

    // Act
    const first = await signInAt(0);
    const afterFirst = steps(optIn);
    optIn.requests.length = 0;
    const notYetRemembered = await signInAt(1);
    const afterSecond = steps(optIn);
    await rememberWithLibrary(notYetRemembered.client.user);
    optIn.requests.length = 0;
    const remembered = await signInAt(2);

    // Assert
    expect(sessionOf(first.outcome).userConfirmationNecessary).toBe(true);
    expect(afterFirst).toEqual([
      'InitiateAuth:USER_SRP_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'RespondToAuthChallenge:SOFTWARE_TOKEN_MFA',
      'ConfirmDevice',
    ]);
    sessionOf(notYetRemembered.outcome);
    expect(afterSecond).toEqual([
      'InitiateAuth:USER_SRP_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'RespondToAuthChallenge:SOFTWARE_TOKEN_MFA',
    ]);
    expect(optIn.requests[1]?.body.ChallengeResponses).toMatchObject({ DEVICE_KEY: storage.find('.deviceKey') });
    sessionOf(remembered.outcome);
    expect(steps(optIn)).toEqual([
      'InitiateAuth:USER_SRP_AUTH',
      'RespondToAuthChallenge:PASSWORD_VERIFIER',
      'RespondToAuthChallenge:DEVICE_SRP_AUTH',
      'RespondToAuthChallenge:DEVICE_PASSWORD_VERIFIER',
    ]);
    expect(optIn.devicesOf(MFA_USER.username)).toEqual([
      expect.objectContaining({ confirmed: true, remembered: true }),
    ]);
  });

  it('refuses to renew tokens from USER_PASSWORD_AUTH, even with a confirmed device and its key', async () => {
    // Prepare
    const storage = new MemoryStorage();
    const me = users[5] as (typeof users)[number];
    const client = libraryUser(always, ALWAYS_POOL, me.username, storage, 'USER_PASSWORD_AUTH');
    const { session } = sessionOf(await client.signIn(me.password));
    always.requests.length = 0;

    // Act: as the library would renew, but once (it retries every failure with back-off for about 6 s).
    const sdk = new CognitoIdentityProviderClient({ endpoint: always.endpoint, region: REGION, maxAttempts: 1 });
    const outcome = await sdk
      .send(
        new InitiateAuthCommand({
          ClientId: 'app',
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: {
            REFRESH_TOKEN: session.getRefreshToken().getToken(),
            DEVICE_KEY: storage.find('.deviceKey') as string,
          },
        }),
      )
      .then(
        () => 'renewed',
        (error: Error) => `${error.name}: ${error.message}`,
      )
      .finally(() => sdk.destroy());

    // Assert
    expect(always.devicesOf(me.username)).toEqual([
      expect.objectContaining({ key: storage.find('.deviceKey'), confirmed: true }),
    ]);
    expect(outcome).toBe('NotAuthorizedException: Invalid Refresh Token');
  });
});

// --- The AWS SDK v3 ----------------------------------------------------------------------------------------------

describe('driven with the AWS SDK v3', () => {
  const sdks: CognitoIdentityProviderClient[] = [];
  const sdkFor = (server: CognitoSrpServer) => {
    const sdk = new CognitoIdentityProviderClient({
      endpoint: server.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'AKIDHARNESS', secretAccessKey: 'harness' },
      maxAttempts: 1,
    });
    sdks.push(sdk);
    return sdk;
  };

  afterAll(() => {
    for (const sdk of sdks) sdk.destroy();
  });

  async function passwordSignIn(server: CognitoSrpServer, username: string, password: string, deviceKey?: string) {
    const output: InitiateAuthCommandOutput = await sdkFor(server).send(
      new InitiateAuthCommand({
        ClientId: 'app',
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password, ...(deviceKey ? { DEVICE_KEY: deviceKey } : {}) },
      }),
    );
    return output.AuthenticationResult ?? {};
  }

  /** An SRP sign-in by our own SRP client (validated in srp-server.test.ts); returns its tokens. */
  async function srpSignIn(server: CognitoSrpServer, userPoolId: string, username: string, password: string) {
    const sdk = sdkFor(server);
    const srp = startSrp();
    const started = await sdk.send(
      new InitiateAuthCommand({
        ClientId: 'app',
        AuthFlow: 'USER_SRP_AUTH',
        AuthParameters: { USERNAME: username, SRP_A: srp.srpA },
      }),
    );
    const p = started.ChallengeParameters ?? {};
    const { signature, timestamp } = srp.passwordVerifier({
      poolName: userPoolId.split('_')[1] as string,
      userIdForSrp: p.USER_ID_FOR_SRP as string,
      password,
      saltHex: p.SALT as string,
      srpBHex: p.SRP_B as string,
      secretBlock: p.SECRET_BLOCK as string,
      now: new Date(),
    });
    const answered = await sdk.send(
      new RespondToAuthChallengeCommand({
        ClientId: 'app',
        ChallengeName: 'PASSWORD_VERIFIER',
        Session: started.Session,
        ChallengeResponses: {
          USERNAME: p.USER_ID_FOR_SRP as string,
          PASSWORD_CLAIM_SECRET_BLOCK: p.SECRET_BLOCK as string,
          PASSWORD_CLAIM_SIGNATURE: signature,
          TIMESTAMP: timestamp,
        },
      }),
    );
    return answered.AuthenticationResult ?? {};
  }

  /** {@link srpSignIn}, then ConfirmDevice for the new device. */
  async function srpSignInAndConfirm(server: CognitoSrpServer, userPoolId: string, username: string, password: string) {
    const sdk = sdkFor(server);
    const result = await srpSignIn(server, userPoolId, username, password);
    const deviceKey = result.NewDeviceMetadata?.DeviceKey as string;
    // Any well-formed verifier confirms the device; whether it is right shows only at device SRP.
    await sdk.send(
      new ConfirmDeviceCommand({
        AccessToken: result.AccessToken,
        DeviceKey: deviceKey,
        DeviceSecretVerifierConfig: { PasswordVerifier: Buffer.from('05', 'hex').toString('base64'), Salt: 'AQID' },
      }),
    );
    return { result, deviceKey };
  }

  const refresh = (server: CognitoSrpServer, refreshToken: string | undefined, deviceKey?: string) =>
    sdkFor(server).send(
      new InitiateAuthCommand({
        ClientId: 'app',
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: refreshToken as string, ...(deviceKey ? { DEVICE_KEY: deviceKey } : {}) },
      }),
    );

  it('renews with REFRESH_TOKEN_AUTH only with the device key: refused without it and with another key', async () => {
    // Prepare
    const me = users[6] as (typeof users)[number];
    const confirmed = await srpSignInAndConfirm(always, ALWAYS_POOL, me.username, me.password);

    // Act
    const withoutKey = await rejectionOf(refresh(always, confirmed.result.RefreshToken));
    const otherKey = await rejectionOf(
      refresh(always, confirmed.result.RefreshToken, `${REGION}_00000000-0000-4000-8000-000000000000`),
    );
    const withKey = await refresh(always, confirmed.result.RefreshToken, confirmed.deviceKey);

    // Assert
    expect(withoutKey).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    expect(otherKey).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    expect(withKey.AuthenticationResult?.IdToken).toEqual(expect.any(String));
    expect(withKey.AuthenticationResult?.NewDeviceMetadata).toBeUndefined();
  });

  it('refuses to renew for a device that was never confirmed', async () => {
    // Prepare: USER_PASSWORD_AUTH's tokens are refused anyway, so sign in by SRP and skip ConfirmDevice.
    const me = users[7] as (typeof users)[number];
    const { RefreshToken, NewDeviceMetadata } = await srpSignIn(always, ALWAYS_POOL, me.username, me.password);

    // Act
    const failure = await rejectionOf(refresh(always, RefreshToken, NewDeviceMetadata?.DeviceKey));

    // Assert
    expect(NewDeviceMetadata?.DeviceGroupKey).toEqual(expect.any(String));
    expect(always.devicesOf(me.username)).toEqual([expect.objectContaining({ confirmed: false })]);
    expect(failure).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
  });

  it('takes the device key as GetTokensFromRefreshToken DeviceKey, and refuses the call without it', async () => {
    // Prepare
    const me = users[8] as (typeof users)[number];
    const { result, deviceKey } = await srpSignInAndConfirm(always, ALWAYS_POOL, me.username, me.password);
    const getTokens = (DeviceKey?: string) =>
      sdkFor(always).send(
        new GetTokensFromRefreshTokenCommand({ ClientId: 'app', RefreshToken: result.RefreshToken, DeviceKey }),
      );

    // Act
    const without = await rejectionOf(getTokens());
    const renewed = await getTokens(deviceKey);

    // Assert
    expect(without).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    expect(renewed.AuthenticationResult?.AccessToken).toEqual(expect.any(String));
    expect(renewed.AuthenticationResult?.RefreshToken).toBeUndefined();
  });

  it("refuses a DEVICE_KEY that is not one of the user's confirmed devices, as ResourceNotFoundException", async () => {
    // Prepare
    const me = users[9] as (typeof users)[number];
    const other = users[10] as (typeof users)[number];
    const { deviceKey: othersDevice } = await srpSignInAndConfirm(always, ALWAYS_POOL, other.username, other.password);

    // Act
    const unknown = await rejectionOf(
      passwordSignIn(always, me.username, me.password, `${REGION}_11111111-1111-4111-8111-111111111111`),
    );
    const someoneElses = await rejectionOf(passwordSignIn(always, me.username, me.password, othersDevice));

    // Assert
    expect(unknown).toEqual({ name: 'ResourceNotFoundException', message: 'Device does not exist.' });
    expect(someoneElses).toEqual({ name: 'ResourceNotFoundException', message: 'Device does not exist.' });
  });

  it('asks ConfirmDevice, UpdateDeviceStatus and ListDevices for a valid access token', async () => {
    // Prepare
    const sdk = sdkFor(always);

    // Act
    const failures = await Promise.all([
      rejectionOf(sdk.send(new ConfirmDeviceCommand({ AccessToken: 'not-a-token', DeviceKey: 'eu-west-1_x' }))),
      rejectionOf(
        sdk.send(
          new UpdateDeviceStatusCommand({
            AccessToken: 'not-a-token',
            DeviceKey: 'eu-west-1_x',
            DeviceRememberedStatus: 'remembered',
          }),
        ),
      ),
      rejectionOf(sdk.send(new ListDevicesCommand({ AccessToken: 'not-a-token' }))),
    ]);

    // Assert
    expect(failures).toEqual(Array(3).fill({ name: 'NotAuthorizedException', message: 'Invalid Access Token' }));
  });

  it('user opt-in: ConfirmDevice answers UserConfirmationNecessary, and UpdateDeviceStatus remembers', async () => {
    // Prepare
    const me = users[11] as (typeof users)[number];
    const sdk = sdkFor(optIn);
    const signedIn = await passwordSignIn(optIn, me.username, me.password);
    const DeviceKey = signedIn.NewDeviceMetadata?.DeviceKey;

    // Act
    const confirmed = await sdk.send(
      new ConfirmDeviceCommand({
        AccessToken: signedIn.AccessToken,
        DeviceKey,
        DeviceSecretVerifierConfig: { PasswordVerifier: 'BQ==', Salt: 'AQID' },
      }),
    );
    const before = optIn.devicesOf(me.username);
    await sdk.send(
      new UpdateDeviceStatusCommand({
        AccessToken: signedIn.AccessToken,
        DeviceKey,
        DeviceRememberedStatus: 'remembered',
      }),
    );
    const listed = await sdk.send(new ListDevicesCommand({ AccessToken: signedIn.AccessToken }));

    // Assert
    expect(confirmed.UserConfirmationNecessary).toBe(true);
    expect(before).toEqual([expect.objectContaining({ confirmed: true, remembered: false })]);
    expect(optIn.devicesOf(me.username)).toEqual([expect.objectContaining({ confirmed: true, remembered: true })]);
    expect(listed.Devices?.map((device) => device.DeviceKey)).toEqual([DeviceKey]);
  });

  it('without device tracking: no NewDeviceMetadata, and renewal needs no device key', async () => {
    // Prepare
    const [me] = users;
    const signedIn = await passwordSignIn(untracked, me.username, me.password);

    // Act
    const renewed = await refresh(untracked, signedIn.RefreshToken);

    // Assert
    expect(signedIn.NewDeviceMetadata).toBeUndefined();
    expect(renewed.AuthenticationResult?.IdToken).toEqual(expect.any(String));
    expect(untracked.devicesOf(me.username)).toEqual([]);
  });
});
