import { describe, expect, it } from 'vitest';
import { expiryOf, renewalPoint } from '../../src/core/jwt-claims.js';

const now = 1_800_000_000_000;

describe('expiryOf', () => {
  it('takes the earliest of ExpiresIn and each token lifetime, counted from now', () => {
    expect(
      expiryOf(now, 3600, [
        { exp: 100 + 300, iat: 100 },
        { exp: 100 + 3600, iat: 100 },
      ]),
    ).toBe(now + 300_000);
    expect(expiryOf(now, 60, [{ exp: 100 + 300, iat: 100 }])).toBe(now + 60_000);
  });

  it('falls back on exp itself when iat is missing or not before exp', () => {
    expect(expiryOf(now, undefined, [{ exp: 1_800_000_600 }])).toBe(1_800_000_600_000);
    expect(expiryOf(now, undefined, [{ exp: 1_800_000_600, iat: 1_800_000_600 }])).toBe(1_800_000_600_000);
  });

  it('ignores unreadable tokens and non-positive lifetimes, and says when nothing states a lifetime', () => {
    expect(expiryOf(now, 0, [undefined, {}])).toBeUndefined();
    expect(expiryOf(now, 90, [undefined])).toBe(now + 90_000);
  });
});

describe('renewalPoint', () => {
  it('is refreshAheadSeconds before expiry, but never later than half the lifetime', () => {
    expect(renewalPoint(0, 3600_000, 300)).toBe(3300_000);
    expect(renewalPoint(0, 300_000, 300)).toBe(150_000);
    expect(renewalPoint(0, 10_000, 0)).toBe(10_000);
    expect(renewalPoint(5_000, 1_000, 300)).toBe(1_000);
  });
});
