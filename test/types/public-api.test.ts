// Type-level tests of the public API: what must compile and, on the `@ts-expect-error` lines, what must not.
// Checked by `npm run typecheck` (the project's settings) and `npm run typecheck:types` (test/types/tsconfig.json,
// with exactOptionalPropertyTypes as a user's tsconfig may have it); vitest runs the file too, where the
// expectTypeOf calls do nothing.
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { describe, expectTypeOf, it } from 'vitest';
import { dynamoDbTokenStore } from '../../src/dynamodb/index.js';
import {
  type AccessTokenSource,
  ChallengeRequiredError,
  type ClientTokenProvider,
  type ClientTokenProviderOptions,
  type CognitoClientChoice,
  CognitoTokenError,
  type CognitoTokenErrorCode,
  type CognitoTokenErrors,
  createAuthorizedFetch,
  createClientTokenProvider,
  createTokenProvider,
  type FetchFunction,
  type IdTokenSource,
  type TokenProvider,
  type TokenProviderOptions,
} from '../../src/index.js';
import { redisTokenStore } from '../../src/redis/index.js';
import { type FromSsmOptions, fromSsm } from '../../src/ssm/index.js';

// Never called: the bodies below are checked by tsc, not run.
declare const maybe: string | undefined;
declare const cognitoClient: CognitoIdentityProviderClient;
declare const caught: unknown;
const clientId = '4rtbp1kcm0example';
const credentials = { username: 'svc-orders', password: 'pw' };

describe('public API types', () => {
  it('createTokenProvider: client excludes region and clientConfig', () => {
    expectTypeOf(createTokenProvider).parameter(0).toEqualTypeOf<TokenProviderOptions>();
    const compile = () => {
      createTokenProvider({ clientId, credentials, client: cognitoClient });
      createTokenProvider({ clientId, credentials, region: 'eu-west-1' });
      createTokenProvider({ clientId, credentials, region: 'eu-west-1', clientConfig: { maxAttempts: 2 } });
      // @ts-expect-error: a client of your own has its Region already
      createTokenProvider({ clientId, credentials, client: cognitoClient, region: 'eu-west-1' });
      // @ts-expect-error: client or clientConfig, not both
      createTokenProvider({ clientId, credentials, client: cognitoClient, clientConfig: {} });
      const choice: CognitoClientChoice = { region: 'eu-west-1' };
      // @ts-expect-error
      const both: CognitoClientChoice = { client: cognitoClient, region: 'eu-west-1' };
      return [choice, both];
    };
    expectTypeOf(compile).toBeFunction();
  });

  it('accepts possibly-undefined values for optional options (exactOptionalPropertyTypes)', () => {
    const compile = () => {
      createTokenProvider({
        clientId,
        credentials: { username: 'svc', password: 'pw', clientSecret: maybe, totpSecret: maybe },
        region: maybe,
        userPoolId: maybe,
        timeoutMs: undefined,
        refreshAheadSeconds: undefined,
        logger: undefined,
      });
      createClientTokenProvider({ clientId, clientSecret: 'secret', domain: 'auth.example.com', scopes: undefined });
      fromSsm({ username: '/svc/username', password: '/svc/password', clientSecret: maybe, maxAgeSeconds: undefined });
      dynamoDbTokenStore({ tableName: 'tokens', encryptionKey: maybe, clientConfig: undefined });
      redisTokenStore({ client: {} as never, encryptionKey: maybe });
      // @ts-expect-error: required options stay required
      createTokenProvider({ clientId: maybe, credentials });
    };
    expectTypeOf(compile).toBeFunction();
  });

  it('createClientTokenProvider: clientSecret or credentials; tokenEndpoint, domain or an SDK client', () => {
    expectTypeOf(createClientTokenProvider).parameter(0).toEqualTypeOf<ClientTokenProviderOptions>();
    const source = async () => ({ clientSecret: 'secret' });
    const compile = () => {
      createClientTokenProvider({ clientId, clientSecret: 'secret' });
      createClientTokenProvider({ clientId, credentials: source, domain: 'auth.example.com' });
      createClientTokenProvider({ clientId, clientSecret: 'secret', tokenEndpoint: 'https://auth.example.com/token' });
      createClientTokenProvider({ clientId, clientSecret: 'secret', client: cognitoClient });
      createClientTokenProvider({ clientId, clientSecret: 'secret', region: 'eu-west-1' });
      // @ts-expect-error: one secret, not two
      createClientTokenProvider({ clientId, clientSecret: 'secret', credentials: source });
      // @ts-expect-error: a secret is required
      createClientTokenProvider({ clientId, domain: 'auth.example.com' });
      // @ts-expect-error: tokenEndpoint or domain, not both
      createClientTokenProvider({ clientId, clientSecret: 's', domain: 'a.example.com', tokenEndpoint: 'https://a' });
      // @ts-expect-error: the token endpoint is called with fetch, not the SDK client
      createClientTokenProvider({ clientId, clientSecret: 's', domain: 'auth.example.com', client: cognitoClient });
      // @ts-expect-error: the domain says where the endpoint is
      createClientTokenProvider({ clientId, clientSecret: 's', tokenEndpoint: 'https://a', region: 'eu-west-1' });
      // @ts-expect-error: a client of your own has its Region already
      createClientTokenProvider({ clientId, clientSecret: 's', client: cognitoClient, region: 'eu-west-1' });
    };
    expectTypeOf(compile).toBeFunction();
  });

  it('fromSsm: named parameters or one JSON parameter', () => {
    const compile = () => {
      fromSsm({ parameter: '/svc/orders/cognito' });
      fromSsm({ username: '/svc/username', password: '/svc/password' });
      fromSsm({ clientSecret: '/svc/secret', client: new SSMClient({}) });
      const options: FromSsmOptions = { parameter: '/svc/orders/cognito', maxAgeSeconds: 600 };
      // @ts-expect-error: one layout or the other
      fromSsm({ parameter: '/svc/orders/cognito', password: '/svc/password' });
      // @ts-expect-error: client or clientConfig, not both
      fromSsm({ parameter: '/svc/orders/cognito', client: new SSMClient({}), clientConfig: {} });
      return options;
    };
    expectTypeOf(compile).toBeFunction();
    expectTypeOf(fromSsm).returns.toBeFunction();
  });

  it('stores: client or clientConfig', () => {
    const compile = () => {
      dynamoDbTokenStore({ tableName: 'tokens', client: new DynamoDBClient({}) });
      // @ts-expect-error: client or clientConfig, not both
      dynamoDbTokenStore({ tableName: 'tokens', client: new DynamoDBClient({}), clientConfig: {} });
      // @ts-expect-error: the client is required
      redisTokenStore({});
    };
    expectTypeOf(compile).toBeFunction();
  });

  it('narrows an error by its code: ERR_CHALLENGE_REQUIRED gives challengeName', () => {
    expectTypeOf<CognitoTokenErrors['code']>().toEqualTypeOf<CognitoTokenErrorCode>();
    expectTypeOf<ChallengeRequiredError['code']>().toEqualTypeOf<'ERR_CHALLENGE_REQUIRED'>();
    const compile = (error: CognitoTokenErrors) => {
      if (error.code === 'ERR_CHALLENGE_REQUIRED') {
        expectTypeOf(error).toEqualTypeOf<ChallengeRequiredError>();
        expectTypeOf(error.challengeName).toBeString();
      } else {
        expectTypeOf(error.code).toEqualTypeOf<Exclude<CognitoTokenErrorCode, 'ERR_CHALLENGE_REQUIRED'>>();
        // @ts-expect-error: only a challenge has a challengeName
        error.challengeName;
      }
      if (caught instanceof CognitoTokenError) {
        expectTypeOf(caught).toEqualTypeOf<CognitoTokenErrors>();
        if (caught.code === 'ERR_CHALLENGE_REQUIRED') expectTypeOf(caught.challengeName).toBeString();
      }
      if (caught instanceof ChallengeRequiredError) expectTypeOf(caught).toEqualTypeOf<ChallengeRequiredError>();
      class OwnError extends CognitoTokenError {
        readonly extra = 1;
      }
      if (caught instanceof OwnError) expectTypeOf(caught.extra).toBeNumber();
    };
    expectTypeOf(compile).toBeFunction();
  });

  it("createAuthorizedFetch: token 'id' needs an IdTokenSource, 'access' takes a ClientTokenProvider", () => {
    const compile = (user: TokenProvider, m2m: ClientTokenProvider, access: AccessTokenSource) => {
      expectTypeOf(createAuthorizedFetch(user)).toEqualTypeOf<FetchFunction>();
      createAuthorizedFetch(user, { token: 'id', scheme: 'Bearer' });
      createAuthorizedFetch(user, { token: 'access' });
      createAuthorizedFetch(m2m, { token: 'access', scheme: 'Bearer' });
      createAuthorizedFetch(access, { token: 'access', fetch: globalThis.fetch });
      // @ts-expect-error: a machine-to-machine provider has no ID token
      createAuthorizedFetch(m2m);
      // @ts-expect-error: a machine-to-machine provider has no ID token
      createAuthorizedFetch(m2m, { token: 'id' });
      // @ts-expect-error: token: 'access' must be said for an access-token-only source
      createAuthorizedFetch(m2m, { scheme: 'Bearer' });
    };
    expectTypeOf(compile).toBeFunction();
    expectTypeOf<TokenProvider>().toMatchTypeOf<IdTokenSource>();
    expectTypeOf<ClientTokenProvider>().toMatchTypeOf<AccessTokenSource>();
    expectTypeOf<ClientTokenProvider>().not.toMatchTypeOf<IdTokenSource>();
  });
});
