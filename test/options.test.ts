import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { createTokenProvider, type TokenProviderOptions } from '../src/index.js';
import { failureOfCall } from './helpers/failure-of.js';
import { cognitoTokens } from './helpers/fake-jwt.js';
import { flushPendingWork, mockCognito } from './helpers/providers.js';

const cognito = mockCognito();

const valid = { clientId: '4rtbp1kcm0example', credentials: { username: 'svc', password: 'pw-value-1' } };

const configurationErrorOf = (options: unknown) =>
  failureOfCall(() => createTokenProvider(options as TokenProviderOptions), 'ERR_CONFIGURATION');

describe('createTokenProvider option checks', () => {
  it.each([
    ['options', undefined],
    ['clientId', { ...valid, clientId: undefined }],
    ['clientId', { ...valid, clientId: '  ' }],
    ['credentials', { clientId: valid.clientId }],
    ['credentials', { ...valid, credentials: 'user:password' }],
    ['credentials.username', { ...valid, credentials: { password: 'pw-value-1' } }],
    ['credentials.password', { ...valid, credentials: { username: 'svc' } }],
    ['credentials.password', { ...valid, credentials: { username: 'svc', password: '' } }],
    ['credentials.clientSecret', { ...valid, credentials: { ...valid.credentials, clientSecret: 42 } }],
    // A code instead of the secret, a secret with a character outside base32, one too short, not text at all.
    ['credentials.totpSecret', { ...valid, credentials: { ...valid.credentials, totpSecret: '123456' } }],
    ['credentials.totpSecret', { ...valid, credentials: { ...valid.credentials, totpSecret: 'JBSWY3DPEHPK3PX1' } }],
    ['credentials.totpSecret', { ...valid, credentials: { ...valid.credentials, totpSecret: 'JBSWY3DPEHPK3PX' } }],
    ['credentials.totpSecret', { ...valid, credentials: { ...valid.credentials, totpSecret: 42 } }],
    ['region', { ...valid, region: 'Ireland' }],
    ['region', { ...valid, region: new String('eu-west-1') }],
    ['region', { ...valid, region: 'us-east-1', userPoolId: 'eu-west-1_AbC123' }],
    ['userPoolId', { ...valid, userPoolId: 'eu-west-1' }],
    ['userPoolId', { ...valid, userPoolId: 42 }],
    ['userPoolId', { ...valid, userPoolId: 'EU-WEST-1_abc' }],
    ['userPoolId', { ...valid, flow: 'admin-user-password' }],
    ['refreshAheadSeconds', { ...valid, refreshAheadSeconds: -1 }],
    ['refreshAheadSeconds', { ...valid, refreshAheadSeconds: Number.NaN }],
    ['timeoutMs', { ...valid, timeoutMs: 0 }],
    ['timeoutMs', { ...valid, timeoutMs: Number.POSITIVE_INFINITY }],
    ['timeoutMs', { ...valid, timeoutMs: 2 ** 31 }],
    ['logger', { ...valid, logger: console.debug }],
    ['client', { ...valid, client: new CognitoIdentityProviderClient({}), clientConfig: {} }],
    ['client', { ...valid, client: {} }],
    ['region', { ...valid, client: new CognitoIdentityProviderClient({}), region: 'eu-west-1' }],
    ['clientConfig', { ...valid, clientConfig: 'eu-west-1' }],
    ['refresh', { ...valid, refresh: 'sometimes' }],
    ['flow', { ...valid, flow: 'srp' }],
  ])('names "%s" when it is wrong', (option, options) => {
    expect(configurationErrorOf(options).message).toMatch(new RegExp(`^"${option.replace('.', '\\.')}" `));
  });

  it('never quotes a malformed totpSecret, which may be most of a real one', () => {
    const nearlySecret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX!';
    const error = configurationErrorOf({ ...valid, credentials: { ...valid.credentials, totpSecret: nearlySecret } });

    expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toContain('JBSWY3DP');
  });

  it('accepts Regions of every partition, the European Sovereign Cloud included', () => {
    for (const userPoolId of ['us-gov-west-1_AbC123', 'cn-north-1_AbC123', 'eusc-de-east-1_AbC123']) {
      const region = userPoolId.split('_')[0];
      expect(() => createTokenProvider({ ...valid, userPoolId, region })).not.toThrow();
    }
  });

  it('never quotes the password in a configuration error', () => {
    const error = configurationErrorOf({
      ...valid,
      credentials: { username: 'svc', password: 'pw-value-1', clientSecret: 7 },
    });
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain('pw-value-1');
  });

  it('accepts a complete, valid configuration without any I/O, even once pending work has run', async () => {
    const create = () =>
      createTokenProvider({
        ...valid,
        userPoolId: 'us-gov-west-1_AbC123',
        region: 'us-gov-west-1',
        refresh: 'refresh-token-auth',
        flow: 'admin-user-password',
        refreshAheadSeconds: 0,
        timeoutMs: 1,
        logger: { debug: () => undefined },
        clientConfig: { endpoint: 'http://127.0.0.1:1' },
      });

    expect(create).not.toThrow();
    await flushPendingWork();

    expect(cognito.calls()).toHaveLength(0);
  });

  it('keeps its own copy of static credentials, so later mutation changes nothing', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves({ AuthenticationResult: cognitoTokens({ username: 'svc', nowSeconds: 1e9 }) });
    const credentials = { username: 'svc', password: 'pw-value-1' };
    const provider = createTokenProvider({ ...valid, region: 'eu-west-1', credentials });

    credentials.password = 'changed';
    await provider.getIdToken();

    expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
      AuthParameters: { USERNAME: 'svc', PASSWORD: 'pw-value-1' },
    });
  });
});
