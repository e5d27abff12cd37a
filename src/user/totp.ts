/**
 * RFC 6238 TOTP as Cognito's SOFTWARE_TOKEN_MFA expects it: HMAC-SHA-1 over the 30-second step counter,
 * 6 digits, from the base32 secret that AssociateSoftwareToken returned. A service account holding that secret
 * can answer the challenge unattended.
 */
import { createHmac } from 'node:crypto';
import { CognitoTokenError } from '../errors.js';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const STEP_MS = 30_000;

/**
 * The 6-digit code for one time step. The secret is read as authenticator apps read it: case-insensitive,
 * spaces and `=` padding ignored; anything else is an `ERR_CREDENTIALS` error that never quotes the secret.
 */
export function totpCode(secretBase32: string, timeStep: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(timeStep));
  const mac = createHmac('sha1', decodeBase32(secretBase32)).update(counter).digest();
  // RFC 4226 dynamic truncation: the low nibble of the last byte picks 4 bytes, top bit cleared.
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/**
 * The 30-second step containing `epochMs`. Cognito remembers the last step a user answered, so a second
 * sign-in within the same step needs the next one.
 */
export function timeStepAt(epochMs: number): number {
  return Math.floor(epochMs / STEP_MS);
}

function decodeBase32(secret: string): Buffer {
  const symbols = secret.replace(/[\s=]/g, '');
  if (symbols.length === 0) throw invalidSecret('is empty');
  // Checked before upper-casing: 'ſ'.toUpperCase() is 'S' and 'ß' becomes 'SS'.
  if (!/^[A-Za-z2-7]+$/.test(symbols)) {
    throw invalidSecret('contains a character outside the base32 alphabet (A–Z, 2–7)');
  }
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const symbol of symbols.toUpperCase()) {
    const value = BASE32_ALPHABET.indexOf(symbol);
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  // Fewer than 8 leftover bits are padding, as RFC 4648 has it.
  return Buffer.from(bytes);
}

function invalidSecret(problem: string): CognitoTokenError {
  return new CognitoTokenError(
    'ERR_CREDENTIALS',
    `The TOTP secret ${problem}. Use the base32 secret that AssociateSoftwareToken returned for this user.`,
  );
}
