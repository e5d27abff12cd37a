import { UpdateDeviceStatusCommand } from '@aws-sdk/client-cognito-identity-provider';
import { sendWithRetries } from '../aws/cognito-request.js';
import { withDeadline } from '../core/deadline.js';
import { describeCause } from '../core/redaction.js';
import {
  callCredentialsSource,
  type RememberedDevice,
  userCredentialsFrom,
  withCredentialsReload,
} from '../credentials/credentials.js';
import { CognitoTokenError } from '../errors.js';
import { resolveUserOptions, type TokenProviderOptions } from './options.js';
import { SignIn } from './sign-in.js';

/**
 * Options of {@link rememberDevice}: those of `createTokenProvider` (the sign-in is the same), and the name the
 * user pool console shows for the device.
 *
 * @example
 * ```ts
 * import type { RememberDeviceOptions } from 'cognito-token-provider';
 *
 * declare const password: string;
 * const options: RememberDeviceOptions = {
 *   clientId: '4rtbp1kcm0example',
 *   userPoolId: 'eu-west-1_AbC123',
 *   flow: 'user-srp',
 *   credentials: { username: 'svc-orders', password },
 *   deviceName: 'orders service',
 * };
 * ```
 */
export type RememberDeviceOptions = TokenProviderOptions & {
  /** The `DeviceName` of the device, which the user pool console shows. Default `'cognito-token device remember'`. */
  readonly deviceName?: string | undefined;
};

/**
 * Signs in as a new device (any flow and TOTP `createTokenProvider` supports), confirms the device Cognito
 * registers for the sign-in (ConfirmDevice, with a verifier of a random device password), marks it remembered
 * (UpdateDeviceStatus), and returns it. Store it beside the password (the JSON fields `deviceKey`,
 * `deviceGroupKey` and `devicePassword` of an SSM parameter or a Secrets Manager secret), and give it to every
 * instance as `credentials.device`: they then sign in as that device, create no new device, and skip MFA where
 * the user pool lets remembered devices suppress it. `cognito-token device remember` runs this.
 *
 * Fails with `ERR_CONFIGURATION` when the user pool does not track devices. The device password is a secret as
 * much as the user's: it appears in no error or log.
 *
 * @example
 * ```ts
 * import { rememberDevice } from 'cognito-token-provider';
 *
 * declare const password: string;
 * const device = await rememberDevice({
 *   clientId: '4rtbp1kcm0example',
 *   userPoolId: 'eu-west-1_AbC123',
 *   flow: 'user-srp',
 *   credentials: { username: 'svc-orders', password },
 * });
 * console.log(Object.keys(device)); // key, groupKey, password: store them, never log them
 * ```
 */
export async function rememberDevice(options: RememberDeviceOptions): Promise<RememberedDevice> {
  const { deviceName, ...providerOptions } = options ?? {};
  const resolved = resolveUserOptions(providerOptions);
  const { clientId, userPoolId, flow, client, retryPolicy, logger, clientMetadata } = resolved;
  const signIn = new SignIn(flow, userPoolId, {
    deviceName: deviceName ?? 'cognito-token device remember',
    requireConfirmedDevice: true,
    switchToSrpWhenRefused: resolved.flowDefaulted,
  });
  return withDeadline(resolved.timeoutMs, async (deadline) => {
    const context = { client, clientId, userPoolId, deadline, retryPolicy, logger, clientMetadata };
    const { load, isSource } = resolved.credentials;
    const { result } = await withCredentialsReload(
      isSource,
      async (forceRefresh) => userCredentialsFrom(await callCredentialsSource(load, deadline, forceRefresh)),
      // Never as a device already remembered: the point is a new one.
      (loaded) => signIn.signIn(context, { ...loaded, device: undefined }),
      logger,
    );
    const { device, AccessToken: accessToken } = result;
    if (device === undefined || result.NewDeviceMetadata === undefined) {
      throw new CognitoTokenError(
        'ERR_CONFIGURATION',
        'The user pool does not remember devices: Cognito answered the sign-in without NewDeviceMetadata. Turn on ' +
          'device tracking for the user pool ("Remember user devices": Always or User opt-in) first',
      );
    }
    try {
      await sendWithRetries(
        context,
        'UpdateDeviceStatus',
        () =>
          new UpdateDeviceStatusCommand({
            AccessToken: accessToken,
            DeviceKey: device.key,
            DeviceRememberedStatus: 'remembered',
          }),
        [accessToken, device.key, device.password],
      );
    } catch (error) {
      if (error instanceof CognitoTokenError) throw error;
      // Outages and throttling arrive as CognitoTokenErrors already; this is a refusal.
      throw new CognitoTokenError(
        'ERR_CONFIGURATION',
        `The device was confirmed, but Cognito refused to mark it remembered (${describeCause(error, [accessToken, device.key, device.password])})`,
        { cause: error },
      );
    }
    return device;
  });
}
