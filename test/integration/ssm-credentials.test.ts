import { CognitoTokenError, createTokenProvider, decodeJwtClaims } from 'cognito-token-provider';
import { fromSsm } from 'cognito-token-provider/ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CognitoStack, startCognitoStack } from '../../harness/cognito-stack.js';
import { findLeaks } from '../../harness/leak-scan.js';
import { type SsmEndpoint, ssmClientConfigFor, startSsmEndpoint } from '../../harness/ssm-endpoint.js';
import { setUserPassword } from '../helpers/cognito-stack-hooks.js';

let stack: CognitoStack;
let ssm: SsmEndpoint;
let userPassword: string;

beforeAll(async () => {
  stack = await startCognitoStack();
  const { seed } = stack;
  userPassword = seed.user.password;
  ssm = await startSsmEndpoint([
    {
      name: '/svc/orders/cognito',
      type: 'SecureString',
      value: JSON.stringify({
        username: seed.user.email,
        password: seed.user.password,
        clientSecret: seed.withSecret.clientSecret,
      }),
    },
    { name: '/svc/orders/username', type: 'String', value: seed.user.email },
    { name: '/svc/orders/password', type: 'SecureString', value: seed.user.password },
    { name: '/svc/orders/client-secret', type: 'SecureString', value: seed.withSecret.clientSecret },
  ]);
});

afterAll(async () => {
  await ssm?.stop();
  await stack?.stop();
});

beforeEach(() => {
  stack.proxy.resetCounts();
  ssm.setFaults([]);
});

function providerReading(source: ReturnType<typeof fromSsm>) {
  return createTokenProvider({
    clientId: stack.seed.withSecret.clientId,
    credentials: source,
    clientConfig: stack.clientConfig,
  });
}

describe('fromSsm through the real SSMClient', () => {
  it('reads one JSON SecureString with one signed, decrypting GetParameters, and signs in with it', async () => {
    // Prepare
    const callsBefore = ssm.calls.length;
    const tokens = providerReading(
      fromSsm({ parameter: '/svc/orders/cognito', clientConfig: ssmClientConfigFor(ssm.endpoint) }),
    );

    // Act
    const idToken = await tokens.getIdToken();

    // Assert
    expect(decodeJwtClaims(idToken)['cognito:username']).toBe(stack.seed.user.username);
    expect(ssm.calls.slice(callsBefore)).toEqual([
      {
        operation: 'GetParameters',
        names: ['/svc/orders/cognito'],
        withDecryption: true,
        signed: true,
        status: 200,
        errorType: undefined,
      },
    ]);
    expect(stack.proxy.calls).toEqual([expect.objectContaining({ authFlow: 'USER_PASSWORD_AUTH', status: 200 })]);
  });

  it('reads one parameter per value in a single batched request', async () => {
    // Prepare
    const callsBefore = ssm.calls.length;
    const tokens = providerReading(
      fromSsm({
        username: '/svc/orders/username',
        password: '/svc/orders/password',
        clientSecret: '/svc/orders/client-secret',
        clientConfig: ssmClientConfigFor(ssm.endpoint),
      }),
    );

    // Act
    await tokens.getIdToken();

    // Assert
    const calls = ssm.calls.slice(callsBefore);
    expect(calls).toHaveLength(1);
    expect([...(calls[0]?.names ?? [])].sort()).toEqual([
      '/svc/orders/client-secret',
      '/svc/orders/password',
      '/svc/orders/username',
    ]);
  });

  it('reads SSM once however many tokens are asked for while both are fresh', async () => {
    // Prepare
    const callsBefore = ssm.calls.length;
    const tokens = providerReading(
      fromSsm({ parameter: '/svc/orders/cognito', clientConfig: ssmClientConfigFor(ssm.endpoint) }),
    );

    // Act
    await Promise.all(Array.from({ length: 20 }, () => tokens.getIdToken()));
    await tokens.refresh();
    tokens.invalidate();
    await tokens.getIdToken();

    // Assert
    expect(ssm.calls.length - callsBefore).toBe(1);
    expect(stack.proxy.count('InitiateAuth', 'USER_PASSWORD_AUTH')).toBe(2);
  });

  it('picks up a password rotated in Cognito and SSM: the rejected sign-in re-reads SSM once', async () => {
    // Prepare
    const { seed } = stack;
    const callsBefore = ssm.calls.length;
    const source = fromSsm({ parameter: '/svc/orders/cognito', clientConfig: ssmClientConfigFor(ssm.endpoint) });
    const tokens = providerReading(source);
    await tokens.getIdToken();
    const rotated = `Rotated-${Date.now()}-aA1!`;
    await setPassword(rotated);
    ssm.put({
      name: '/svc/orders/cognito',
      type: 'SecureString',
      value: JSON.stringify({
        username: seed.user.email,
        password: rotated,
        clientSecret: seed.withSecret.clientSecret,
      }),
    });
    tokens.invalidate();

    // Act
    const idToken = await tokens.getIdToken();

    // Assert
    expect(decodeJwtClaims(idToken)['cognito:username']).toBe(seed.user.username);
    expect(ssm.calls.length - callsBefore).toBe(2);
    expect(stack.proxy.calls.map((call) => [call.authFlow, call.errorType])).toEqual([
      ['USER_PASSWORD_AUTH', undefined],
      ['USER_PASSWORD_AUTH', 'InvalidPasswordException'],
      ['USER_PASSWORD_AUTH', undefined],
    ]);
  });

  it('retries a throttled GetParameters (ThrottlingException) and succeeds', async () => {
    // Prepare
    ssm.setFaults([{ fault: 'throttle', times: 1 }]);
    const callsBefore = ssm.calls.length;
    const tokens = providerReading(
      fromSsm({ parameter: '/svc/orders/cognito', clientConfig: ssmClientConfigFor(ssm.endpoint) }),
    );

    // Act
    await tokens.getIdToken();

    // Assert
    expect(ssm.calls.slice(callsBefore).map((call) => call.errorType)).toEqual(['ThrottlingException', undefined]);
  });

  it('fails with ERR_CREDENTIALS naming a parameter SSM does not have (InvalidParameters)', async () => {
    // Prepare
    const tokens = providerReading(
      fromSsm({ parameter: '/svc/orders/missing', clientConfig: ssmClientConfigFor(ssm.endpoint) }),
    );

    // Act
    const error = await tokens.getIdToken().catch((caught: unknown) => caught);

    // Assert
    expect(error).toBeInstanceOf(CognitoTokenError);
    expect(error).toMatchObject({ code: 'ERR_CREDENTIALS', message: expect.stringContaining('/svc/orders/missing') });
    expect(stack.proxy.count()).toBe(0);
  });

  it('fails with ERR_CREDENTIALS, the AWS error as cause, when SSM refuses the signature', async () => {
    // Prepare
    const config = ssmClientConfigFor(ssm.endpoint);
    const tokens = providerReading(
      fromSsm({
        parameter: '/svc/orders/cognito',
        clientConfig: { ...config, credentials: { ...config.credentials, secretAccessKey: 'not-the-key' } },
      }),
    );

    // Act
    const error = await tokens.getIdToken().catch((caught: unknown) => caught);

    // Assert
    expect(error).toMatchObject({
      code: 'ERR_CREDENTIALS',
      cause: expect.objectContaining({ name: 'InvalidSignatureException' }),
    });
    expect(findLeaks([error], { secretAccessKey: 'not-the-key' })).toEqual([]);
  });

  it('shows no value read from SSM in the source, the provider, tokens or errors', async () => {
    // Prepare
    const { seed } = stack;
    const source = fromSsm({ parameter: '/svc/orders/cognito', clientConfig: ssmClientConfigFor(ssm.endpoint) });
    const tokens = providerReading(source);
    const result = await tokens.getTokens();
    const missing = await providerReading(
      fromSsm({ parameter: '/svc/orders/missing', clientConfig: ssmClientConfigFor(ssm.endpoint) }),
    )
      .getIdToken()
      .catch((caught: unknown) => caught);

    // Act
    const leaks = findLeaks([source, tokens, result, missing], {
      password: userPassword,
      clientSecret: seed.withSecret.clientSecret,
    });

    // Assert
    expect(leaks).toEqual([]);
  });
});

async function setPassword(password: string): Promise<void> {
  await setUserPassword(stack, password);
  userPassword = password;
}
