import { inspect } from 'node:util';
import {
  InternalErrorException,
  InvalidParameterException,
  NotAuthorizedException,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { classifyFailure, errorName, httpStatusOf } from '../../src/core/failure.js';
import { describeCause, redact, SanitizedError, sanitize } from '../../src/core/redaction.js';

const withStatus = (name: string, status: number) =>
  Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status } });

describe('classifyFailure', () => {
  it.each([
    ['TooManyRequestsException', new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} })],
    ['ThrottlingException (SSM)', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })],
    ['any HTTP 429', withStatus('SomethingNew', 429)],
  ])('calls %s throttled', (_, error) => {
    expect(classifyFailure(error)).toBe('throttled');
  });

  it.each([
    ['InternalErrorException', new InternalErrorException({ message: 'boom', $metadata: {} })],
    ['any HTTP 5xx', withStatus('BadGateway', 502)],
    ['a server fault without status', Object.assign(new Error('x'), { name: 'Odd', $fault: 'server' })],
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    [
      'fetch failing on the network',
      new TypeError('fetch failed', { cause: Object.assign(new Error(), { code: 'UND_ERR_SOCKET' }) }),
    ],
    ['a nested network code', new Error('outer', { cause: new Error('inner', { cause: { code: 'ETIMEDOUT' } }) })],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('calls %s transient', (_, error) => {
    expect(classifyFailure(error)).toBe('transient');
  });

  it.each([
    [
      'NotAuthorizedException',
      new NotAuthorizedException({ message: 'Incorrect username or password.', $metadata: { httpStatusCode: 400 } }),
    ],
    ['InvalidParameterException', new InvalidParameterException({ message: 'flow not enabled', $metadata: {} })],
    ['a plain Error', new Error('Region is missing')],
    ['a string', 'nope'],
    ['null', null],
    ['an error whose cause chain has no network code', new Error('a', { cause: new Error('b') })],
    [
      'a network code buried deeper than four causes',
      new Error('1', {
        cause: new Error('2', { cause: new Error('3', { cause: new Error('4', { cause: { code: 'ECONNRESET' } }) }) }),
      }),
    ],
  ])('calls %s rejected', (_, error) => {
    expect(classifyFailure(error)).toBe('rejected');
  });
});

describe('error details', () => {
  it('reads names and statuses defensively', () => {
    expect(errorName(new NotAuthorizedException({ message: 'm', $metadata: {} }))).toBe('NotAuthorizedException');
    expect(errorName({ name: '' })).toBe('Error');
    expect(errorName(undefined)).toBe('Error');
    expect(httpStatusOf(withStatus('X', 418))).toBe(418);
    expect(httpStatusOf({ $metadata: { httpStatusCode: '418' } })).toBeUndefined();
    expect(httpStatusOf('418')).toBeUndefined();
  });

  it('describes a cause by name and message, once when they are the same', () => {
    expect(
      describeCause(new NotAuthorizedException({ message: 'Incorrect username or password.', $metadata: {} }), []),
    ).toBe('NotAuthorizedException: Incorrect username or password.');
    expect(describeCause(Object.assign(new Error('Boom'), { name: 'Boom' }), [])).toBe('Boom');
    expect(describeCause('not an error', [])).toBe('Error');
  });

  it('survives what a hostile or odd thrown value does: throwing getters, frozen errors, non-text messages', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new RangeError('getter boom');
        },
      },
    );
    const frozen = Object.freeze(new Error('Value s3cret-value rejected'));
    const numeric = Object.assign(new Error('x'), { message: 42 as unknown as string });

    expect(errorName(hostile)).toBe('Error');
    expect(httpStatusOf(hostile)).toBeUndefined();
    expect(classifyFailure(hostile)).toBe('rejected');
    expect(describeCause(hostile, [])).toBe('Error');
    expect(describeCause(frozen, ['s3cret-value'])).toBe('Error: Value [redacted] rejected');
    expect(describeCause(numeric, [])).toBe('Error');
  });

  it('sanitises plain objects shaped like errors, and things that are no error at all', () => {
    const plain = { name: 'InvalidParameterException', message: 'Value s3cret-value rejected' };

    expect(sanitize(plain, ['s3cret-value'])).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Value [redacted] rejected',
    });
    expect(sanitize({ name: 'Whatever' }, [])).toMatchObject({ name: 'Whatever', message: '' });
    expect(sanitize('a s3cret-value string', ['s3cret-value'])).toBeInstanceOf(SanitizedError);
    expect(inspect(sanitize('a s3cret-value string', []))).not.toContain('s3cret-value');
  });

  it("keeps nothing of the SDK's raw response, which reaches the signed request's headers", () => {
    const error = new Error('Bad request');
    const response = { statusCode: 400, headers: { 'x-amzn-requestid': 'r-1' }, body: { req: { _header: 'tok3n' } } };
    Object.defineProperty(error, '$response', { value: response, enumerable: false });

    const sanitized = sanitize(error, []);

    expect(sanitized).not.toHaveProperty('$response');
    expect(inspect(sanitized, { showHidden: true, depth: Number.POSITIVE_INFINITY })).not.toContain('tok3n');
  });

  it('redacts every occurrence of each secret, but leaves values too short to matter', () => {
    expect(redact('a s3cret b s3cret', ['s3cret', undefined, 'ab'])).toBe('a [redacted] b [redacted]');
  });
});
