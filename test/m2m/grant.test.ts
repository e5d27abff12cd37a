import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src/core/failure.js';
import { CognitoTokenError } from '../../src/errors.js';
import { cachedClientToken, checkGrantAlive, clientTokenSharing } from '../../src/m2m/grant.js';
import { fakeJwt } from '../helpers/fake-jwt.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);
// exp not after iat: dead on arrival whatever the clock says, so no test here depends on it.
const backwards = () => fakeJwt({ iat: nowSeconds(), exp: nowSeconds() - 60, scope: 'orders/read' });
const alive = () => fakeJwt({ iat: nowSeconds(), exp: nowSeconds() + 3600, scope: 'orders/read' });
const grantOf = (accessToken: string | undefined, expiresIn: number | undefined = 3600) => ({
  accessToken,
  expiresIn,
  tokenType: 'Bearer',
  scope: undefined,
});

describe('checkGrantAlive', () => {
  it('hands back a live grant as it is', () => {
    const grant = grantOf(alive());

    expect(checkGrantAlive(grant, 'The token endpoint')).toBe(grant);
  });

  it('refuses a grant dead on arrival as an unusable answer, retried like a 5xx, without quoting the token', () => {
    const token = backwards();
    const error = (() => {
      try {
        checkGrantAlive(grantOf(token), 'The token endpoint');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(classifyFailure(error)).toBe('transient');
    expect(error).toMatchObject({
      name: 'UnusableAnswer',
      message: 'The token endpoint returned an access token that had already expired on arrival',
    });
    expect(JSON.stringify(error)).not.toContain(token);
  });
});

describe('cachedClientToken', () => {
  it('is ERR_UNAVAILABLE for a token dead on arrival, naming who answered', () => {
    const failure = (() => {
      try {
        cachedClientToken(grantOf(backwards()), ['orders/read'], 60, "Cognito's GetClientToken");
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(failure).toBeInstanceOf(CognitoTokenError);
    expect(failure).toMatchObject({
      code: 'ERR_UNAVAILABLE',
      message: "Cognito's GetClientToken returned an access token that had already expired on arrival",
    });
  });
});

describe('clientTokenSharing decode', () => {
  const sharing = clientTokenSharing('eu-west-1_AbC123', ['orders/read'], 60);
  const expiresAt = Date.now() + 3_600_000;
  const good = { accessToken: 'token', scopes: ['orders/read'], tokenType: 'Bearer' };

  it('rebuilds a well-formed entry', () => {
    const decoded = sharing.decode(good, expiresAt, 'client-secret');

    expect(decoded?.accessToken).toBe('token');
    expect(decoded?.tokens.scopes).toEqual(['orders/read']);
    expect(decoded?.tokens.tokenType).toBe('Bearer');
  });

  it.each([
    ['a token that is not text', { ...good, accessToken: 42 }],
    ['a token type that is not text', { ...good, tokenType: null }],
    ['scopes that are not a list', { ...good, scopes: 'orders/read' }],
    ['scopes with a non-text member', { ...good, scopes: ['orders/read', { toString: (): string => 'x' }] }],
  ])('ignores an entry with %s, as a cache miss rather than a failure', (_, entry) => {
    expect(sharing.decode(entry as never, expiresAt, 'client-secret')).toBeUndefined();
  });
});
