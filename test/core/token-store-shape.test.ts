import { describe, expect, it } from 'vitest';
import { tokenStoreShapeProblem } from '../../src/core/token-store-shape.js';

const METHODS = 'read, acquireLease, put, releaseLease and refuse';
const store = () => ({
  read: async () => undefined,
  acquireLease: async () => true,
  put: async () => undefined,
  releaseLease: async () => undefined,
  refuse: async () => undefined,
});

describe('tokenStoreShapeProblem', () => {
  it('accepts an object with every method, a class instance or a null-prototype object alike', () => {
    class OwnStore {
      read = async () => undefined;
      acquireLease = async () => true;
      put = async () => undefined;
      releaseLease = async () => undefined;
      refuse = async () => undefined;
    }

    expect(tokenStoreShapeProblem(store())).toBeUndefined();
    expect(tokenStoreShapeProblem(new OwnStore())).toBeUndefined();
    expect(tokenStoreShapeProblem(Object.assign(Object.create(null), store()))).toBeUndefined();
  });

  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    [() => store(), 'a function'],
    ['redis://:hunter2@cache:6379', 'a string'],
    [6379, 'a number'],
  ])('names what %s is instead, never quoting it', (value, kind) => {
    const problem = tokenStoreShapeProblem(value);

    expect(problem).toBe(`must be a TokenStore (an object with ${METHODS} methods), not ${kind}`);
    expect(problem).not.toContain('hunter2');
  });

  it('lists the missing methods, with the verb agreeing', () => {
    const { refuse: _refuse, ...withoutRefuse } = store();
    const { put: _put, refuse: _refuse2, ...withoutTwo } = store();

    expect(tokenStoreShapeProblem(withoutRefuse)).toBe('must implement TokenStore: refuse is missing');
    expect(tokenStoreShapeProblem(withoutTwo)).toBe('must implement TokenStore: put and refuse are missing');
    expect(tokenStoreShapeProblem({})).toBe(`must implement TokenStore: ${METHODS} are missing`);
    expect(tokenStoreShapeProblem({ ...store(), put: 'not a function' })).toBe(
      'must implement TokenStore: put is missing',
    );
  });

  it('points a Redis client, by its methods or its class name, to redisTokenStore', () => {
    class Cluster {}
    class Redis {}
    const byMethods = { set: () => 'OK', eval: () => 1, get: () => null };

    for (const client of [byMethods, new Cluster(), new Redis()]) {
      expect(tokenStoreShapeProblem(client)).toContain('wrap it with redisTokenStore({ client })');
    }
    expect(tokenStoreShapeProblem({ set: () => 'OK' })).toContain('must implement TokenStore');
  });

  it('points an AWS SDK client to dynamoDbTokenStore', () => {
    const sdkClient = { send: async () => ({}), config: { region: 'eu-west-1' } };

    expect(tokenStoreShapeProblem(sdkClient)).toContain('use dynamoDbTokenStore({ tableName, client })');
    expect(tokenStoreShapeProblem({ send: async () => ({}) })).toContain('must implement TokenStore');
  });

  it('survives a hostile value whose getters throw, and reports the methods it could not read as missing', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
      },
    );

    expect(tokenStoreShapeProblem(hostile)).toBe(`must implement TokenStore: ${METHODS} are missing`);
  });
});
