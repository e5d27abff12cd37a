import { inspect } from 'node:util';
import {
  InternalErrorException,
  InvalidParameterException,
  NotAuthorizedException,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  codeForExhaustedRetries,
  describeFailure,
  errorName,
  httpStatusOf,
  networkCodeOf,
  unusableAnswer,
} from '../../src/core/failure.js';
import { describeCause, redact, SanitizedError, sanitize, sanitizeExhausted } from '../../src/core/redaction.js';
import { CognitoTokenError } from '../../src/errors.js';

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
    ['fetch failing with no network code at all', new TypeError('fetch failed', { cause: new Error('bad header') })],
    ['fetch failing under a wrapper', new Error('request failed', { cause: new TypeError('fetch failed') })],
    ['an unusable answer', unusableAnswer('the tokens were dead on arrival')],
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
    [
      "a 'fetch failed' buried deeper than four causes",
      new Error('1', {
        cause: new Error('2', {
          cause: new Error('3', { cause: new Error('4', { cause: new TypeError('fetch failed') }) }),
        }),
      }),
    ],
    ['a message that only mentions fetch failing', new Error('fetch failed: retry later')],
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

describe('describeFailure', () => {
  const network = (name: string, code: string, extra: object = {}) =>
    Object.assign(new Error('socket trouble'), { name, code, ...extra });

  it.each([
    [
      'a bare network code, by the code and host',
      network('Error', 'ECONNREFUSED'),
      '127.0.0.1:9229',
      'ECONNREFUSED from 127.0.0.1:9229',
    ],
    [
      'a named error with a network code, by both',
      network('TimeoutError', 'ETIMEDOUT'),
      undefined,
      'TimeoutError (ETIMEDOUT)',
    ],
    [
      'a connection dropped after the status line, with the status',
      network('TypeError', 'UND_ERR_SOCKET', { $metadata: { httpStatusCode: 200 } }),
      'cognito-idp.eu-west-1.amazonaws.com',
      'UND_ERR_SOCKET after HTTP 200 from cognito-idp.eu-west-1.amazonaws.com',
    ],
    [
      'an UnknownError answer, by its status',
      withStatus('UnknownError', 404),
      'example.com',
      'HTTP 404 from example.com',
    ],
    ['a generic error with a status, by its status and no host', withStatus('Error', 502), undefined, 'HTTP 502'],
    [
      'an AWS error, by its name alone',
      withStatus('NotAuthorizedException', 400),
      'example.com',
      'NotAuthorizedException',
    ],
    ['a nameless thing, as Error', { message: 'x' }, undefined, 'Error'],
    ['a host that is not text, without it', withStatus('UnknownError', 404), 42, 'HTTP 404'],
  ])('names %s', (_, error, host, expected) => {
    expect(describeFailure(error, host)).toBe(expected);
  });

  it("reads the host off the error when none is given, as sanitize's errors carry it", () => {
    const error = Object.assign(withStatus('UnknownError', 404), { host: 'cognito-idp.eu-west-1.amazonaws.com' });

    expect(describeFailure(error)).toBe('HTTP 404 from cognito-idp.eu-west-1.amazonaws.com');
  });

  it('says what was wrong with an unusable answer, and never names a host or status for it', () => {
    const error = Object.assign(unusableAnswer('the tokens were dead on arrival'), {
      $metadata: { httpStatusCode: 200 },
    });

    expect(describeFailure(error, 'example.com')).toBe('UnusableAnswer: the tokens were dead on arrival');
  });
});

describe('networkCodeOf', () => {
  it('finds the code a few causes deep, and ignores codes that are not network ones', () => {
    expect(networkCodeOf(new Error('a', { cause: new Error('b', { cause: { code: 'EAI_AGAIN' } }) }))).toBe(
      'EAI_AGAIN',
    );
    expect(networkCodeOf({ code: 'ERR_INVALID_ARG_TYPE' })).toBeUndefined();
    expect(networkCodeOf({ code: 104 })).toBeUndefined();
    expect(networkCodeOf(undefined)).toBeUndefined();
  });
});

describe('codeForExhaustedRetries', () => {
  it('is ERR_THROTTLED for throttling, ERR_UNAVAILABLE for the rest', () => {
    expect(codeForExhaustedRetries('throttled')).toBe('ERR_THROTTLED');
    expect(codeForExhaustedRetries('transient')).toBe('ERR_UNAVAILABLE');
  });
});

describe('sanitizeExhausted', () => {
  const SECRET = 'Pa55word-echoed-back';

  it('hands back the very error when there is nothing to cut out, with or without a cause', () => {
    const bare = new CognitoTokenError('ERR_UNAVAILABLE', 'Cognito did not answer');
    const withOurCause = new CognitoTokenError('ERR_UNAVAILABLE', 'gave up', {
      cause: new CognitoTokenError('ERR_THROTTLED', 'slow down'),
    });

    expect(sanitizeExhausted(bare, [SECRET])).toBe(bare);
    expect(sanitizeExhausted(withOurCause, [SECRET])).toBe(withOurCause);
  });

  it('rebuilds an error whose message echoes a secret, keeping its code and no cause when it had none', () => {
    const echoed = new CognitoTokenError('ERR_THROTTLED', `throttled on ${SECRET}`);

    const rebuilt = sanitizeExhausted(echoed, [SECRET]);

    expect(rebuilt).not.toBe(echoed);
    expect(rebuilt).toMatchObject({ code: 'ERR_THROTTLED', message: 'throttled on [redacted]' });
    expect('cause' in rebuilt).toBe(false);
  });

  it('rebuilds around a sanitised cause, which names the status and host of an answer with no AWS error', () => {
    const raw = Object.assign(new Error(`UnknownError ${SECRET}`), {
      name: 'UnknownError',
      $metadata: { httpStatusCode: 404 },
      $response: { body: SECRET },
    });
    const exhausted = new CognitoTokenError('ERR_UNAVAILABLE', 'Cognito did not answer', { cause: raw });

    const rebuilt = sanitizeExhausted(exhausted, [SECRET], 'cognito-idp.eu-west-1.amazonaws.com');

    expect(rebuilt.cause).toBeInstanceOf(SanitizedError);
    expect((rebuilt.cause as Error).message).toBe(
      'HTTP 404 from cognito-idp.eu-west-1.amazonaws.com, with no AWS error in the answer',
    );
    expect(inspect(rebuilt, { depth: 10 })).not.toContain(SECRET);
  });

  it("says 'the endpoint' for an empty answer when the host is not known", () => {
    const raw = Object.assign(new Error(''), { name: 'Error', $metadata: { httpStatusCode: 503 } });

    expect((sanitize(raw, []) as Error).message).toBe('HTTP 503 from the endpoint, with no AWS error in the answer');
  });
});
