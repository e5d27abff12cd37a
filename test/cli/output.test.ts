import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants as osConstants } from 'node:os';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLOSED_PIPE_STATUS, formatError, formatTokens, isClosedPipe } from '../../src/cli/output.js';
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

describe('isClosedPipe', () => {
  it('recognises the EPIPE of a real write to a pipe whose reader has gone', async () => {
    // The child closes its end of the pipe and says so; the next write to it fails the way `| head -c0` does.
    const child = spawn(
      process.execPath,
      ['-e', "require('node:fs').closeSync(0); process.stdout.write('closed'); setInterval(() => {}, 60000)"],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    onTestFinished(() => {
      child.kill();
    });
    await once(child.stdout, 'data');
    const failed = once(child.stdin, 'error');
    child.stdin.write('id.jwt.token\n');
    const [error] = await failed;

    expect(isClosedPipe(error)).toBe(true);
    expect(CLOSED_PIPE_STATUS).toBe(128 + osConstants.signals.SIGPIPE);
  });

  it('says no for other write failures, so they end with status 1 instead', () => {
    expect(isClosedPipe(Object.assign(new Error('write EIO'), { code: 'EIO' }))).toBe(false);
    expect(isClosedPipe(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isClosedPipe(new Error('EPIPE'))).toBe(false);
  });

  it('says no, without throwing, for hostile values a stream could emit instead of an Error', () => {
    expect(isClosedPipe(null)).toBe(false);
    expect(isClosedPipe(undefined)).toBe(false);
    expect(isClosedPipe('EPIPE')).toBe(false);
    expect(isClosedPipe({ code: 32 })).toBe(false);
    expect(isClosedPipe({ code: { toString: () => 'EPIPE' } })).toBe(false);
    expect(isClosedPipe(Object.create(null))).toBe(false);
  });
});
