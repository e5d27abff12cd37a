import { describe, expect, it } from 'vitest';
import { inCliTerms } from '../../src/cli/option-flags.js';

describe('inCliTerms', () => {
  it.each([
    ['"clientId" must be a non-empty string', '--client-id must be a non-empty string'],
    ['"region" must be a Region such as "eu-west-1"', '--region must be a Region such as "eu-west-1"'],
    ["set flow: 'user-srp' (with userPoolId) to renew", 'set --flow user-srp (with --user-pool-id) to renew'],
    [
      "does not allow flow 'user-srp': set flow: 'user-auth' or 'user-password'",
      'does not allow --flow user-srp: set --flow user-auth or user-password',
    ],
    [
      'check "credentials.totpSecret" and the clock',
      'check --totp-secret-stdin (or COGNITO_TOTP_SECRET) and the clock',
    ],
    ['"credentials.username" must be a non-empty string', '--username must be a non-empty string'],
  ])('%s', (library, cli) => {
    expect(inCliTerms(library)).toBe(cli);
  });

  it('leaves names without a flag, English words and other quotes alone', () => {
    const message =
      'Raise timeoutMs above 31000; the region of "clientSecret" in the JSON; flow not enabled; the --user-pool-id';

    expect(inCliTerms(message)).toBe(message);
  });
});
