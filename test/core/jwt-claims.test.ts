import { describe, expect, it } from 'vitest';
import { decodeJwtClaims } from '../../src/index.js';
import { failureOfCall } from '../helpers/failure-of.js';
import { fakeJwt } from '../helpers/fake-jwt.js';

describe('decodeJwtClaims', () => {
  it('reads the payload claims', () => {
    const jwt = fakeJwt({ exp: 1_700_000_000, 'cognito:username': 'abc-123', email: 'ü@example.com' });
    expect(decodeJwtClaims(jwt)).toEqual({ exp: 1_700_000_000, 'cognito:username': 'abc-123', email: 'ü@example.com' });
  });

  it.each([
    ['no dots', 'not-a-jwt'],
    ['a payload that is not JSON', 'aGVhZGVy.bm90LWpzb24.c2ln'],
    ['a payload that is an array', `x.${Buffer.from('[1]').toString('base64url')}.y`],
    ['a payload that is null', `x.${Buffer.from('null').toString('base64url')}.y`],
  ])('rejects %s without quoting the token', (_, jwt) => {
    // The caller's input, not Cognito's answer: no blame on Cognito, no transient code.
    const { message } = failureOfCall(() => decodeJwtClaims(jwt), 'ERR_CONFIGURATION');

    expect(message).toMatch(/^"jwt" must be a JWT/);
    expect(message).not.toContain('Cognito');
    expect(message).not.toContain(jwt);
  });
});
