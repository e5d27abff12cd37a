import { describe, expect, it } from 'vitest';
import { ChallengeRequiredError, CognitoTokenError } from '../src/errors.js';

// What another copy of the package (the CommonJS build beside the ES module) stamps on its errors.
const KINDS = Symbol.for('cognito-token-provider.error-kinds');

describe('CognitoTokenError instanceof', () => {
  it("keeps the ordinary prototype check for a user's own subclass", () => {
    class AppError extends CognitoTokenError {}
    const own = new AppError('ERR_CONFIGURATION', 'bad setting');

    expect(own instanceof AppError).toBe(true);
    expect(own instanceof Error).toBe(true);
    // Still one of ours: a user's subclass does not hide the classes it extends.
    expect(own instanceof CognitoTokenError).toBe(true);
    class AppChallenge extends ChallengeRequiredError {}
    expect(new AppChallenge('SMS_MFA', 'needs SMS') instanceof ChallengeRequiredError).toBe(true);
    expect(new AppChallenge('SMS_MFA', 'needs SMS') instanceof CognitoTokenError).toBe(true);
    expect(new CognitoTokenError('ERR_CONFIGURATION', 'bad setting') instanceof AppError).toBe(false);
    expect(new ChallengeRequiredError('SMS_MFA', 'needs SMS') instanceof AppError).toBe(false);
  });

  it('recognises an error of another copy of the package by its kinds, subclass included', () => {
    const fromOtherCopy = Object.assign(new Error('throttled'), { code: 'ERR_THROTTLED' });
    Object.defineProperty(fromOtherCopy, KINDS, { value: ['CognitoTokenError'] });
    const challengeFromOtherCopy = new Error('needs SMS');
    Object.defineProperty(challengeFromOtherCopy, KINDS, { value: ['ChallengeRequiredError', 'CognitoTokenError'] });

    expect(fromOtherCopy instanceof CognitoTokenError).toBe(true);
    expect(fromOtherCopy instanceof ChallengeRequiredError).toBe(false);
    expect(challengeFromOtherCopy instanceof ChallengeRequiredError).toBe(true);
  });

  it('says no, without throwing, for hostile values', () => {
    const forged = { [KINDS]: 'CognitoTokenError' };
    const throwing = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
      },
    );

    for (const value of [null, undefined, 'CognitoTokenError', 42, new Error('plain'), forged, Object.create(null)]) {
      expect(value instanceof CognitoTokenError).toBe(false);
    }
    expect(() => throwing instanceof CognitoTokenError).toThrow('trap');
  });
});
