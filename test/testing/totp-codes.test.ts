// The local pool's own TOTP math, against the RFCs' published vectors (independent of src/user/totp.ts).
import { describe, expect, it } from 'vitest';
import { base32Bytes, hotp } from '../../src/testing/totp-codes.js';
import { RFC6238_SHA1_SEED, RFC6238_SHA1_VECTORS } from '../helpers/totp-vectors.js';

describe('base32Bytes', () => {
  it('decodes the RFC 4648 section 10 vectors, padding and case aside', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['MY======', 'f'],
      ['MZXQ====', 'fo'],
      ['MZXW6===', 'foo'],
      ['MZXW6YQ=', 'foob'],
      ['MZXW6YTB', 'fooba'],
      ['MZXW6YTBOI======', 'foobar'],
    ];
    for (const [encoded, decoded] of vectors) {
      expect(base32Bytes(encoded).toString('latin1')).toBe(decoded);
      expect(base32Bytes(encoded.toLowerCase().replace(/=/g, '')).toString('latin1')).toBe(decoded);
    }
    // A lone symbol holds fewer than 8 bits: no whole byte.
    expect(base32Bytes('M')).toHaveLength(0);
    expect(base32Bytes('MZXW 6YTB')).toEqual(Buffer.from('fooba'));
  });

  it('throws on a symbol outside the alphabet', () => {
    expect(() => base32Bytes('MZXW1')).toThrow('is not base32');
    expect(() => base32Bytes('MZXW8')).toThrow('is not base32');
  });
});

describe('hotp', () => {
  it('gives the RFC 4226 appendix D codes', () => {
    const key = Buffer.from('12345678901234567890', 'ascii');
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    expect(expected.map((_, counter) => hotp(key, counter))).toEqual(expected);
  });

  it('gives the RFC 6238 appendix B SHA-1 codes (last 6 digits) at their 30-second steps', () => {
    const key = Buffer.from(RFC6238_SHA1_SEED, 'ascii');
    const codes = RFC6238_SHA1_VECTORS.map(([seconds]) => hotp(key, Math.floor(seconds / 30)));
    expect(codes).toEqual(RFC6238_SHA1_VECTORS.map(([, code]) => code));
  });
});
