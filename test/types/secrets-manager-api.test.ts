// Type-level tests of fromSecretsManager: what must compile and, on the `@ts-expect-error` lines, what must not.
// Checked by `npm run typecheck` and `npm run typecheck:types` (with exactOptionalPropertyTypes); vitest runs the
// file too, where the expectTypeOf calls do nothing.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type CredentialsSource,
  createClientTokenProvider,
  createTokenProvider,
  type UserCredentials,
} from '../../src/index.js';
import {
  type FromSecretsManagerOptions,
  fromSecretsManager,
  type SecretsManagerClientChoice,
} from '../../src/secrets-manager/index.js';

describe('fromSecretsManager types', () => {
  it('takes a secret ID with client or clientConfig, not both, and returns a credentials source', () => {
    const compile = () => {
      const choice: SecretsManagerClientChoice = { client: new SecretsManagerClient({}) };
      const options: FromSecretsManagerOptions = {
        secretId: 'svc/orders/cognito',
        versionStage: 'AWSCURRENT',
        ...choice,
      };
      fromSecretsManager({ ...options, maxAgeSeconds: 600 });
      fromSecretsManager({ secretId: 'svc/orders/cognito', clientConfig: { region: 'eu-west-1' } });
      // @ts-expect-error: client or clientConfig, not both
      fromSecretsManager({ secretId: 'a', client: new SecretsManagerClient({}), clientConfig: {} });
      // @ts-expect-error: secretId is required
      fromSecretsManager({ versionStage: 'AWSCURRENT' });
      // @ts-expect-error: the SSM option has no place here
      fromSecretsManager({ secretId: 'a', parameter: '/svc/orders/cognito' });
    };
    expectTypeOf(compile).toBeFunction();
    expectTypeOf(fromSecretsManager).returns.toEqualTypeOf<CredentialsSource>();
  });

  it('serves both providers', () => {
    const compile = () => {
      createTokenProvider({ clientId: 'a', credentials: fromSecretsManager({ secretId: 'svc/user' }) });
      createClientTokenProvider({
        clientId: 'b',
        credentials: fromSecretsManager({ secretId: 'svc/m2m' }),
        domain: 'auth.example.com',
      });
    };
    expectTypeOf(compile).toBeFunction();
  });

  it('gives static credentials an optional remembered device', () => {
    expectTypeOf<UserCredentials['device']>().toEqualTypeOf<
      { readonly key: string; readonly groupKey: string; readonly password: string } | undefined
    >();
  });
});
