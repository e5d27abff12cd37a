import { UpdateDeviceStatusCommand } from '@aws-sdk/client-cognito-identity-provider';
import { sendWithRetries } from '../aws/cognito-request.js';
import { withDeadline } from '../core/deadline.js';
import { describeCause } from '../core/redaction.js';
import { type CredentialsSource, loadUserCredentials, withCredentialsReload } from '../credentials/credentials.js';
import { CognitoTokenError } from '../errors.js';
import { SignIn } from '../user/sign-in.js';
import { resolveUserOptions } from '../user/user-options.js';
import type { CliConfig } from './args.js';

// What the user pool console shows for the device, so an operator can tell it from the devices apps register.
const DEVICE_NAME = 'cognito-token device remember';

/**
 * `cognito-token device remember`: signs in as the other commands do (any flow, TOTP), always as a new device,
 * confirms the device Cognito registers for the sign-in, marks it remembered, and returns the one line to print:
 * `{"deviceKey":…,"deviceGroupKey":…,"devicePassword":…}`, which the user stores beside the password (the JSON
 * SSM parameter takes these fields as they are) for `credentials.device`. `onSecrets` sees the device's values as
 * soon as they exist, so no later failure can print them.
 */
export async function rememberDevice(
  config: CliConfig,
  credentials: CredentialsSource,
  onSecrets: (values: readonly (string | undefined)[]) => void,
): Promise<string> {
  const { clientId, userPoolId, region, flow } = config;
  const resolved = resolveUserOptions({
    clientId,
    flow,
    credentials,
    ...(region === undefined ? {} : { region }),
    ...(userPoolId === undefined ? {} : { userPoolId }),
  });
  const signIn = new SignIn(flow, userPoolId, { deviceName: DEVICE_NAME, requireConfirmedDevice: true });
  return withDeadline(resolved.timeoutMs, async (deadline) => {
    const { client, retryPolicy } = resolved;
    const context = {
      client,
      clientId,
      userPoolId,
      deadline,
      retryPolicy,
      logger: undefined,
      clientMetadata: undefined,
    };
    const { load, isSource } = resolved.credentials;
    const { result } = await withCredentialsReload(
      isSource,
      (forceRefresh) => loadUserCredentials(load, deadline, forceRefresh),
      // Never as a device already remembered: the point is a new one.
      (loaded) => signIn.signIn(context, { ...loaded, device: undefined }),
      undefined,
    );
    const { device, AccessToken: accessToken } = result;
    onSecrets([device?.key, device?.groupKey, device?.password, accessToken, result.IdToken, result.RefreshToken]);
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
        [accessToken, device.key],
      );
    } catch (error) {
      if (error instanceof CognitoTokenError) throw error;
      // Outages and throttling arrive as CognitoTokenErrors already; this is a refusal.
      throw new CognitoTokenError(
        'ERR_CONFIGURATION',
        `The device was confirmed, but Cognito refused to mark it remembered (${describeCause(error, [])})`,
        { cause: error },
      );
    }
    const { key: deviceKey, groupKey: deviceGroupKey, password: devicePassword } = device;
    return `${JSON.stringify({ deviceKey, deviceGroupKey, devicePassword })}\n`;
  });
}
