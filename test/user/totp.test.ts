import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { timeStepAt, totpCode } from '../../src/user/totp.js';
import { failureOfCall } from '../helpers/failure-of.js';
import { RFC6238_SHA1_VECTORS } from '../helpers/totp-vectors.js';

// RFC 6238 Appendix B: the SHA-1 seed (RFC6238_SHA1_SEED, the ASCII string "12345678901234567890") in base32.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** RFC 4648 base32 encoding, written from the RFC: the decoder under test is checked against it. */
function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...bytes].map((byte) => byte.toString(2).padStart(8, '0')).join('');
  const groups = bits.match(/.{1,5}/g) ?? [];
  const text = groups.map((group) => alphabet[Number.parseInt(group.padEnd(5, '0'), 2)]).join('');
  return text.padEnd(Math.ceil(text.length / 8) * 8, '=');
}

/** RFC 4226 HOTP, 6 digits, straight from the RFC's reference code. */
function hotp(key: Buffer, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeUInt32BE(Math.floor(counter / 2 ** 32), 0);
  message.writeUInt32BE(counter % 2 ** 32, 4);
  const hash = createHmac('sha1', key).update(message).digest();
  const offset = (hash[19] as number) & 0xf;
  const code =
    (((hash[offset] as number) & 0x7f) << 24) |
    ((hash[offset + 1] as number) << 16) |
    ((hash[offset + 2] as number) << 8) |
    (hash[offset + 3] as number);
  return String(code % 10 ** 6).padStart(6, '0');
}

describe('totpCode', () => {
  it.each(RFC6238_SHA1_VECTORS)('gives the RFC 6238 SHA-1 vector at T = %i s', (seconds, expected) => {
    // Act
    const code = totpCode(RFC_SECRET, timeStepAt(seconds * 1000));

    // Assert
    expect(code).toBe(expected);
  });

  it('reads the secret case-insensitively, ignoring spaces and = padding', () => {
    // Prepare
    const step = timeStepAt(1111111109 * 1000);
    const spelled = [
      'gezdgnbvgy3tqojqgezdgnbvgy3tqojq',
      'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ',
      `${RFC_SECRET}====`,
    ];

    // Act
    const codes = spelled.map((secret) => totpCode(secret, step));

    // Assert
    expect(codes).toEqual(['081804', '081804', '081804']);
  });

  it.each([
    ['10 bytes (16 symbols)', 10],
    ['32 bytes (52 symbols, 4 spare bits), the length Cognito hands out', 32],
    ['1 byte (2 symbols, padded)', 1],
    ['7 bytes (12 symbols, padded)', 7],
  ])('decodes a %s secret as RFC 4648 does', (_name, size) => {
    // Prepare
    const key = createHmac('sha256', 'seed').update(String(size)).digest().subarray(0, size);
    const secret = base32(key);
    const steps = [0, 1, 55_555_555, 2 ** 32 + 7];

    // Act
    const codes = steps.map((step) => totpCode(secret, step));

    // Assert
    expect(codes).toEqual(steps.map((step) => hotp(key, step)));
  });

  it.each([
    ['a digit outside 2-7', 'JBSWY3DPEHPK3PX1'],
    ['a digit 0', 'JBSWY3DPEHPK3PX0'],
    ['a digit 8', 'JBSWY3DPEHPK3PX8'],
    ['punctuation', 'JBSWY3DP-EHPK3PXP'],
    ['a non-ASCII letter', 'JBSWY3DPEHPK3PXÄ'],
    ['a long s, which upper-cases to S', 'JBSWY3DPEHPK3PXſ'],
    ['a sharp s, which upper-cases to SS', 'JBSWY3DPEHPK3Pß'],
    ['nothing but padding', '  == '],
    ['an empty string', ''],
  ])('refuses a secret with %s as ERR_CREDENTIALS, without quoting it', (_name, secret) => {
    // Act
    const failure = failureOfCall(() => totpCode(secret, 1), 'ERR_CREDENTIALS');

    // Assert
    const printed = `${inspect(failure, { showHidden: true })}${JSON.stringify(failure)}`;
    // Quoted, even an empty or blank secret would show: `"" is empty`.
    for (const quoted of [`"${secret}"`, `'${secret}'`, JSON.stringify(secret)]) {
      expect(printed).not.toContain(quoted);
    }
    // Unquoted, every fragment that is there to find (an empty string is found in anything).
    for (const fragment of [secret, secret.slice(0, 8)].filter((text) => text.length > 0)) {
      expect(printed).not.toContain(fragment);
    }
  });
});

describe('timeStepAt', () => {
  it.each([
    [0, 0],
    [29_999, 0],
    [30_000, 1],
    [59_999, 1],
    [1_111_111_109_000, 37_037_036],
    [20_000_000_000_000, 666_666_666],
  ])('puts %i ms in step %i', (epochMs, step) => {
    // Act
    const result = timeStepAt(epochMs);

    // Assert
    expect(result).toBe(step);
  });
});
