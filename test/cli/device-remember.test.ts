// `cognito-token device remember`, against mocked SDKs: what it parses, what it sends, that stdout carries the
// device's JSON line and nothing else, and that no failure prints a device secret. Over HTTP, against the
// device-tracking test server, in test/integration/devices.test.ts.
import {
  ConfirmDeviceCommand,
  InitiateAuthCommand,
  UpdateDeviceStatusCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/cli/args.js';
import { CliUsageError } from '../../src/cli/usage-error.js';
import { CLI_BASE_ARGS, CLI_CLIENT_ID, mockCliServices, runCliCaptured as run } from '../helpers/cli-runner.js';
import { notAuthorized } from '../helpers/cognito-errors.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

const { cognito, ssm, signIns } = mockCliServices();

const PASSWORD = 'Canary-Device-CLI-Pa55word-61';
const BASE = ['device', 'remember', ...CLI_BASE_ARGS];
const NEW_DEVICE = { DeviceKey: 'eu-west-1_4d3c2b1a-0f9e-4d8c-b7a6-958473625140', DeviceGroupKey: '-CliGroup5' };
const signedIn = () => ({
  AuthenticationResult: {
    ...cognitoTokens({ username: 'svc-uuid', nowSeconds: Math.floor(Date.now() / 1000) }),
    NewDeviceMetadata: NEW_DEVICE,
  },
});

describe('parsing', () => {
  it('takes the options of a token run after `device remember`', () => {
    const command = parseCliArgs([...BASE, '--username', 'svc', '--flow', 'user-auth'], { COGNITO_PASSWORD: 'pw' });

    expect(command).toMatchObject({
      kind: 'device-remember',
      config: { clientId: CLI_CLIENT_ID, flow: 'user-auth', credentials: { kind: 'password', username: 'svc' } },
    });
  });

  it.each([
    [['device'], 'the device command is `cognito-token device remember [options]`; see --help'],
    [
      ['device', 'forget', '--client-id', 'x'],
      'the device command is `cognito-token device remember [options]`; see --help',
    ],
    [
      [...BASE, '--username', 'svc', '--json'],
      '--token and --json do not apply to `device remember`, which prints the device as JSON',
    ],
    [
      [...BASE, '--username', 'svc', '--token=access'],
      '--token and --json do not apply to `device remember`, which prints the device as JSON',
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCliArgs(argv, { COGNITO_PASSWORD: 'pw' })).toThrow(new CliUsageError(message));
  });

  it('shows the help for `device remember --help`', () => {
    expect(parseCliArgs(['device', 'remember', '--help'], {})).toEqual({ kind: 'help' });
  });
});

/** Cognito signs the user in, then confirms the new device (answering `confirmed`) and marks it remembered. */
function answerRemember(confirmed: object = {}) {
  const answer = signedIn();
  cognito
    .on(InitiateAuthCommand)
    .resolves(answer)
    .on(ConfirmDeviceCommand)
    .resolves(confirmed)
    .on(UpdateDeviceStatusCommand)
    .resolves({});
  return answer;
}

describe('a run', () => {
  it('signs in, confirms the new device, marks it remembered, and prints exactly the device as JSON', async () => {
    const answer = answerRemember({ UserConfirmationNecessary: true });

    const result = await run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD });

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stdout.trimEnd()).not.toContain('\n');
    const printed = JSON.parse(result.stdout);
    expect(Object.keys(printed)).toEqual(['deviceKey', 'deviceGroupKey', 'devicePassword']);
    expect(printed).toEqual({
      deviceKey: NEW_DEVICE.DeviceKey,
      deviceGroupKey: NEW_DEVICE.DeviceGroupKey,
      devicePassword: expect.any(String),
    });
    expect(Buffer.from(printed.devicePassword, 'base64')).toHaveLength(40);
    expect(cognito.commandCalls(ConfirmDeviceCommand)[0]?.args[0].input).toMatchObject({
      AccessToken: answer.AuthenticationResult.AccessToken,
      DeviceKey: NEW_DEVICE.DeviceKey,
      DeviceName: 'cognito-token device remember',
    });
    expect(cognito.commandCalls(UpdateDeviceStatusCommand)[0]?.args[0].input).toEqual({
      AccessToken: answer.AuthenticationResult.AccessToken,
      DeviceKey: NEW_DEVICE.DeviceKey,
      DeviceRememberedStatus: 'remembered',
    });
  });

  it('signs in as a new device even when the SSM JSON holds a remembered one', async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        {
          Name: '/svc/cognito',
          Type: 'SecureString',
          Value: JSON.stringify({
            username: 'svc',
            password: PASSWORD,
            deviceKey: 'eu-west-1_00000000-0000-4000-8000-000000000000',
            deviceGroupKey: '-Old',
            devicePassword: 'old-device-password',
          }),
        },
      ],
    });
    answerRemember();

    const result = await run([...BASE, '--ssm-parameter', '/svc/cognito'], {});

    expect(result.status).toBe(0);
    expect(signIns()[0]?.AuthParameters).not.toHaveProperty('DEVICE_KEY');
  });

  it('confirms the device with flow user-password too: the device is for later SRP sign-ins', async () => {
    answerRemember();

    const result = await run([...BASE, '--username', 'svc', '--flow', 'user-password'], { COGNITO_PASSWORD: PASSWORD });

    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(cognito.commandCalls(ConfirmDeviceCommand)).toHaveLength(1);
  });

  it('is ERR_CONFIGURATION, printing nothing on stdout, when the pool does not track devices', async () => {
    cognito.on(InitiateAuthCommand).resolves({
      AuthenticationResult: { ...signedIn().AuthenticationResult, NewDeviceMetadata: undefined },
    });

    const result = await run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD });

    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cognito-token: ERR_CONFIGURATION: The user pool does not remember devices/);
    expect(cognito.commandCalls(ConfirmDeviceCommand)).toHaveLength(0);
  });

  it.each([
    ['ConfirmDevice', ConfirmDeviceCommand],
    ['UpdateDeviceStatus', UpdateDeviceStatusCommand],
  ])(
    'prints no device secret or token when %s is refused with an answer that quotes the request',
    async (_, refused) => {
      const answer = answerRemember();
      let sent: unknown;

      cognito.on(refused as typeof ConfirmDeviceCommand).callsFake((input) => {
        sent = input;
        throw notAuthorized(`refused: ${JSON.stringify(input)}`);
      });

      const result = await run([...BASE, '--username', 'svc'], { COGNITO_PASSWORD: PASSWORD });

      expect(result.status).not.toBe(0);
      expect(result.stdout).toBe('');
      const secrets = [
        NEW_DEVICE.DeviceKey,
        NEW_DEVICE.DeviceGroupKey,
        answer.AuthenticationResult.AccessToken,
        answer.AuthenticationResult.RefreshToken,
        PASSWORD,
        ...Object.values(
          (sent as { DeviceSecretVerifierConfig?: Record<string, string> }).DeviceSecretVerifierConfig ?? {},
        ),
      ];
      for (const secret of secrets) expect(result.stderr).not.toContain(secret);
    },
  );
});
