import { describe, expect, it } from 'vitest';
import { RETRY_POLICY_OPTION } from '../src/core/deadline.js';
import { closestName } from '../src/core/known-options.js';
import { dynamoDbTokenStore } from '../src/dynamodb/index.js';
import {
  createAuthorizedFetch,
  createClientTokenProvider,
  createTokenProvider,
  type TokenProvider,
} from '../src/index.js';
import { redisTokenStore } from '../src/redis/index.js';
import { fromSsm } from '../src/ssm/index.js';
import { failureOfCall } from './helpers/failure-of.js';

const SECRET = 'Sup3r-Secret-Value-42';
const user = { clientId: '4rtbp1kcm0example', credentials: { username: 'svc', password: 'pw-value-1' } };
const m2m = { clientId: '1example23456789', clientSecret: 'client-secret-1', domain: 'auth.example.com' };
const provider: TokenProvider = createTokenProvider(user);
const redisClient = { get: async () => null, set: async () => 'OK' as const, eval: async () => 0 };

/** Each factory, called with its valid options plus `extra`. */
const factories: Record<string, (extra: Record<string, unknown>) => unknown> = {
  createTokenProvider: (extra) => createTokenProvider({ ...user, ...extra } as never),
  createClientTokenProvider: (extra) => createClientTokenProvider({ ...m2m, ...extra } as never),
  fromSsm: (extra) => fromSsm({ parameter: '/svc/orders/cognito', ...extra } as never),
  createAuthorizedFetch: (extra) => createAuthorizedFetch(provider, { token: 'id', ...extra } as never),
  dynamoDbTokenStore: (extra) => dynamoDbTokenStore({ tableName: 'cognito-tokens', ...extra } as never),
  redisTokenStore: (extra) => redisTokenStore({ client: redisClient, ...extra } as never),
};

const messageOf = (create: () => unknown) => failureOfCall(create, 'ERR_CONFIGURATION').message;

describe('unknown options', () => {
  it.each([
    ['createTokenProvider', 'refreshAhead', 'refreshAheadSeconds'],
    ['createTokenProvider', 'timeout', 'timeoutMs'],
    ['createTokenProvider', 'clientID', 'clientId'],
    ['createTokenProvider', 'userpoolId', 'userPoolId'],
    ['createClientTokenProvider', 'scope', 'scopes'],
    ['createClientTokenProvider', 'tokenEndPoint', 'tokenEndpoint'],
    ['fromSsm', 'maxAge', 'maxAgeSeconds'],
    ['fromSsm', 'paramter', 'parameter'],
    ['createAuthorizedFetch', 'schema', 'scheme'],
    ['dynamoDbTokenStore', 'table', 'tableName'],
    ['redisTokenStore', 'encryptionkey', 'encryptionKey'],
  ])('%s names a misspelt "%s" and suggests "%s"', (factory, typo, meant) => {
    // Act
    const message = messageOf(() => factories[factory]({ [typo]: 1 }));

    // Assert
    expect(message).toBe(`"${typo}" is not an option of ${factory}; did you mean "${meant}"?`);
  });

  it.each(Object.keys(factories))('%s names a far-off key and suggests nothing', (factory) => {
    const message = messageOf(() => factories[factory]({ zebraStripes: 1 }));

    expect(message).toBe(`"zebraStripes" is not an option of ${factory}`);
  });

  it.each(Object.keys(factories))('%s never quotes the value of an unknown key', (factory) => {
    const message = messageOf(() => factories[factory]({ passwd: SECRET, secretKey: SECRET }));

    expect(message).toMatch(new RegExp(`^"passwd" is not an option of ${factory}`));
    expect(message).not.toContain(SECRET);
  });

  it('points at credentials for a password given beside clientId', () => {
    const message = messageOf(() => factories.createTokenProvider({ password: SECRET }));

    expect(message).toBe('"password" is not an option of createTokenProvider; did you mean "credentials.password"?');
  });

  it('checks the fields of static credentials, without quoting their values', () => {
    const message = messageOf(() =>
      createTokenProvider({
        ...user,
        credentials: { username: 'svc', password: 'pw-value-1', clientSecrt: SECRET },
      } as never),
    );

    expect(message).toBe(
      '"credentials.clientSecrt" is not an option of createTokenProvider; did you mean "credentials.clientSecret"?',
    );
    expect(message).not.toContain(SECRET);
  });

  it('reports an unknown key before the problems it may explain', () => {
    const message = messageOf(() =>
      createTokenProvider({ clientID: '4rtbp1kcm0example', credentials: user.credentials } as never),
    );

    expect(message).toContain('did you mean "clientId"?');
  });

  it('cuts a very long key short', () => {
    const message = messageOf(() => factories.redisTokenStore({ ['k'.repeat(200)]: 1 }));

    expect(message).toBe(`"${'k'.repeat(61)}..." is not an option of redisTokenStore`);
  });

  it.each(Object.keys(factories))('%s accepts every option it documents, and ignores symbol keys', (factory) => {
    expect(() => factories[factory]({ [RETRY_POLICY_OPTION]: undefined, [Symbol('other')]: 1 })).not.toThrow();
  });

  it('accepts known options whose value is undefined, as code under exactOptionalPropertyTypes passes them', () => {
    expect(() =>
      createTokenProvider({
        ...user,
        credentials: { ...user.credentials, clientSecret: undefined, totpSecret: undefined },
        region: undefined,
        userPoolId: undefined,
        timeoutMs: undefined,
      }),
    ).not.toThrow();
  });
});

describe('closestName', () => {
  it.each([
    ['refreshahead', ['refreshAheadSeconds', 'region'], 'refreshAheadSeconds'],
    ['regoin', ['refreshAheadSeconds', 'region'], 'region'],
    ['flwo', ['flow', 'logger'], 'flow'],
    ['x', ['flow', 'logger'], undefined],
    ['completelyDifferent', ['flow', 'logger'], undefined],
  ])('%s among %j is %s', (name, candidates, expected) => {
    expect(closestName(name, candidates)).toBe(expected);
  });
});
