/**
 * TOTP codes (RFC 6238: HMAC-SHA-1 over the 30-second step, 6 digits) as the local user pool checks them, written
 * apart from `src/user/totp.ts` for the same reason as the SRP math.
 *
 * @internal
 * @packageDocumentation
 */
import { createHmac } from 'node:crypto';

/** @internal The bytes of a base32 secret; throws on a symbol outside the alphabet. */
export function base32Bytes(secret: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret.toUpperCase().replace(/[\s=]/g, '')]
    .map((symbol) => {
      const value = alphabet.indexOf(symbol);
      if (value < 0) throw new Error('is not base32');
      return value.toString(2).padStart(5, '0');
    })
    .join('');
  const bytes = (bits.match(/.{8}/g) ?? []).map((byte) => Number.parseInt(byte, 2));
  return Buffer.from(bytes);
}

/** @internal The 6-digit code of a key at a step counter. */
export function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[19] as number) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
