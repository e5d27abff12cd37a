// The verifying layers the integration tests rely on must themselves reject what real AWS rejects; otherwise
// a library test that passes through them proves nothing. These tests talk to them with the raw SDK.
import {
  CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CognitoLocal,
  type CognitoSeed,
  clientConfigFor,
  seedCognito,
  startCognitoLocal,
} from '../../harness/cognito-local.js';
import { type CognitoProxy, startCognitoProxy } from '../../harness/counting-proxy.js';
import { hmacSecretHash } from '../../harness/secret-hash-oracle.js';
import { type SsmEndpoint, ssmClientConfigFor, startSsmEndpoint } from '../../harness/ssm-endpoint.js';

describe('counting proxy in front of cognito-local', () => {
  let cognito: CognitoLocal;
  let seed: CognitoSeed;
  let proxy: CognitoProxy;
  let sdk: CognitoIdentityProviderClient;

  beforeAll(async () => {
    cognito = await startCognitoLocal();
    seed = await seedCognito(cognito.endpoint);
    proxy = await startCognitoProxy({
      target: cognito.endpoint,
      clientSecrets: { [seed.withSecret.clientId]: seed.withSecret.clientSecret },
    });
    sdk = new CognitoIdentityProviderClient({ ...clientConfigFor(proxy.endpoint), maxAttempts: 1 });
  });

  afterAll(async () => {
    sdk?.destroy();
    await proxy?.stop();
    await cognito?.stop();
  });

  /** InitiateAuth as the app client with a secret. */
  const initiate = (AuthFlow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH', AuthParameters: Record<string, string>) =>
    sdk.send(new InitiateAuthCommand({ ClientId: seed.withSecret.clientId, AuthFlow, AuthParameters }));

  const signIn = (username: string, secretHash?: string) =>
    initiate('USER_PASSWORD_AUTH', {
      USERNAME: username,
      PASSWORD: seed.user.password,
      ...(secretHash === undefined ? {} : { SECRET_HASH: secretHash }),
    });

  /** A password sign-in through the user's email alias, its SECRET_HASH over the alias as sent. */
  const signInThroughAlias = () => signIn(seed.user.email, hmacSecretHash(seed.user.email, seed.withSecret));

  const refreshTokenThroughAlias = async () => (await signInThroughAlias()).AuthenticationResult?.RefreshToken ?? '';

  it('accepts a password sign-in whose SECRET_HASH is over the username as sent (an email alias)', async () => {
    // Prepare
    const { email } = seed.user;

    // Act
    const result = await signIn(email, hmacSecretHash(email, seed.withSecret));

    // Assert
    expect(result.AuthenticationResult?.IdToken).toMatch(/^ey/);
  });

  it('rejects a wrong or missing SECRET_HASH with NotAuthorizedException, as Cognito does', async () => {
    // Prepare
    const wrong = hmacSecretHash('someone-else@example.com', seed.withSecret);

    // Act
    const [wrongHash, missingHash] = await Promise.allSettled([
      signIn(seed.user.email, wrong),
      signIn(seed.user.email),
    ]);

    // Assert
    expect(wrongHash).toMatchObject({
      status: 'rejected',
      reason: {
        name: 'NotAuthorizedException',
        message: `Unable to verify secret hash for client ${seed.withSecret.clientId}`,
      },
    });
    expect(missingHash).toMatchObject({
      status: 'rejected',
      reason: { name: 'NotAuthorizedException', message: expect.stringContaining('SECRET_HASH was not received') },
    });
  });

  it('checks the REFRESH_TOKEN_AUTH hash over cognito:username and refuses one over the email alias', async () => {
    // Prepare
    const refreshToken = await refreshTokenThroughAlias();
    const refresh = (hashedOver: string) =>
      initiate('REFRESH_TOKEN_AUTH', {
        REFRESH_TOKEN: refreshToken,
        SECRET_HASH: hmacSecretHash(hashedOver, seed.withSecret),
      });

    // Act
    const [withAlias, withUsername] = await Promise.allSettled([refresh(seed.user.email), refresh(seed.user.username)]);

    // Assert
    expect(withAlias).toMatchObject({ status: 'rejected', reason: { name: 'NotAuthorizedException' } });
    expect(withUsername).toMatchObject({
      status: 'fulfilled',
      value: { AuthenticationResult: { IdToken: expect.stringMatching(/^ey/) } },
    });
  });

  it('answers GetTokensFromRefreshToken, which the emulator lacks, checking the raw client secret', async () => {
    // Prepare
    const { withSecret } = seed;
    const refreshToken = await refreshTokenThroughAlias();
    const renew = (ClientSecret: string) =>
      sdk.send(
        new GetTokensFromRefreshTokenCommand({
          ClientId: withSecret.clientId,
          RefreshToken: refreshToken,
          ClientSecret,
        }),
      );

    // Act
    const [renewed, refused] = await Promise.allSettled([
      renew(withSecret.clientSecret),
      renew(`${withSecret.clientSecret}x`),
    ]);

    // Assert
    expect(renewed).toMatchObject({
      status: 'fulfilled',
      value: { AuthenticationResult: { AccessToken: expect.stringMatching(/^ey/) } },
    });
    expect(refused).toMatchObject({ status: 'rejected', reason: { name: 'NotAuthorizedException' } });
  });

  it('counts every request, per operation and flow, faulted ones included', async () => {
    // Prepare
    proxy.resetCounts();
    proxy.setFaults([{ fault: 'throttle', times: 1 }]);

    // Act
    await expect(signInThroughAlias()).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    await signInThroughAlias();

    // Assert
    expect(proxy.count()).toBe(2);
    expect(proxy.count('InitiateAuth', 'USER_PASSWORD_AUTH')).toBe(2);
    expect(proxy.count('InitiateAuth', 'REFRESH_TOKEN_AUTH')).toBe(0);
    expect(proxy.calls.map((call) => call.fault)).toEqual(['throttle', undefined]);
  });
});

describe('SSM test endpoint', () => {
  let ssm: SsmEndpoint;

  beforeAll(async () => {
    ssm = await startSsmEndpoint([
      { name: '/app/secure', value: 'plain-secret-value', type: 'SecureString' },
      { name: '/app/plain', value: 'visible', type: 'String' },
    ]);
  });

  afterAll(() => ssm?.stop());

  const getParameters = (client: SSMClient, Names: string[], WithDecryption: boolean) =>
    client.send(new GetParametersCommand({ Names, WithDecryption }));

  it('returns SecureString values decrypted only WithDecryption, and unknown names as InvalidParameters', async () => {
    // Prepare
    const client = new SSMClient(ssmClientConfigFor(ssm.endpoint));

    // Act
    const decrypted = await getParameters(client, ['/app/secure', '/app/plain', '/app/missing'], true);
    const encrypted = await getParameters(client, ['/app/secure', '/app/plain'], false);
    client.destroy();

    // Assert
    expect(decrypted.Parameters?.map((p) => [p.Name, p.Type, p.Value])).toEqual([
      ['/app/secure', 'SecureString', 'plain-secret-value'],
      ['/app/plain', 'String', 'visible'],
    ]);
    expect(decrypted.InvalidParameters).toEqual(['/app/missing']);
    const blob = encrypted.Parameters?.find((p) => p.Name === '/app/secure')?.Value;
    expect(blob).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(blob ?? '', 'base64').toString('latin1')).not.toContain('plain-secret-value');
    expect(encrypted.Parameters?.find((p) => p.Name === '/app/plain')?.Value).toBe('visible');
  });

  it('rejects an unsigned request with MissingAuthenticationTokenException', async () => {
    // Prepare
    const unsigned = {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameters' },
      body: JSON.stringify({ Names: ['/app/secure'], WithDecryption: true }),
    };

    // Act
    const response = await fetch(ssm.endpoint, unsigned);

    // Assert
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    expect(ssm.calls.at(-1)).toMatchObject({ signed: false, errorType: 'MissingAuthenticationTokenException' });
  });

  it('rejects a request signed with the wrong secret key, and one from an unknown access key', async () => {
    // Prepare
    const config = ssmClientConfigFor(ssm.endpoint);
    const wrongSecret = new SSMClient({
      ...config,
      credentials: { ...config.credentials, secretAccessKey: 'not-the-key' },
    });
    const unknownKey = new SSMClient({ ...config, credentials: { ...config.credentials, accessKeyId: 'AKIDOTHER' } });

    // Act
    const [badSignature, badKey] = await Promise.allSettled([
      getParameters(wrongSecret, ['/app/plain'], false),
      getParameters(unknownKey, ['/app/plain'], false),
    ]);
    wrongSecret.destroy();
    unknownKey.destroy();

    // Assert
    expect(badSignature).toMatchObject({ status: 'rejected', reason: { name: 'InvalidSignatureException' } });
    expect(badKey).toMatchObject({ status: 'rejected', reason: { name: 'UnrecognizedClientException' } });
  });

  it('stores parameters put through the SDK, as new versions', async () => {
    // Prepare
    const client = new SSMClient(ssmClientConfigFor(ssm.endpoint));

    // Act
    await client.send(new PutParameterCommand({ Name: '/app/put', Value: 'one', Type: 'SecureString' }));
    await client.send(
      new PutParameterCommand({ Name: '/app/put', Value: 'two', Type: 'SecureString', Overwrite: true }),
    );
    const read = await getParameters(client, ['/app/put'], true);
    client.destroy();

    // Assert
    expect(read.Parameters?.[0]).toMatchObject({ Value: 'two', Version: 2 });
  });
});
