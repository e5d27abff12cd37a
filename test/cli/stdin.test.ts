import { describe, expect, it } from 'vitest';
import { readUpTo, STDIN_LIMIT_BYTES, splitStdinSecrets } from '../../src/cli/stdin.js';
import { CliUsageError } from '../../src/cli/usage-error.js';

describe('splitStdinSecrets', () => {
  it.each([
    ['Pa55word', ['Pa55word']],
    ['Pa55word\n', ['Pa55word']],
    ['Pa55word\r\n', ['Pa55word']],
    ['pass word with spaces \n', ['pass word with spaces ']],
  ])('reads one value from %j', (text, expected) => {
    expect(splitStdinSecrets(text, ['password'])).toEqual(expected);
  });

  it('reads the password, then the client secret, from two lines', () => {
    expect(splitStdinSecrets('Pa55word\nsecret\n', ['password', 'client secret'])).toEqual(['Pa55word', 'secret']);
    expect(splitStdinSecrets('Pa55word\r\nsecret', ['password', 'client secret'])).toEqual(['Pa55word', 'secret']);
  });

  it.each([
    ['', ['password'], 'the password read from stdin is empty'],
    ['', ['password', 'client secret'], 'expected 2 line(s) on stdin (the password, then the client secret) but got 0'],
    ['a\nb\n', ['password'], 'expected 1 line(s) on stdin (the password) but got 2'],
    [
      'a\n',
      ['password', 'client secret'],
      'expected 2 line(s) on stdin (the password, then the client secret) but got 1',
    ],
    ['\nsecret\n', ['password', 'client secret'], 'the password read from stdin is empty'],
    ['\n', ['client secret'], 'the client secret read from stdin is empty'],
  ])('refuses %j for %o without quoting it', (text, names, message) => {
    const split = () => splitStdinSecrets(text, names);

    expect(split).toThrow(CliUsageError);
    expect(split).toThrow(message);
  });
});

describe('readUpTo', () => {
  it('reads a stream to its end', async () => {
    expect(await readUpTo(['Pa55', Buffer.from('word\n')])).toBe('Pa55word\n');
  });

  it('stops reading just past the limit, and the split refuses what it read without quoting it', async () => {
    let chunksRead = 0;
    async function* endless() {
      for (;;) {
        chunksRead++;
        yield Buffer.alloc(1024, 'x\n');
      }
    }

    const text = await readUpTo(endless(), 4 * 1024);

    expect(chunksRead).toBe(5);
    expect(text).toHaveLength(5 * 1024);
  });

  it('refuses more than STDIN_LIMIT_BYTES as too many lines, naming the limit', () => {
    const split = () => splitStdinSecrets('x\n'.repeat(STDIN_LIMIT_BYTES), ['password']);

    expect(split).toThrow(CliUsageError);
    expect(split).toThrow('expected 1 line(s) on stdin (the password) but got more than 64 KiB');
  });
});
