/**
 * amazon-cognito-identity-js as an independent reference for the SRP and device math: a client that signs in to
 * real Cognito and shares none of our code (jsbn BigInteger, @aws-crypto/sha256-js). Typed here with only the
 * parts the known-answer tests drive.
 */
import { createRequire } from 'node:module';

export interface Jsbn {
  toString(radix: number): string;
}

/** The library's AuthenticationHelper: the SRP client state for one pool. */
export interface ReferenceHelper {
  smallAValue: Jsbn;
  largeAValue: Jsbn | undefined;
  generateRandomSmallA(): Jsbn;
  getPasswordAuthenticationKey(
    username: string,
    password: string,
    serverB: Jsbn,
    salt: Jsbn,
    callback: (error: unknown, key: Uint8Array) => void,
  ): void;
  calculateU(largeA: Jsbn, largeB: Jsbn): Jsbn;
  calculateS(x: Jsbn, largeB: Jsbn, callback: (error: unknown, s: Jsbn) => void): void;
  padHex(value: Jsbn): string;
  hash(text: string): string;
  hexHash(hex: string): string;
  generateHashDevice(groupKey: string, deviceKey: string, callback: (error: unknown) => void): void;
  getRandomPassword(): string;
  getSaltDevices(): string;
  getVerifierDevices(): string;
}

/** `require` from this folder, for the library's CommonJS internals. */
export const referenceRequire = createRequire(import.meta.url);

export const AuthenticationHelper: { new (poolName: string): ReferenceHelper; prototype: ReferenceHelper } =
  referenceRequire('amazon-cognito-identity-js/lib/AuthenticationHelper.js').default;
export const JsbnBigInteger: new (text: string, radix: number) => Jsbn = referenceRequire(
  'amazon-cognito-identity-js/lib/BigInteger.js',
).default;
/** The HMAC amazon-cognito-identity-js itself signs with (CognitoUser.authenticateUserDefaultAuth). */
export const { Sha256 } = createRequire(referenceRequire.resolve('amazon-cognito-identity-js'))(
  '@aws-crypto/sha256-js',
) as {
  Sha256: new (secret?: Uint8Array) => { update(data: Uint8Array): void; digestSync(): Uint8Array };
};
