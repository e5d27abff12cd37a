// Unit tests for the hostile-answers issue: what callers pass in and what the library hands out. The HTTP-level
// half (real SDK clients against loopback servers) is test/integration/hostile-answers.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { findLeaks } from '../../harness/leak-scan.js';
import { withDeadline } from '../../src/core/deadline.js';
import { classifyFailure, describeFailure } from '../../src/core/failure.js';
import { expiredOnArrival, expiryOf, MAX_TOKEN_LIFETIME_MS } from '../../src/core/jwt-claims.js';
import { redact, SanitizedError, sanitize } from '../../src/core/redaction.js';
import { callCredentialsSource } from '../../src/credentials/credentials.js';
import {
  type CredentialsSource,
  computeSecretHash,
  createClientTokenProvider,
  decodeJwtClaims,
} from '../../src/index.js';
import { ClientTokens } from '../../src/m2m/tokens.js';
import { sessionFromResult } from '../../src/user/session.js';
import { failureOf, failureOfCall } from '../helpers/failure-of.js';
import { cognitoTokens, fakeJwt } from '../helpers/fake-jwt.js';

describe('2. redact: every printed form of a secret', () => {
  const secret = 'Quote"And\\Backslash P4ss&=/+%';

  it.each([
    ['raw', secret],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['JSON-escaped twice', JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1)],
    ['URL-encoded', encodeURIComponent(secret)],
    ['form-encoded', new URLSearchParams({ v: secret }).toString().slice(2)],
  ])('cuts out the %s form', (_, form) => {
    expect(redact(`before ${form} after`, [secret])).toBe('before [redacted] after');
  });

  it('cuts a longer secret whole even when a shorter one is inside it', () => {
    expect(redact('token abcdef-SECRET-ghijkl', ['SECRET', 'abcdef-SECRET-ghijkl'])).toBe('token [redacted]');
  });
});

describe('1. sanitize: a new error keeping only what classifies and explains the failure', () => {
  it('keeps name, $metadata, $fault and a network code; drops every body field and $response', () => {
    const sdkError = Object.assign(new Error('Echo Pa55word-secret'), {
      name: 'InternalErrorException',
      $fault: 'server',
      $metadata: { httpStatusCode: 500, requestId: 'r-1', attempts: 1 },
      __type: 'InternalErrorException',
      detail: '{"PASSWORD":"Pa55word-secret"}',
      $response: { body: 'Pa55word-secret' },
    });

    const cause = sanitize(sdkError, ['Pa55word-secret']) as SanitizedError;

    expect(cause).toBeInstanceOf(SanitizedError);
    expect(cause).toMatchObject({ name: 'InternalErrorException', $fault: 'server', message: 'Echo [redacted]' });
    expect(cause.$metadata).toEqual({ httpStatusCode: 500, requestId: 'r-1', attempts: 1 });
    expect(Object.keys(cause).sort()).toEqual(['$fault', '$metadata', 'name']);
    expect(findLeaks([cause], { password: 'Pa55word-secret' })).toEqual([]);
    expect(classifyFailure(cause)).toBe(classifyFailure(sdkError));
  });

  it('keeps a network code and sanitises the nested cause', () => {
    const fetchError = new TypeError('fetch failed', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', socket: { token: 'x' } }),
    });

    const cause = sanitize(fetchError, []) as SanitizedError;

    expect(cause.cause).toMatchObject({ code: 'UND_ERR_SOCKET', message: 'other side closed' });
    expect(Object.keys(cause.cause as object)).not.toContain('socket');
    expect(classifyFailure(cause)).toBe('transient');
    expect(describeFailure(cause)).toBe('UND_ERR_SOCKET');
  });
});

describe('3. a custom credentials source that fails', () => {
  it('is named, not quoted, and kept as the cause', async () => {
    const vaultError = new Error('vault down: token S3cr3t-vault-token-value');
    const source: CredentialsSource = async () => {
      throw vaultError;
    };

    const error = await failureOf(withDeadline(1_000, (deadline) => callCredentialsSource(source, deadline, false)));

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toBe('The credentials source failed (Error)');
    expect(error.cause).toBe(vaultError);
  });
});

describe('12. a credentials source gets the deadline signal', () => {
  it('aborted when the operation runs out of time', async () => {
    vi.useFakeTimers();
    try {
      let seen: AbortSignal | undefined;
      const source: CredentialsSource = (options) => {
        seen = options?.signal;
        return new Promise(() => undefined);
      };
      const failure = failureOf(withDeadline(300, (deadline) => callCredentialsSource(source, deadline, true)));
      await vi.advanceTimersByTimeAsync(300);

      const error = await failure;

      expect(seen?.aborted).toBe(true);
      expect(error.message).toBe('The credentials source did not answer in time (timed out after 300 ms)');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('6. raw JavaScript errors do not escape', () => {
  it.each([
    ['undefined', undefined],
    ['a number', 42],
    ['garbage', 'garbage'],
    ['a JWT whose payload is not JSON', 'a.b.c'],
  ])('decodeJwtClaims(%s) is ERR_CONFIGURATION naming the argument, not blaming Cognito', (_, value) => {
    const { message } = failureOfCall(() => decodeJwtClaims(value as string), 'ERR_CONFIGURATION');

    expect(message).toContain('"jwt"');
    expect(message).not.toContain('Cognito');
  });

  it('a token from Cognito that is not a JWT is ERR_UNAVAILABLE saying Cognito returned it', () => {
    const result = { ...cognitoTokens({ username: 'u', nowSeconds: Math.floor(Date.now() / 1000) }), IdToken: 'x' };

    const error = failureOfCall(() => sessionFromResult(result, 'u', undefined, 300), 'ERR_UNAVAILABLE');

    expect(error.message).toBe('Cognito returned a token that is not a readable JWT');
  });

  it('an IdToken that is a number is ERR_UNAVAILABLE', () => {
    const result = { ...cognitoTokens({ username: 'u', nowSeconds: 0 }), IdToken: 12345 as unknown as string };

    failureOfCall(() => sessionFromResult(result, 'u', undefined, 300), 'ERR_UNAVAILABLE');
  });

  it.each([
    ['username', () => computeSecretHash(undefined as unknown as string, 'c', 'secret')],
    ['clientId', () => computeSecretHash('u', 42 as unknown as string, 'secret')],
    ['clientSecret', () => computeSecretHash('u', 'c', undefined as unknown as string)],
  ])('computeSecretHash without a string %s is ERR_CONFIGURATION naming it', (name, act) => {
    const error = failureOfCall(act, 'ERR_CONFIGURATION');

    expect(error.message).toContain(`"${name}"`);
  });

  it('domain auth.example.com:99999 is ERR_CONFIGURATION naming "domain"', () => {
    const error = failureOfCall(
      () => createClientTokenProvider({ clientId: 'c', clientSecret: 's', domain: 'auth.example.com:99999' }),
      'ERR_CONFIGURATION',
    );

    expect(error.message).toMatch(/^"domain" /);
  });

  it('domain xn--a.example.com is ERR_CONFIGURATION where Node refuses the label, never a raw TypeError', () => {
    // Node 20 and 22 refuse this punycode label; Node 24's URL parser (a newer UTS #46) takes it, and then so do
    // we: the host fails at the request like any wrong domain. What must never happen is URL's own TypeError.
    let refusedByNode = false;
    try {
      new URL('https://xn--a.example.com/');
    } catch {
      refusedByNode = true;
    }
    const make = () => createClientTokenProvider({ clientId: 'c', clientSecret: 's', domain: 'xn--a.example.com' });

    if (refusedByNode) {
      expect(failureOfCall(make, 'ERR_CONFIGURATION').message).toMatch(/^"domain" /);
    } else {
      expect(make).not.toThrow();
    }
  });
});

describe('9 and 10. lifetimes', () => {
  const now = Date.UTC(2026, 10, 26, 9);

  it('clamps a huge ExpiresIn to 24 hours', () => {
    expect(expiryOf(now, 1e300, [])).toBe(now + MAX_TOKEN_LIFETIME_MS);
    expect(expiryOf(now, Number.POSITIVE_INFINITY, [])).toBe(now + MAX_TOKEN_LIFETIME_MS);
    expect(expiryOf(now, 3600, [])).toBe(now + 3_600_000);
  });

  it('a session from tokens without exp and a huge ExpiresIn has a valid expiresAt', () => {
    const token = fakeJwt({ 'cognito:username': 'u' });

    const session = sessionFromResult({ IdToken: token, AccessToken: token, ExpiresIn: 1e300 }, 'u', undefined, 300);

    expect(Number.isNaN(session.tokens.expiresAt.getTime())).toBe(false);
  });

  it('calls tokens whose exp is not after iat expired on arrival', () => {
    const iat = now / 1000;
    expect(expiredOnArrival(now, undefined, [{ iat, exp: iat - 1 }])).toBe(true);
    expect(expiredOnArrival(now, 3600, [{ iat, exp: iat }])).toBe(true);
    expect(expiredOnArrival(now, undefined, [{ iat, exp: iat + 300 }])).toBe(false);
  });

  it('a session from tokens expired on arrival is ERR_UNAVAILABLE, never cached', () => {
    const iat = Math.floor(Date.now() / 1000);
    const token = fakeJwt({ 'cognito:username': 'u', iat, exp: iat - 60 });

    failureOfCall(
      () => sessionFromResult({ IdToken: token, AccessToken: token }, 'u', undefined, 300),
      'ERR_UNAVAILABLE',
    );
  });
});

describe('13. what getTokens() hands out is frozen', () => {
  it('CognitoTokens: no caller can change the username or expiry others see', () => {
    const token = fakeJwt({ 'cognito:username': 'svc-orders', iat: 1, exp: 3601 });
    const { tokens } = sessionFromResult({ IdToken: token, AccessToken: token }, 'u', undefined, 300);

    expect(() => {
      (tokens as { username: string }).username = 'someone-else';
    }).toThrow(TypeError);
    expect(() => {
      (tokens as { expiresAt: Date }).expiresAt = new Date(0);
    }).toThrow(TypeError);
    expect(tokens.username).toBe('svc-orders');
    expect(Object.isFrozen(tokens)).toBe(true);
  });

  it('ClientTokens: neither its fields nor its scopes array', () => {
    const tokens = new ClientTokens('t', new Date(0), ['orders/read'], 'Bearer');

    expect(() => {
      (tokens as unknown as { scopes: string[] }).scopes = [];
    }).toThrow(TypeError);
    expect(() => (tokens.scopes as string[]).push('admin')).toThrow(TypeError);
    expect(tokens.scopes).toEqual(['orders/read']);
  });
});
