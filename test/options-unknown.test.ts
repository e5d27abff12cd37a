import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { memoryTokenStore } from '../harness/memory-token-store.js';
import { RETRY_POLICY_OPTION } from '../src/core/deadline.js';
import { closestName } from '../src/core/known-options.js';
import { CREDENTIAL_FIELDS } from '../src/credentials/credentials.js';
import { type DynamoDbTokenStoreOptions, dynamoDbTokenStore } from '../src/dynamodb/index.js';
import {
  type AuthorizedFetchOptions,
  type ClientTokenProviderOptions,
  type CognitoClientChoice,
  type CommonProviderOptions,
  type CredentialsSource,
  createAuthorizedFetch,
  createClientTokenProvider,
  createTokenProvider,
  shareTokenStore,
  type TokenProvider,
  type TokenProviderOptions,
  type UserCredentials,
} from '../src/index.js';
import { COMMON_OPTION_NAMES } from '../src/provider/options.js';
import { type RedisTokenStoreOptions, redisTokenStore } from '../src/redis/index.js';
import { type FromSsmOptions, fromSsm } from '../src/ssm/index.js';
import { failureOfCall } from './helpers/failure-of.js';

const SECRET = 'Sup3r-Secret-Value-42';
const user = { clientId: '4rtbp1kcm0example', credentials: { username: 'svc', password: 'pw-value-1' } };
const m2m = { clientId: '1example23456789', clientSecret: 'client-secret-1', domain: 'auth.example.com' };
const provider: TokenProvider = createTokenProvider(user);
const redisClient = { get: async () => null, set: async () => 'OK' as const, eval: async () => 0 };

/** Each factory, called with its valid options plus `extra`. */
const factories = {
  createTokenProvider: (extra) => createTokenProvider({ ...user, ...extra } as never),
  createClientTokenProvider: (extra) => createClientTokenProvider({ ...m2m, ...extra } as never),
  fromSsm: (extra) => fromSsm({ parameter: '/svc/orders/cognito', ...extra } as never),
  createAuthorizedFetch: (extra) => createAuthorizedFetch(provider, { token: 'id', ...extra } as never),
  dynamoDbTokenStore: (extra) => dynamoDbTokenStore({ tableName: 'cognito-tokens', ...extra } as never),
  redisTokenStore: (extra) => redisTokenStore({ client: redisClient, ...extra } as never),
} satisfies Record<string, (extra: Record<string, unknown>) => unknown>;
type Factory = keyof typeof factories;
const factoryNames = Object.keys(factories) as Factory[];

/** For each factory, misspellings it must see through, and the option each one means. */
const misspellings: Record<Factory, Record<string, string>> = {
  createTokenProvider: {
    refreshAhead: 'refreshAheadSeconds',
    timeout: 'timeoutMs',
    clientID: 'clientId',
    userpoolId: 'userPoolId',
  },
  createClientTokenProvider: { scope: 'scopes', tokenEndPoint: 'tokenEndpoint' },
  fromSsm: { maxAge: 'maxAgeSeconds', paramter: 'parameter' },
  createAuthorizedFetch: { schema: 'scheme' },
  dynamoDbTokenStore: { table: 'tableName' },
  redisTokenStore: { encryptionkey: 'encryptionKey' },
};

const messageOf = (create: () => unknown) => failureOfCall(create, 'ERR_CONFIGURATION').message;

describe('unknown options', () => {
  it.each(
    factoryNames.flatMap((factory) =>
      Object.entries(misspellings[factory]).map(([typo, meant]) => [factory, typo, meant] as const),
    ),
  )('%s names a misspelt "%s" and suggests "%s"', (factory, typo, meant) => {
    // Act
    const message = messageOf(() => factories[factory]({ [typo]: 1 }));

    // Assert
    expect(message).toBe(`"${typo}" is not an option of ${factory}; did you mean "${meant}"?`);
  });

  it.each(factoryNames)('%s names a far-off key and suggests nothing', (factory) => {
    const message = messageOf(() => factories[factory]({ zebraStripes: 1 }));

    expect(message).toBe(`"zebraStripes" is not an option of ${factory}`);
  });

  it.each(factoryNames)('%s never quotes the value of an unknown key', (factory) => {
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

  it.each(factoryNames)('%s ignores symbol keys', (factory) => {
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

/** Every key of every member of an options union: the options a factory documents. */
type OptionName<T> = T extends unknown ? keyof T : never;

/**
 * One factory and every option it documents. `names` must list each key of the options type exactly once (the
 * type check fails otherwise), and `ways` are valid calls that between them give every one of those options a
 * real value: mutually exclusive options (`client` or `clientConfig`, `domain` or `tokenEndpoint`) need more
 * than one call.
 */
function documented<T>(
  create: (options: T) => unknown,
  names: NoInfer<Record<OptionName<T>, true>>,
  ways: NoInfer<Record<string, T>>,
) {
  return { create, names: Object.keys(names).sort(), ways: Object.entries(ways) };
}

const source: CredentialsSource = async () => ({ username: 'svc', password: 'pw-value-1' });
const staticCredentials = {
  username: 'svc',
  password: 'pw-value-1',
  clientSecret: 'client-secret-1',
  totpSecret: 'JBSWY3DPEHPK3PXP',
  device: { key: 'eu-west-1_device-key-1', groupKey: '-device-group-1', password: 'device-password-1' },
} as const satisfies Required<UserCredentials>;
/** The options both providers take, the client choice's included. */
const commonNames = {
  clientId: true,
  region: true,
  refreshAheadSeconds: true,
  timeoutMs: true,
  logger: true,
  sharedCache: true,
  clientMetadata: true,
  client: true,
  clientConfig: true,
} as const satisfies Record<OptionName<CommonProviderOptions & CognitoClientChoice>, true>;
const common = {
  refreshAheadSeconds: 120,
  timeoutMs: 4_000,
  logger: { debug: () => undefined },
  sharedCache: shareTokenStore(memoryTokenStore().store),
  clientMetadata: { tenant: 'orders' },
} as const;
const encryptionKey = new Uint8Array(32).fill(7);

const everyFactory = {
  createTokenProvider: documented(
    (options: TokenProviderOptions) => createTokenProvider(options),
    { ...commonNames, credentials: true, userPoolId: true, refresh: true, flow: true },
    {
      'static credentials, a client it creates': {
        ...common,
        clientId: '4rtbp1kcm0example',
        userPoolId: 'eu-west-1_AbC123',
        credentials: staticCredentials,
        region: 'eu-west-1',
        clientConfig: { maxAttempts: 2 },
        refresh: 'refresh-token-auth',
        flow: 'user-srp',
      },
      'a credentials source, your own client': {
        ...common,
        clientId: '4rtbp1kcm0example',
        credentials: source,
        client: new CognitoIdentityProviderClient({ region: 'eu-west-1' }),
      },
    },
  ),
  createClientTokenProvider: documented(
    (options: ClientTokenProviderOptions) => createClientTokenProvider(options),
    { ...commonNames, clientSecret: true, credentials: true, scopes: true, tokenEndpoint: true, domain: true },
    {
      'GetClientToken, a client it creates': {
        ...common,
        clientId: '1example23456789',
        clientSecret: 'client-secret-1',
        scopes: ['orders/read'],
        region: 'eu-west-1',
        clientConfig: { maxAttempts: 2 },
      },
      'GetClientToken, your own client': {
        ...common,
        clientId: '1example23456789',
        credentials: source,
        client: new CognitoIdentityProviderClient({ region: 'eu-west-1' }),
      },
      'the token endpoint of a domain': {
        ...common,
        clientId: '1example23456789',
        clientSecret: 'client-secret-1',
        scopes: ['orders/read'],
        domain: 'auth.example.com',
      },
      'a token endpoint URL': {
        ...common,
        clientId: '1example23456789',
        credentials: source,
        tokenEndpoint: 'https://auth.example.com/oauth2/token',
      },
    },
  ),
  fromSsm: documented(
    (options: FromSsmOptions) => fromSsm(options),
    {
      username: true,
      password: true,
      clientSecret: true,
      totpSecret: true,
      parameter: true,
      maxAgeSeconds: true,
      client: true,
      clientConfig: true,
    },
    {
      'one parameter per field, a client it creates': {
        username: '/svc/orders/username',
        password: '/svc/orders/password',
        clientSecret: '/svc/orders/client-secret',
        totpSecret: '/svc/orders/totp-secret',
        maxAgeSeconds: 60,
        clientConfig: { region: 'eu-west-1' },
      },
      'one JSON parameter, your own client': {
        parameter: '/svc/orders/cognito',
        maxAgeSeconds: 60,
        client: new SSMClient({ region: 'eu-west-1' }),
      },
    },
  ),
  dynamoDbTokenStore: documented(
    (options: DynamoDbTokenStoreOptions) => dynamoDbTokenStore(options),
    { tableName: true, encryptionKey: true, client: true, clientConfig: true },
    {
      'a client it creates': { tableName: 'cognito-tokens', encryptionKey, clientConfig: { region: 'eu-west-1' } },
      'your own client': { tableName: 'cognito-tokens', client: new DynamoDBClient({ region: 'eu-west-1' }) },
    },
  ),
  redisTokenStore: documented(
    (options: RedisTokenStoreOptions) => redisTokenStore(options),
    { client: true, encryptionKey: true },
    { 'with its own key': { client: redisClient, encryptionKey: Buffer.from(encryptionKey).toString('base64') } },
  ),
  createAuthorizedFetch: documented(
    (options: AuthorizedFetchOptions) => createAuthorizedFetch(provider, options),
    { token: true, scheme: true, fetch: true },
    { 'every option': { token: 'access', scheme: 'Bearer', fetch: async () => new Response(null) } },
  ),
} satisfies Record<Factory, unknown>;

describe('every documented option', () => {
  const ways = Object.entries(everyFactory).flatMap(([factory, { create, ways }]) =>
    ways.map(([way, options]) => [factory, way, create as (options: unknown) => unknown, options] as const),
  );

  it.each(ways)('%s accepts them: %s', (_factory, _way, create, options) => {
    expect(() => create(options)).not.toThrow();
  });

  it.each(Object.entries(everyFactory))('%s is called above with each of them', (_factory, { names, ways }) => {
    const given = new Set(ways.flatMap(([, options]) => Object.keys(options as object)));

    expect([...given].sort()).toEqual(names);
  });

  it('covers every option both providers share, and every credential field', () => {
    expect(everyFactory.createTokenProvider.names).toEqual(expect.arrayContaining([...COMMON_OPTION_NAMES]));
    expect(everyFactory.createClientTokenProvider.names).toEqual(expect.arrayContaining([...COMMON_OPTION_NAMES]));
    expect(everyFactory.fromSsm.names).toEqual(expect.arrayContaining([...CREDENTIAL_FIELDS]));
    expect(Object.keys(staticCredentials).sort()).toEqual([...CREDENTIAL_FIELDS, 'device'].sort());
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
