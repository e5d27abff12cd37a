import { describe, expect, it } from 'vitest';
import { formatError, formatTokens } from '../../src/cli/output.js';
import { CognitoTokens } from '../../src/user/session.js';

const tokens = new CognitoTokens('id.jwt.token', 'access.jwt.token', new Date('2026-11-26T10:00:00Z'), 'f3a1-uuid');

describe('formatTokens', () => {
  it('prints the ID token alone with a newline', () => {
    expect(formatTokens(tokens, { token: 'id', json: false })).toBe('id.jwt.token\n');
  });

  it('prints the access token alone with a newline', () => {
    expect(formatTokens(tokens, { token: 'access', json: false })).toBe('access.jwt.token\n');
  });

  it('prints one JSON line with both tokens, the expiry in ISO 8601 and the username, whatever --token says', () => {
    const printed = formatTokens(tokens, { token: 'access', json: true });

    expect(printed).toBe(
      '{"idToken":"id.jwt.token","accessToken":"access.jwt.token","expiresAt":"2026-11-26T10:00:00.000Z",' +
        '"username":"f3a1-uuid"}\n',
    );
  });
});

describe('formatError', () => {
  it('prints "cognito-token: CODE: message" on one line', () => {
    expect(formatError('ERR_USAGE', '--client-id is required', [])).toBe(
      'cognito-token: ERR_USAGE: --client-id is required\n',
    );
  });

  it('cuts out every secret it is given', () => {
    const printed = formatError('ERR_INTERNAL', 'failed with Pa55word-x and secret-y', ['Pa55word-x', 'secret-y']);

    expect(printed).toBe('cognito-token: ERR_INTERNAL: failed with [redacted] and [redacted]\n');
  });

  it('folds line breaks, so a script reading stderr line by line sees one error', () => {
    expect(formatError('ERR_UNAVAILABLE', 'first line\n  second line\r\nthird', [])).toBe(
      'cognito-token: ERR_UNAVAILABLE: first line second line third\n',
    );
  });
});
