/**
 * Remembered devices, the client side. With device tracking on, Cognito answers a sign-in with NewDeviceMetadata,
 * and renews tokens only for a device confirmed with ConfirmDevice and named by its key. Confirming means giving
 * Cognito an SRP verifier for a random device password: the same math as the user's password verifier, with the
 * device group key in place of the pool name and the device key in place of the username (see COGNITO.md,
 * "Remembered devices"). A later sign-in proves the device with that password (DEVICE_SRP_AUTH, then
 * DEVICE_PASSWORD_VERIFIER, answered by `srp.ts`'s session with the same substitution), which is how a remembered
 * device skips MFA and creates no new device.
 */
import { randomBytes } from 'node:crypto';
import { ConfirmDeviceCommand, type ConfirmDeviceCommandOutput } from '@aws-sdk/client-cognito-identity-provider';
import { type CognitoRequestContext, sendWithRetries } from '../aws/cognito-request.js';
import type { RememberedDevice } from '../credentials/credentials.js';
import { CognitoTokenError } from '../errors.js';
import { modPow, padHex, passwordExponent } from './srp.js';

const G = 2n;
// As amazon-cognito-identity-js draws them: 40 random bytes for the password (base64), 16 for the salt.
const DEVICE_PASSWORD_BYTES = 40;
const SALT_BYTES = 16;

/** What ConfirmDevice takes, and the device password that goes with it. */
export interface DeviceVerifier {
  /** The device password: known only to this process, and proved (never sent) at a device sign-in. */
  readonly password: string;
  /** `DeviceSecretVerifierConfig`: the salt and `g^x mod N`, each as the bytes of its `padHex`, in base64. */
  readonly config: { readonly Salt: string; readonly PasswordVerifier: string };
}

/**
 * A random device password and the verifier Cognito stores for it:
 * `x = H(padHex(salt) || H(groupKey || deviceKey || ':' || password))`, `verifier = g^x mod N`. `random` exists so
 * tests can replay another implementation's draws; production code leaves it out.
 */
export function deviceVerifier(
  groupKey: string,
  deviceKey: string,
  random: (size: number) => Buffer = randomBytes,
): DeviceVerifier {
  const password = random(DEVICE_PASSWORD_BYTES).toString('base64');
  const salt = BigInt(`0x${random(SALT_BYTES).toString('hex')}`);
  const verifier = modPow(G, passwordExponent(salt, groupKey, deviceKey, password));
  return {
    password,
    config: {
      Salt: Buffer.from(padHex(salt), 'hex').toString('base64'),
      PasswordVerifier: Buffer.from(padHex(verifier), 'hex').toString('base64'),
    },
  };
}

/**
 * Confirms the device a sign-in answer named in NewDeviceMetadata, with a fresh device password, and returns the
 * device: its key and group key as Cognito gave them, and the password. `UserConfirmationNecessary` in the answer
 * (a pool that remembers devices on the user's word) is the caller's to act on: renewal needs the device
 * confirmed, not remembered.
 */
export async function confirmNewDevice(
  context: CognitoRequestContext,
  accessToken: string,
  metadata: { readonly DeviceKey?: string | undefined; readonly DeviceGroupKey?: string | undefined },
  deviceName: string,
): Promise<RememberedDevice> {
  const { DeviceKey: key, DeviceGroupKey: groupKey } = metadata;
  if (typeof key !== 'string' || key === '' || typeof groupKey !== 'string' || groupKey === '') {
    throw new CognitoTokenError(
      'ERR_UNAVAILABLE',
      'Cognito answered the sign-in with NewDeviceMetadata that lacks the device key or the device group key',
    );
  }
  const { password, config } = deviceVerifier(groupKey, key);
  await sendWithRetries<ConfirmDeviceCommandOutput>(
    context,
    'ConfirmDevice',
    () =>
      new ConfirmDeviceCommand({
        AccessToken: accessToken,
        DeviceKey: key,
        DeviceName: deviceName,
        DeviceSecretVerifierConfig: { ...config },
      }),
    [accessToken, key, groupKey, password, config.Salt, config.PasswordVerifier],
  );
  return { key, groupKey, password };
}
