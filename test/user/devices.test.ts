// Remembered devices in the provider, against a mocked SDK: confirming the device a sign-in brings, naming it on
// every renewal, signing in as a remembered device, the user-password warning, and the failures. The same
// behaviour runs over HTTP against the device-tracking test server in test/integration/devices.test.ts.
import {
  ConfirmDeviceCommand,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  ResourceNotFoundException,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it, vi } from 'vitest';
import { findLeaks } from '../../harness/leak-scan.js';
import { memoryTokenStore } from '../../harness/memory-token-store.js';
import {
  type ChallengeRequiredError,
  type CognitoCredentials,
  computeSecretHash,
  type RememberedDevice,
  shareTokenStore,
  type TokenProviderLogger,
} from '../../src/index.js';
import { internalError, notAuthorized } from '../helpers/cognito-errors.js';
import { failureOf, failureOfCall } from '../helpers/failure-of.js';
import {
  authResult,
  CLIENT_ID,
  CLIENT_SECRET,
  FAST_RETRIES,
  initiateAuthCalls,
  mockCognitoOnFakeClock,
  PASSWORD,
  PASSWORD_VERIFIER,
  SESSION,
  serialOf,
  USER_ID,
  USER_POOL_ID,
  USERNAME,
  userProvider,
} from '../helpers/providers.js';

const cognito = mockCognitoOnFakeClock();

const NEW_DEVICE = { DeviceKey: 'eu-west-1_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', DeviceGroupKey: '-NewGroup7' };
const REMEMBERED: RememberedDevice = {
  key: 'eu-west-1_0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
  groupKey: '-Remembered3',
  password: 'remembered-device-password-base64+/==',
};
const deviceSrpAuth = { ChallengeName: 'DEVICE_SRP_AUTH' as const, Session: SESSION, ChallengeParameters: {} };
const devicePasswordVerifier = {
  ChallengeName: 'DEVICE_PASSWORD_VERIFIER' as const,
  Session: SESSION,
  ChallengeParameters: {
    USERNAME: USER_ID,
    SALT: '00f1e2d3c4b5a69788',
    SRP_B: '3e'.repeat(256),
    SECRET_BLOCK: Buffer.from('device-secret-block').toString('base64'),
  },
};

/** A sign-in answer of a pool that tracks devices: the tokens and a new device. */
const withNewDevice = (serial: number) => {
  const { AuthenticationResult } = authResult({ serial });
  return { AuthenticationResult: { ...AuthenticationResult, NewDeviceMetadata: NEW_DEVICE } };
};

const respondInputs = () => cognito.commandCalls(RespondToAuthChallengeCommand).map((call) => call.args[0].input);
const confirmInputs = () => cognito.commandCalls(ConfirmDeviceCommand).map((call) => call.args[0].input);

function collectingLogger(withWarn: boolean) {
  const debug: [string, Record<string, unknown> | undefined][] = [];
  const warn: [string, Record<string, unknown> | undefined][] = [];
  const logger: TokenProviderLogger = {
    debug: (message, details) => debug.push([message, details]),
    ...(withWarn
      ? { warn: (message: string, details?: Record<string, unknown>) => warn.push([message, details]) }
      : {}),
  };
  return { logger, debug, warn };
}

/** An SRP sign-in whose tokens bring no NewDeviceMetadata, then one renewal. */
function answerSrpSignInWithoutNewDevice() {
  cognito
    .on(InitiateAuthCommand, { AuthFlow: 'USER_SRP_AUTH' })
    .resolves(PASSWORD_VERIFIER)
    .on(RespondToAuthChallengeCommand)
    .resolves(authResult({ serial: 1 }))
    .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
    .resolves(authResult({ serial: 2, withoutRefreshToken: true }));
}

describe('a sign-in that brings a new device (NewDeviceMetadata)', () => {
  it('confirms it with the access token and a verifier, then names it in every REFRESH_TOKEN_AUTH', async () => {
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_SRP_AUTH' })
      .resolves(PASSWORD_VERIFIER)
      .on(RespondToAuthChallengeCommand)
      .resolves(withNewDevice(1))
      .on(ConfirmDeviceCommand)
      .resolves({ UserConfirmationNecessary: false })
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .resolves(authResult({ serial: 2, withoutRefreshToken: true }));
    const tokens = userProvider({ flow: 'user-srp', userPoolId: USER_POOL_ID });

    const first = await tokens.getTokens();
    const renewed = await tokens.refresh();
    await tokens.refresh();

    const [confirm] = confirmInputs();
    expect(confirmInputs()).toHaveLength(1);
    expect(confirm).toMatchObject({
      AccessToken: first.accessToken,
      DeviceKey: NEW_DEVICE.DeviceKey,
      DeviceName: 'cognito-token-provider',
      DeviceSecretVerifierConfig: { Salt: expect.any(String), PasswordVerifier: expect.any(String) },
    });
    expect(serialOf(renewed.idToken)).toBe(2);
    const refreshes = initiateAuthCalls(cognito, 'REFRESH_TOKEN_AUTH').map((call) => call.args[0].input);
    expect(refreshes).toHaveLength(2);
    for (const refresh of refreshes) expect(refresh.AuthParameters).toMatchObject({ DEVICE_KEY: NEW_DEVICE.DeviceKey });
    expect(initiateAuthCalls(cognito, 'USER_SRP_AUTH')).toHaveLength(1);
  });

  it('names the device as GetTokensFromRefreshToken DeviceKey', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves(PASSWORD_VERIFIER)
      .on(RespondToAuthChallengeCommand)
      .resolves(withNewDevice(1))
      .on(ConfirmDeviceCommand)
      .resolves({})
      .on(GetTokensFromRefreshTokenCommand)
      .resolves(authResult({ serial: 2 }));
    const tokens = userProvider({
      flow: 'user-srp',
      userPoolId: USER_POOL_ID,
      refresh: 'get-tokens-from-refresh-token',
    });

    await tokens.getTokens();
    await tokens.refresh();

    const [renewal] = cognito.commandCalls(GetTokensFromRefreshTokenCommand).map((call) => call.args[0].input);
    expect(renewal?.DeviceKey).toBe(NEW_DEVICE.DeviceKey);
  });

  it('still serves the tokens when ConfirmDevice fails, and then renews by signing in (the refresh token would be refused)', async () => {
    const { logger, debug } = collectingLogger(false);
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_SRP_AUTH' })
      .resolves(PASSWORD_VERIFIER)
      .on(RespondToAuthChallengeCommand)
      .resolvesOnce(withNewDevice(1))
      .resolves(withNewDevice(2))
      .on(ConfirmDeviceCommand)
      .rejectsOnce(internalError())
      .resolves({});
    const tokens = userProvider({
      flow: 'user-srp',
      userPoolId: USER_POOL_ID,
      logger,
      retryPolicy: { ...FAST_RETRIES, maxAttempts: 1 },
    });

    const first = await tokens.getTokens();
    const second = await tokens.refresh();

    expect(serialOf(first.idToken)).toBe(1);
    expect(serialOf(second.idToken)).toBe(2);
    expect(initiateAuthCalls(cognito, 'REFRESH_TOKEN_AUTH')).toHaveLength(0);
    expect(initiateAuthCalls(cognito, 'USER_SRP_AUTH')).toHaveLength(2);
    expect(debug.map(([message]) => message)).toContain(
      'cognito-token-provider: could not confirm the new device; renewals will sign in',
    );
  });

  it('sends no DEVICE_KEY where the pool does not track devices', async () => {
    answerSrpSignInWithoutNewDevice();
    const tokens = userProvider({ flow: 'user-srp', userPoolId: USER_POOL_ID });

    await tokens.getTokens();
    await tokens.refresh();

    expect(cognito).not.toHaveReceivedCommand(ConfirmDeviceCommand);
    const [refresh] = initiateAuthCalls(cognito, 'REFRESH_TOKEN_AUTH');
    expect(refresh?.args[0].input.AuthParameters).not.toHaveProperty('DEVICE_KEY');
  });
});

describe('credentials.device (a remembered device)', () => {
  /** Cognito's challenges up to the device's proof, whose answer the caller sets on what this returns. */
  function answerUpToDeviceProof() {
    return cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_SRP_AUTH' })
      .resolves(PASSWORD_VERIFIER)
      .on(RespondToAuthChallengeCommand, { ChallengeName: 'PASSWORD_VERIFIER' })
      .resolves(deviceSrpAuth)
      .on(RespondToAuthChallengeCommand, { ChallengeName: 'DEVICE_SRP_AUTH' })
      .resolves(devicePasswordVerifier)
      .on(RespondToAuthChallengeCommand, { ChallengeName: 'DEVICE_PASSWORD_VERIFIER' });
  }

  function answerDeviceSignIn() {
    answerUpToDeviceProof()
      .resolves(authResult({ serial: 1 }))
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .resolves(authResult({ serial: 2, withoutRefreshToken: true }));
  }

  it('signs in as the device: DEVICE_KEY throughout, device SRP as the real user, and no new device', async () => {
    answerDeviceSignIn();
    const tokens = userProvider({
      flow: 'user-srp',
      userPoolId: USER_POOL_ID,
      credentials: {
        username: 'robot@example.com',
        password: PASSWORD,
        clientSecret: CLIENT_SECRET,
        device: REMEMBERED,
      },
    });

    await tokens.getTokens();
    await tokens.refresh();

    const [initiate] = cognito.commandCalls(InitiateAuthCommand).map((call) => call.args[0].input);
    expect(initiate?.AuthParameters).toMatchObject({ DEVICE_KEY: REMEMBERED.key });
    const [verifier, deviceSrp, devicePassword] = respondInputs();
    expect(verifier?.ChallengeResponses).toMatchObject({ DEVICE_KEY: REMEMBERED.key });
    expect(deviceSrp).toMatchObject({
      ChallengeName: 'DEVICE_SRP_AUTH',
      ChallengeResponses: {
        USERNAME: USER_ID,
        DEVICE_KEY: REMEMBERED.key,
        SRP_A: expect.stringMatching(/^[0-9a-f]+$/),
        SECRET_HASH: computeSecretHash(USER_ID, CLIENT_ID, CLIENT_SECRET),
      },
    });
    expect(devicePassword).toMatchObject({
      ChallengeName: 'DEVICE_PASSWORD_VERIFIER',
      ChallengeResponses: {
        USERNAME: USER_ID,
        DEVICE_KEY: REMEMBERED.key,
        PASSWORD_CLAIM_SECRET_BLOCK: devicePasswordVerifier.ChallengeParameters.SECRET_BLOCK,
        PASSWORD_CLAIM_SIGNATURE: expect.any(String),
        TIMESTAMP: expect.stringMatching(/ UTC \d{4}$/),
        SECRET_HASH: computeSecretHash(USER_ID, CLIENT_ID, CLIENT_SECRET),
      },
    });
    // A fresh exponent for the device: its SRP_A is not the password exchange's.
    expect(deviceSrp?.ChallengeResponses?.SRP_A).not.toBe(initiate?.AuthParameters?.SRP_A);
    expect(cognito).not.toHaveReceivedCommand(ConfirmDeviceCommand);
    const [refresh] = initiateAuthCalls(cognito, 'REFRESH_TOKEN_AUTH');
    expect(refresh?.args[0].input.AuthParameters).toMatchObject({ DEVICE_KEY: REMEMBERED.key });
  });

  it('names the device on renewal also when Cognito only tracks it (confirmed, not remembered: no device SRP)', async () => {
    answerSrpSignInWithoutNewDevice();
    const tokens = userProvider({
      flow: 'user-srp',
      userPoolId: USER_POOL_ID,
      credentials: { username: USERNAME, password: PASSWORD, device: REMEMBERED },
    });

    await tokens.getTokens();
    await tokens.refresh();

    const [refresh] = initiateAuthCalls(cognito, 'REFRESH_TOKEN_AUTH');
    expect(refresh?.args[0].input.AuthParameters).toMatchObject({ DEVICE_KEY: REMEMBERED.key });
  });

  it('is ERR_AUTHENTICATION naming credentials.device when Cognito no longer knows it, and reloads a source once', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves(PASSWORD_VERIFIER)
      .on(RespondToAuthChallengeCommand)
      .rejects(
        new ResourceNotFoundException({
          message: `Device does not exist. (${REMEMBERED.key})`,
          $metadata: { httpStatusCode: 400 },
        }),
      );
    const source = vi.fn(
      async (): Promise<CognitoCredentials> => ({ username: USERNAME, password: PASSWORD, device: REMEMBERED }),
    );
    const tokens = userProvider({ flow: 'user-srp', userPoolId: USER_POOL_ID, credentials: source });

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(error.message).toContain('credentials.device');
    expect(error.message).toContain('cognito-token device remember');
    expect(findLeaks([error], { deviceKey: REMEMBERED.key, devicePassword: REMEMBERED.password })).toEqual([]);
    expect(source).toHaveBeenCalledTimes(2);
    expect(source).toHaveBeenLastCalledWith(expect.objectContaining({ forceRefresh: true }));
  });

  it.each([
    ['REFRESH_TOKEN_AUTH', 'refresh-token-auth' as const],
    ['GetTokensFromRefreshToken', 'get-tokens-from-refresh-token' as const],
  ])('keeps the device key out of a %s failure that echoes the request', async (_, refresh) => {
    answerDeviceSignIn();
    const echo = (input: unknown) => {
      throw Object.assign(internalError(), { message: `failed: ${JSON.stringify(input)}` });
    };
    cognito.on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' }).callsFake(echo);
    cognito.on(GetTokensFromRefreshTokenCommand).callsFake(echo);
    const tokens = userProvider({
      flow: 'user-srp',
      userPoolId: USER_POOL_ID,
      refresh,
      retryPolicy: { ...FAST_RETRIES, maxAttempts: 2 },
      credentials: { username: USERNAME, password: PASSWORD, device: REMEMBERED },
    });
    await tokens.getTokens();

    const failing = failureOf(tokens.refresh());
    await vi.runAllTimersAsync();
    const error = await failing;

    expect(error.code).toBe('ERR_UNAVAILABLE');
    expect(findLeaks([error], { deviceKey: REMEMBERED.key })).toEqual([]);
  });

  it('is ChallengeRequiredError for DEVICE_SRP_AUTH without credentials.device', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves(PASSWORD_VERIFIER)
      .on(RespondToAuthChallengeCommand)
      .resolves(deviceSrpAuth);

    const error = await failureOf(userProvider({ flow: 'user-srp', userPoolId: USER_POOL_ID }).getIdToken());

    expect((error as ChallengeRequiredError).challengeName).toBe('DEVICE_SRP_AUTH');
  });

  it('keeps the device key and password out of errors, log events and the provider', async () => {
    const { logger, debug } = collectingLogger(false);
    // A hostile endpoint that quotes the request in its refusal of the device proof.
    answerUpToDeviceProof().callsFake((input) => {
      throw notAuthorized(`Incorrect username or password. ${JSON.stringify(input)}`);
    });
    const tokens = userProvider({
      flow: 'user-srp',
      userPoolId: USER_POOL_ID,
      logger,
      credentials: { username: USERNAME, password: PASSWORD, device: REMEMBERED },
    });

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_AUTHENTICATION');
    expect(
      findLeaks([error, tokens, debug], {
        deviceKey: REMEMBERED.key,
        deviceGroupKey: REMEMBERED.groupKey,
        devicePassword: REMEMBERED.password,
      }),
    ).toEqual([]);
  });
});

describe("flow: 'user-password' in a pool that tracks devices", () => {
  it.each([
    ['warn, when the logger has it', true],
    ['debug with details.level warn, when it has not', false],
  ])('renews by signing in again, confirms no device, and logs one warning to %s', async (_, withWarn) => {
    const { logger, debug, warn } = collectingLogger(withWarn);
    let serial = 0;
    cognito.on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' }).callsFake(() => withNewDevice(++serial));
    const tokens = userProvider({ flow: 'user-password', logger });

    await tokens.getTokens();
    for (let i = 0; i < 3; i++) await tokens.refresh();

    expect(initiateAuthCalls(cognito, 'USER_PASSWORD_AUTH')).toHaveLength(4);
    expect(initiateAuthCalls(cognito, 'REFRESH_TOKEN_AUTH')).toHaveLength(0);
    expect(cognito).not.toHaveReceivedCommand(ConfirmDeviceCommand);
    const warnings = withWarn ? warn : debug.filter(([, details]) => details?.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.[0]).toContain("flow: 'user-srp'");
    expect(warnings[0]?.[1]).toMatchObject({ flow: 'user-password', fix: "flow: 'user-srp'" });
    if (withWarn) expect(debug.some(([, details]) => details?.level === 'warn')).toBe(false);
  });

  it('sends a remembered device too (no new device, MFA skipped), and still renews by signing in', async () => {
    const { logger, warn } = collectingLogger(true);
    cognito.on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' }).resolves(authResult({ serial: 1 }));
    const tokens = userProvider({
      flow: 'user-password',
      logger,
      credentials: { username: USERNAME, password: PASSWORD, device: REMEMBERED },
    });

    await tokens.getTokens();
    await tokens.refresh();

    const [initiate] = initiateAuthCalls(cognito, 'USER_PASSWORD_AUTH');
    expect(initiate?.args[0].input.AuthParameters).toMatchObject({ DEVICE_KEY: REMEMBERED.key });
    expect(initiateAuthCalls(cognito, 'USER_PASSWORD_AUTH')).toHaveLength(2);
    expect(warn).toHaveLength(1);
  });

  it('a logger whose warn throws breaks nothing', async () => {
    cognito.on(InitiateAuthCommand).resolves(withNewDevice(1));
    const logger = {
      debug: () => undefined,
      warn: () => {
        throw new Error('broken logger');
      },
    };

    await expect(userProvider({ flow: 'user-password', logger }).getIdToken()).resolves.toEqual(expect.any(String));
  });
});

describe('credentials.device is checked', () => {
  it.each([
    [{ groupKey: REMEMBERED.groupKey, password: REMEMBERED.password }, '"credentials.device.key"'],
    [{ key: REMEMBERED.key, password: REMEMBERED.password }, '"credentials.device.groupKey"'],
    [{ key: REMEMBERED.key, groupKey: REMEMBERED.groupKey, password: '' }, '"credentials.device.password"'],
    ['eu-west-1_abc', '"credentials.device"'],
  ])('at construction, naming the field: %j', (device, named) => {
    const error = failureOfCall(
      () =>
        userProvider({
          credentials: { username: USERNAME, password: PASSWORD, device: device as unknown as RememberedDevice },
        }),
      'ERR_CONFIGURATION',
    );

    expect(error.message).toContain(named);
    expect(error.message).not.toContain(REMEMBERED.password);
    expect(error.message).not.toContain(REMEMBERED.key);
  });

  it('at construction, a misspelt field with the one meant', () => {
    const error = failureOfCall(
      () =>
        userProvider({
          credentials: {
            username: USERNAME,
            password: PASSWORD,
            device: { ...REMEMBERED, pasword: 'x' } as unknown as RememberedDevice,
          },
        }),
      'ERR_CONFIGURATION',
    );

    expect(error.message).toContain(
      '"credentials.device.pasword" is not an option of createTokenProvider; did you mean "credentials.device.password"?',
    );
  });

  it("from a source, as ERR_CREDENTIALS naming the source's field, before any request", async () => {
    const tokens = userProvider({
      credentials: async () => ({
        username: USERNAME,
        password: PASSWORD,
        device: { key: REMEMBERED.key, password: REMEMBERED.password } as RememberedDevice,
      }),
    });

    const error = await failureOf(tokens.getIdToken());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('"device.groupKey"');
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('with a shared cache', () => {
  it("renews another instance's tokens with this instance's refresh token and its own device", async () => {
    vi.useRealTimers();
    // A client without a secret: the fleet needs an explicit key.
    const memory = memoryTokenStore({ encryptionKey: new Uint8Array(32).fill(3) });
    let signIns = 0;
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'USER_AUTH' })
      .callsFake(() => {
        signIns++;
        // Each sign-in's tokens expire later than the last one's, as in real time: a shared entry must be newer
        // than what an instance holds, by its tokens' own exp, to be taken.
        const { AuthenticationResult } = authResult({ serial: signIns, lifetimeSeconds: 3_600 + signIns * 60 });
        const NewDeviceMetadata = { DeviceKey: `eu-west-1_device-${signIns}`, DeviceGroupKey: '-Group' };
        return { AuthenticationResult: { ...AuthenticationResult, NewDeviceMetadata } };
      })
      .on(ConfirmDeviceCommand)
      .resolves({})
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .resolves(authResult({ serial: 99, withoutRefreshToken: true }));
    // 'user-auth' without a pool ID: one request per sign-in (USER_AUTH with PASSWORD).
    const instance = () => userProvider({ flow: 'user-auth', sharedCache: shareTokenStore(memory.store) });
    const [mine, theirs] = [instance(), instance()];

    await mine.getTokens(); // signs in as device-1, and shares the tokens
    await theirs.getTokens(); // takes them from the store: no refresh token of its own
    await theirs.refresh(); // refuses them, so signs in as device-2, and shares those
    await mine.refresh(); // takes device-2's tokens from the store, keeping its own refresh token and device
    await mine.refresh(); // refuses those: renews with its refresh token, for device-1

    expect(initiateAuthCalls(cognito, 'USER_AUTH')).toHaveLength(2);
    const renewals = initiateAuthCalls(cognito, 'REFRESH_TOKEN_AUTH').map((call) => call.args[0].input);
    expect(renewals).toEqual([
      expect.objectContaining({ AuthParameters: expect.objectContaining({ DEVICE_KEY: 'eu-west-1_device-1' }) }),
    ]);
  });
});
