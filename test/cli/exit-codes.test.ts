import { describe, expect, it } from 'vitest';
import { classifyCliError, EXIT_CODES } from '../../src/cli/exit-codes.js';
import { CliUsageError } from '../../src/cli/usage-error.js';
import { ChallengeRequiredError, CognitoTokenError, type CognitoTokenErrorCode } from '../../src/errors.js';

describe('exit codes', () => {
  it.each<[CognitoTokenErrorCode, number]>([
    ['ERR_CONFIGURATION', 2],
    ['ERR_AUTHENTICATION', 3],
    ['ERR_CHALLENGE_REQUIRED', 4],
    ['ERR_CREDENTIALS', 5],
    ['ERR_UNAVAILABLE', 6],
    ['ERR_THROTTLED', 7],
  ])('maps %s to %i', (code, exitCode) => {
    expect(classifyCliError(new CognitoTokenError(code, 'message'))).toEqual({ code, exitCode });
  });

  it('maps a challenge to 4 through its subclass', () => {
    expect(classifyCliError(new ChallengeRequiredError('SMS_MFA', 'message'))).toEqual({
      code: 'ERR_CHALLENGE_REQUIRED',
      exitCode: 4,
    });
  });

  it('maps a usage error to 2', () => {
    expect(classifyCliError(new CliUsageError('bad'))).toEqual({ code: 'ERR_USAGE', exitCode: 2 });
  });

  it.each([[new Error('boom')], [new TypeError('bad')], ['a string'], [undefined]])(
    'maps anything else (%o) to ERR_INTERNAL and 1',
    (error) => {
      expect(classifyCliError(error)).toEqual({ code: 'ERR_INTERNAL', exitCode: 1 });
    },
  );

  it('keeps usage and every failure class apart: only usage and configuration share a status', () => {
    const { ERR_CONFIGURATION, ...distinct } = EXIT_CODES;

    expect(ERR_CONFIGURATION).toBe(EXIT_CODES.ERR_USAGE);
    expect(new Set(Object.values(distinct)).size).toBe(Object.keys(distinct).length);
    expect(Object.values(EXIT_CODES)).not.toContain(0);
  });
});
