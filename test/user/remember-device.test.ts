import {
  CognitoIdentityProviderClient,
  ConfirmDeviceCommand,
  InitiateAuthCommand,
  UpdateDeviceStatusCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RETRY_POLICY_OPTION } from '../../src/core/deadline.js';
import { CognitoTokenError } from '../../src/errors.js';
import { rememberDevice } from '../../src/index.js';
import { throttled } from '../helpers/cognito-errors.js';
import { cognitoTokens } from '../helpers/fake-jwt.js';

const cognito = mockClient(CognitoIdentityProviderClient);
const PASSWORD = 'Canary-Remember-Pa55word-17';
const NEW_DEVICE = { DeviceKey: 'eu-west-1_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', DeviceGroupKey: '-RememberGroup' };

beforeEach(() => {
  cognito.reset();
});

describe('rememberDevice', () => {
  it.each([
    ['no options at all', undefined],
    ['null', null],
  ])('fails with ERR_CONFIGURATION naming clientId, never a TypeError, for %s', async (_, options) => {
    const error = await rememberDevice(options as never).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CognitoTokenError);
    expect(error).toMatchObject({ code: 'ERR_CONFIGURATION', message: expect.stringContaining('clientId') });
    expect(cognito.calls()).toHaveLength(0);
  });

  it('passes on ERR_THROTTLED from UpdateDeviceStatus as it is, not as a refusal to remember', async () => {
    const answer = {
      AuthenticationResult: {
        ...cognitoTokens({ username: 'svc-uuid', nowSeconds: Math.floor(Date.now() / 1000) }),
        NewDeviceMetadata: NEW_DEVICE,
      },
    };
    cognito
      .on(InitiateAuthCommand)
      .resolves(answer)
      .on(ConfirmDeviceCommand)
      .resolves({ UserConfirmationNecessary: false })
      .on(UpdateDeviceStatusCommand)
      .rejects(throttled());

    const error = await rememberDevice({
      clientId: 'client-id',
      region: 'eu-west-1',
      flow: 'user-password',
      credentials: { username: 'svc', password: PASSWORD },
      [RETRY_POLICY_OPTION]: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    } as never).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CognitoTokenError);
    expect(error).toMatchObject({ code: 'ERR_THROTTLED' });
    expect((error as Error).message).not.toContain('refused to mark it remembered');
    expect(cognito.commandCalls(UpdateDeviceStatusCommand)).toHaveLength(2);
  });
});
