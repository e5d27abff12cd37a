import { inspect } from 'node:util';
import {
  AccessDeniedException,
  GetParametersCommand,
  InternalServerError,
  InvalidKeyId,
  type Parameter,
  ParameterVersionNotFound,
  SSMClient,
  ThrottlingException,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { type FromSsmOptions, fromSsm } from '../../src/ssm/index.js';
import {
  describeRefusedOptions,
  describeSourceCaching,
  expectNoSecretIn,
  expectSourceShowsNoValue,
  sentAbortSignal,
  settled,
} from '../helpers/credential-source.js';
import { failureOf, failureOfCall } from '../helpers/failure-of.js';
import { mockForFile, useFakeClock } from '../helpers/providers.js';

/**
 * A clientConfig that counts the SSM clients built from it: fromSsm spreads it into each client's config, and
 * a spread lists the object's keys once.
 */
function countingConfig(): { clientConfig: { region: string }; built: () => number } {
  let built = 0;
  const clientConfig = new Proxy(
    { region: 'eu-west-1' },
    {
      ownKeys(target) {
        built++;
        return Reflect.ownKeys(target);
      },
    },
  );
  return { clientConfig, built: () => built };
}

const ssm = mockForFile(mockClient(SSMClient));

const USERNAME = 'svc-orders-canary-user';
const PASSWORD = 'Canary-Pa55word-SSM-81';
const CLIENT_SECRET = 'canary-client-secret-SSM-42';
const NEW_PASSWORD = 'Rotated-Canary-Pa55word-93';
const SECRETS = [USERNAME, PASSWORD, CLIENT_SECRET, NEW_PASSWORD];

const NAMES = {
  username: '/svc/orders/cognito/username',
  password: '/svc/orders/cognito/password',
  clientSecret: '/svc/orders/cognito/client-secret',
} as const;
const JSON_NAME = '/svc/orders/cognito';
const config = { clientConfig: { region: 'eu-west-1' } } as const;

function parameter(Name: string, Value: string, extra: Partial<Parameter> = {}): Parameter {
  return {
    Name,
    Value,
    Type: 'SecureString',
    Version: 1,
    ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter${Name}`,
    ...extra,
  };
}

/** A GetParameters answer; deliberately not in request order, as SSM does not promise one. */
function named(values: { username?: string; password?: string; clientSecret?: string } = {}) {
  const { username = USERNAME, password = PASSWORD, clientSecret = CLIENT_SECRET } = values;
  return {
    Parameters: [
      parameter(NAMES.clientSecret, clientSecret),
      parameter(NAMES.password, password),
      parameter(NAMES.username, username, { Type: 'String' }),
    ],
    InvalidParameters: [],
  };
}

function json(value: string) {
  return { Parameters: [parameter(JSON_NAME, value)], InvalidParameters: [] };
}

useFakeClock();

describe('reading', () => {
  it('reads every named parameter in one GetParameters call, with decryption', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    const source = fromSsm({ ...NAMES, ...config });

    const credentials = await source();

    expect(credentials).toEqual({ username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET });
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, {
      Names: [NAMES.username, NAMES.password, NAMES.clientSecret],
      WithDecryption: true,
    });
    expect(ssm.calls()).toHaveLength(1);
  });

  it('asks only for the names given, so a machine-to-machine client can read its secret alone', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [parameter(NAMES.clientSecret, CLIENT_SECRET)] });
    const source = fromSsm({ clientSecret: NAMES.clientSecret, ...config });

    const credentials = await source();

    expect(credentials).toEqual({ clientSecret: CLIENT_SECRET });
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: [NAMES.clientSecret], WithDecryption: true });
  });

  it('reads the JSON layout from one parameter, with decryption', async () => {
    const value = JSON.stringify({ username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET, team: 'x' });
    ssm.on(GetParametersCommand).resolves(json(value));
    const source = fromSsm({ parameter: JSON_NAME, ...config });

    const credentials = await source();

    expect(credentials).toEqual({ username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET });
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: [JSON_NAME], WithDecryption: true });
  });

  it('treats null and absent JSON fields alike, leaving the check for required fields to the consumer', async () => {
    ssm.on(GetParametersCommand).resolves(json(JSON.stringify({ clientSecret: CLIENT_SECRET, username: null })));
    const source = fromSsm({ parameter: JSON_NAME, ...config });

    const credentials = await source();

    expect(credentials).toEqual({ clientSecret: CLIENT_SECRET });
  });

  it('matches parameters asked for with a version or label selector, or by ARN', async () => {
    const arn = 'arn:aws:ssm:eu-west-1:210987654321:parameter/shared/cognito/password';
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        parameter('/svc/orders/cognito/username', USERNAME, { Selector: ':live' }),
        parameter('/svc/orders/cognito/client-secret', CLIENT_SECRET, { Selector: ':3' }),
        parameter(arn, PASSWORD, { ARN: arn }),
      ],
    });
    const source = fromSsm({
      username: '/svc/orders/cognito/username:live',
      password: arn,
      clientSecret: '/svc/orders/cognito/client-secret:3',
      ...config,
    });

    const credentials = await source();

    expect(credentials).toEqual({ username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET });
  });

  it('hands out a frozen object, so no caller can change what the next one gets', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    const source = fromSsm({ ...NAMES, ...config });

    const credentials = await source();

    expect(Object.isFrozen(credentials)).toBe(true);
  });
});

describe('the SSM client', () => {
  it('is created on the first read, not at construction, and once per source however many reads', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    const { clientConfig, built } = countingConfig();
    const source = fromSsm({ ...NAMES, maxAgeSeconds: 0, clientConfig });
    expect(built()).toBe(0);

    await source();
    await source();
    await source({ forceRefresh: true });

    expect(built()).toBe(1);
    expect(ssm.send.thisValues).toHaveLength(3);
    expect(new Set(ssm.send.thisValues).size).toBe(1);
  });

  it('is one per source', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    const { clientConfig, built } = countingConfig();

    await fromSsm({ ...NAMES, clientConfig })();
    await fromSsm({ ...NAMES, clientConfig })();

    expect(built()).toBe(2);
    expect(new Set(ssm.send.thisValues).size).toBe(2);
  });

  it('makes one attempt per request by default, leaving back-off to fromSsm, and takes clientConfig', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    await fromSsm({ ...NAMES, clientConfig: { region: 'ap-southeast-2' } })();
    await fromSsm({ ...NAMES, clientConfig: { region: 'eu-west-1', maxAttempts: 4 } })();

    const [defaulted, configured] = ssm.send.thisValues as SSMClient[];

    expect(await defaulted?.config.maxAttempts()).toBe(1);
    expect(await defaulted?.config.region()).toBe('ap-southeast-2');
    expect(await configured?.config.maxAttempts()).toBe(4);
  });

  it('uses a client given as `client` as it is', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    const client = new SSMClient({ region: 'eu-west-1' });

    await fromSsm({ ...NAMES, client })();
    await fromSsm({ ...NAMES, client })();

    expect(ssm.send.thisValues).toEqual([client, client]);
  });
});

describe('caching', () => {
  describeSourceCaching({
    create: (options) => fromSsm({ ...NAMES, ...options, ...config }),
    answer: () => ssm.on(GetParametersCommand).resolves(named()),
    refuseOnce: () => ssm.on(GetParametersCommand).rejectsOnce(accessDenied()).resolves(named()),
    requests: () => ssm.commandCalls(GetParametersCommand).length,
    password: PASSWORD,
  });

  it('serves the new values once the cached read has expired', async () => {
    ssm
      .on(GetParametersCommand)
      .resolvesOnce(named())
      .resolves(named({ password: NEW_PASSWORD }));
    const source = fromSsm({ ...NAMES, maxAgeSeconds: 10, ...config });
    await source();

    vi.advanceTimersByTime(10_000);
    const credentials = await source();

    expect(credentials.password).toBe(NEW_PASSWORD);
  });

  it('shares one request among 1,000 concurrent first calls (single flight)', async () => {
    let release: (value: ReturnType<typeof named>) => void = () => undefined;
    ssm.on(GetParametersCommand).callsFake(
      () =>
        new Promise((resolve) => {
          release = resolve;
        }),
    );
    const source = fromSsm({ ...NAMES, ...config });

    const calls = Array.from({ length: 1_000 }, () => source());
    await vi.advanceTimersByTimeAsync(0);
    release(named());
    const results = await Promise.all(calls);

    // The measured figure the README quotes: SSM requests made for 1,000 concurrent first calls.
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
    expect(results[999]).toEqual({ username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET });
  });
});

describe('forceRefresh', () => {
  it('bypasses a fresh cache and keeps the new values for later calls', async () => {
    ssm
      .on(GetParametersCommand)
      .resolvesOnce(named())
      .resolves(named({ password: NEW_PASSWORD }));
    const source = fromSsm({ ...NAMES, ...config });
    await source();

    const forced = await source({ forceRefresh: true });
    const later = await source();

    expect(forced.password).toBe(NEW_PASSWORD);
    expect(later).toBe(forced);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('restarts maxAge from the forced read', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    const source = fromSsm({ ...NAMES, maxAgeSeconds: 60, ...config });
    await source();
    vi.advanceTimersByTime(50_000);

    await source({ forceRefresh: true });
    vi.advanceTimersByTime(50_000);
    await source();

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('shares a forced read already in flight', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    const source = fromSsm({ ...NAMES, ...config });
    await source();

    await Promise.all([source({ forceRefresh: true }), source({ forceRefresh: true }), source()]);

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 2);
  });

  it('is ignored unless it is exactly true', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    const source = fromSsm({ ...NAMES, ...config });
    await source();

    await source({ forceRefresh: false });
    await source({});

    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
  });
});

function accessDenied(
  message = 'User: arn:aws:sts::123456789012:assumed-role/orders/fn is not authorized to perform: ' +
    'ssm:GetParameters on resource: arn:aws:ssm:eu-west-1:123456789012:parameter/svc/orders/cognito/password',
) {
  return new AccessDeniedException({ message, Message: message, $metadata: { httpStatusCode: 400 } });
}

function throttling() {
  return new ThrottlingException({
    message: 'Rate exceeded',
    Message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });
}

describe('failures', () => {
  it('names each parameter SSM does not have (InvalidParameters)', async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [parameter(NAMES.username, USERNAME)],
      InvalidParameters: [NAMES.password, NAMES.clientSecret],
    });
    const source = fromSsm({ ...NAMES, ...config });

    const error = await failureOf(source());
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toBe(
      `Could not read SSM parameters "${NAMES.password}", "${NAMES.clientSecret}": not found (InvalidParameters); ` +
        'check the name and the Region',
    );
    expect(error.message).not.toContain(NAMES.username);
  });

  it('names a single missing JSON parameter', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: [JSON_NAME] });

    const error = await failureOf(fromSsm({ parameter: JSON_NAME, ...config })());
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain(`Could not read SSM parameter "${JSON_NAME}": not found (InvalidParameters)`);
  });

  it.each([
    ['AccessDeniedException', () => accessDenied()],
    ['InvalidKeyId', () => new InvalidKeyId({ message: 'The key is not valid', $metadata: { httpStatusCode: 400 } })],
    [
      'AccessDeniedException',
      () => accessDenied('User is not authorized to perform kms:Decrypt (Service: AWSKMS; Status Code: 400)'),
    ],
    [
      'ParameterVersionNotFound',
      () =>
        new ParameterVersionNotFound({
          message: 'Systems Manager could not find version 7 of /svc/orders/cognito/password',
          $metadata: { httpStatusCode: 400 },
        }),
    ],
  ])('gives the parameter names and the AWS error name %s, with the SDK error as cause', async (name, make) => {
    const sdkError = make();
    ssm.on(GetParametersCommand).rejects(sdkError);
    const source = fromSsm({ ...NAMES, ...config });

    const error = await failureOf(source());
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.cause).toMatchObject({ name: sdkError.name, $metadata: sdkError.$metadata });
    expect(error.message).toContain(
      `Could not read SSM parameters "${NAMES.username}", "${NAMES.password}", "${NAMES.clientSecret}" (${name}`,
    );
    expect(error.message).toContain('ssm:GetParameters');
    expect(error.message).toContain('kms:Decrypt');
    // A refusal is final: retrying cannot change a permission.
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
  });

  it('says no AWS credentials were found, and where the SDK looks, rather than IAM advice, without any', async () => {
    const message = 'Could not load credentials from any providers';
    ssm.on(GetParametersCommand).rejects(Object.assign(new Error(message), { name: 'CredentialsProviderError' }));

    const error = await failureOf(fromSsm({ parameter: JSON_NAME, ...config })());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain(
      `Could not read SSM parameter "${JSON_NAME}" (CredentialsProviderError: ${message}): GetParameters is signed ` +
        'with AWS credentials, and no AWS credentials were found',
    );
    expect(error.message).toMatch(/AWS_ACCESS_KEY_ID.*AWS_PROFILE.*~\/\.aws.*instance role/);
    expect(error.message).not.toContain('ssm:GetParameters');
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 1);
  });

  it('fails when SSM answers without a value for a name it did not report invalid', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [parameter(NAMES.password, PASSWORD)] });

    const error = await failureOf(fromSsm({ password: NAMES.password, username: NAMES.username, ...config })());
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain(`Could not read SSM parameter "${NAMES.username}": not found`);
  });

  it.each([
    ['not JSON, quoting neither it nor the parse error', `{"username": "${USERNAME}", "password": ${PASSWORD}}`],
    ['an array', JSON.stringify([USERNAME, PASSWORD])],
    ['a string', JSON.stringify(PASSWORD)],
    ['null', 'null'],
    ['an object with none of the fields', JSON.stringify({ user: USERNAME, pass: PASSWORD })],
    ['an object with no field a string', JSON.stringify({ username: [USERNAME], password: 12345678 })],
  ])('fails on a JSON parameter holding %s, naming the parameter', async (_kind, value) => {
    ssm.on(GetParametersCommand).resolves(json(value));

    const error = await failureOf(fromSsm({ parameter: JSON_NAME, ...config })());
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toBe(
      `SSM parameter "${JSON_NAME}" must hold a JSON object with "username", "password", "clientSecret" or "totpSecret"`,
    );
    // A SyntaxError quotes the text it choked on, which here is the secret.
    expect(error.cause).toBeUndefined();
  });

  it('leaves out JSON fields that are not strings, so the provider using them names what is missing', async () => {
    ssm.on(GetParametersCommand).resolves(json(JSON.stringify({ username: USERNAME, password: 12345678 })));

    const credentials = await fromSsm({ parameter: JSON_NAME, ...config })();

    expect(credentials).toEqual({ username: USERNAME });
  });
});

describe('throttling and outages', () => {
  it('retries ThrottlingException with back-off, then succeeds', async () => {
    ssm.on(GetParametersCommand).rejectsOnce(throttling()).rejectsOnce(throttling()).resolves(named());
    const source = fromSsm({ ...NAMES, ...config });
    const started = Date.now();

    const credentials = await settled(source());

    expect(credentials.password).toBe(PASSWORD);
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 3);
    // Equal-jitter back-off of 200 then 400 ms: at least half of each was waited.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('gives up on throttling after 5 attempts within the 10 s bound, as ERR_CREDENTIALS with the cause', async () => {
    const last = throttling();
    ssm.on(GetParametersCommand).rejects(throttling()).rejects(last);
    const source = fromSsm({ ...NAMES, ...config });
    const started = Date.now();

    const error = await failureOf(settled(source()));
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.cause).toBeInstanceOf(ThrottlingException);
    expect(error.message).toBe(
      `Could not read SSM parameters "${NAMES.username}", "${NAMES.password}", "${NAMES.clientSecret}" ` +
        '(ThrottlingException: Rate exceeded): SSM GetParameters was throttled (ThrottlingException); gave up ' +
        'after 5 attempt(s)',
    );
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 5);
    expect(Date.now() - started).toBeLessThanOrEqual(10_000);
  });

  it('retries a 5xx and reports an outage that outlasts the retries as ERR_CREDENTIALS', async () => {
    const outage = new InternalServerError({ message: 'Internal failure', $metadata: { httpStatusCode: 500 } });
    ssm.on(GetParametersCommand).rejects(outage);

    const error = await failureOf(settled(fromSsm({ parameter: JSON_NAME, ...config })()));
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.cause).toMatchObject({ name: outage.name, $metadata: { httpStatusCode: 500 } });
    expect(error.message).toBe(
      `Could not read SSM parameter "${JSON_NAME}" (InternalServerError: Internal failure): SSM GetParameters ` +
        'failed (InternalServerError); gave up after 5 attempt(s)',
    );
  });

  it('retries a network failure and names it when it outlasts the retries', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
    ssm.on(GetParametersCommand).rejects(refused);

    const error = await failureOf(settled(fromSsm({ parameter: JSON_NAME, ...config })()));
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.cause).toMatchObject({ name: 'Error', code: 'ECONNREFUSED', message: refused.message });
    expect(error.message).toContain('(Error: connect ECONNREFUSED 127.0.0.1:443): SSM GetParameters failed');
    expect(ssm).toHaveReceivedCommandTimes(GetParametersCommand, 5);
  });

  it('abandons a request that hangs after 10 s, aborting it', async () => {
    ssm.on(GetParametersCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();

    const error = await failureOf(settled(fromSsm({ parameter: JSON_NAME, ...config })()));
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('gave up after the 10000 ms timeout ran out');
    expect(sentAbortSignal(ssm, 0).aborted).toBe(true);
    expect(Date.now() - started).toBe(10_000);
  });
});

describe('options', () => {
  describeRefusedOptions({
    create: (options) => fromSsm(options as FromSsmOptions),
    required: { parameter: '/a' },
    clientType: 'an SSMClient',
    client: new SSMClient({ region: 'eu-west-1' }),
    ownRefusals: [
      ['parameter', 'or "username", "password", "clientSecret" or "totpSecret" is required', undefined],
      ['parameter', 'or "username", "password", "clientSecret" or "totpSecret" is required', 'svc/orders'],
      ['parameter', 'or "username", "password", "clientSecret" or "totpSecret" is required', {}],
      ['parameter', 'or "username", "password", "clientSecret" or "totpSecret" is required', { maxAgeSeconds: 5 }],
      ['parameter', 'not both', { parameter: '/a', ...NAMES }],
      ['parameter', 'must be an SSM parameter name', { parameter: '' }],
      ['password', 'must be an SSM parameter name', { password: 42 }],
      ['password', 'must be an SSM parameter name', { password: '/svc/pass word' }],
      ['password', 'must be an SSM parameter name', { password: '/svc/password\n' }],
      ['clientSecret', 'must be an SSM parameter name', { username: '/a', clientSecret: `/${'a'.repeat(2048)}` }],
      ['maxAgeSeconds', 'must be a non-negative number', { parameter: '/a', maxAgeSeconds: Number.POSITIVE_INFINITY }],
    ],
    requests: () => ssm.calls().length,
  });

  it.each([
    'cognito-password',
    '/svc/orders/cognito/password',
    '/svc/orders/cognito/password:3',
    'arn:aws:ssm:eu-west-1:123456789012:parameter/svc/orders/cognito/password',
    `/${'a'.repeat(2047)}`,
  ])('accepts the parameter name %s, leaving finer checks to SSM', (name) => {
    expect(typeof fromSsm({ password: name })).toBe('function');
  });

  it('accepts maxAgeSeconds 0', () => {
    expect(typeof fromSsm({ parameter: '/a', maxAgeSeconds: 0 })).toBe('function');
  });

  it('never quotes a rejected name, which may be a value pasted in by mistake', () => {
    const thrown = failureOfCall(() => fromSsm({ password: `${PASSWORD} !` }), 'ERR_CONFIGURATION');

    expect(thrown.message).toMatch(/^"password" must be an SSM parameter name/);
    expect(`${inspect(thrown, { showHidden: true })}${JSON.stringify(thrown)}`).not.toContain(PASSWORD);
  });
});

describe('leak scan', () => {
  it('shows no value when the source is logged, inspected or serialised, before or after a read', async () => {
    ssm.on(GetParametersCommand).resolves(named());
    const source = fromSsm({ ...NAMES, ...config });

    await expectSourceShowsNoValue(source, SECRETS);
  });
});

describe('the TOTP secret', () => {
  it('is read from its own parameter, with the others in one request, and from a JSON parameter', async () => {
    const totpName = '/svc/orders/cognito/totp-secret';
    ssm.on(GetParametersCommand).resolves({
      Parameters: [...named().Parameters, parameter(totpName, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')],
      InvalidParameters: [],
    });

    const named_ = await fromSsm({ ...NAMES, totpSecret: totpName, ...config })();
    ssm
      .on(GetParametersCommand)
      .resolves(
        json(
          JSON.stringify({ username: USERNAME, password: PASSWORD, totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }),
        ),
      );
    const fromJson = await fromSsm({ parameter: JSON_NAME, ...config })();

    expect(named_).toMatchObject({ totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
    expect(ssm.send.getCall(0).args[0].input).toMatchObject({ Names: expect.arrayContaining([totpName]) });
    expect(fromJson).toMatchObject({ totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' });
  });
});

describe('a remembered device in the JSON layout', () => {
  const DEVICE = {
    deviceKey: 'eu-west-1_6b1e2f0a-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
    deviceGroupKey: '-GroupKey42',
    devicePassword: 'device-password-canary-SSM-77',
  };

  it('reads deviceKey, deviceGroupKey and devicePassword into credentials.device', async () => {
    ssm.on(GetParametersCommand).resolves(json(JSON.stringify({ username: USERNAME, password: PASSWORD, ...DEVICE })));

    const credentials = await fromSsm({ parameter: JSON_NAME, ...config })();

    expect(credentials).toEqual({
      username: USERNAME,
      password: PASSWORD,
      device: { key: DEVICE.deviceKey, groupKey: DEVICE.deviceGroupKey, password: DEVICE.devicePassword },
    });
  });

  it('takes null device fields as none', async () => {
    ssm
      .on(GetParametersCommand)
      .resolves(
        json(JSON.stringify({ username: USERNAME, password: PASSWORD, deviceKey: null, devicePassword: null })),
      );

    const credentials = await fromSsm({ parameter: JSON_NAME, ...config })();

    expect(credentials).toEqual({ username: USERNAME, password: PASSWORD });
  });

  it.each([
    ['deviceGroupKey', { deviceKey: DEVICE.deviceKey, devicePassword: DEVICE.devicePassword }, 'lacks'],
    ['devicePassword', { deviceKey: DEVICE.deviceKey, deviceGroupKey: DEVICE.deviceGroupKey }, 'lacks'],
    ['deviceGroupKey', { ...DEVICE, deviceGroupKey: null }, 'lacks'],
    ['deviceKey', { deviceKey: '', devicePassword: DEVICE.devicePassword }, 'has an unusable'],
    ['deviceKey', { ...DEVICE, deviceKey: 42 }, 'has an unusable'],
    ['devicePassword', { ...DEVICE, devicePassword: '' }, 'has an unusable'],
  ])(
    'is ERR_CREDENTIALS naming the parameter and "%s" for a device that is not all three',
    async (field, device, verb) => {
      ssm
        .on(GetParametersCommand)
        .resolves(json(JSON.stringify({ username: USERNAME, password: PASSWORD, ...device })));

      const error = await failureOf(fromSsm({ parameter: JSON_NAME, ...config })());

      expect(error.code).toBe('ERR_CREDENTIALS');
      expect(error.message).toContain(`SSM parameter "${JSON_NAME}" ${verb} "${field}"`);
      for (const secret of [...SECRETS, DEVICE.deviceKey, DEVICE.devicePassword, DEVICE.deviceGroupKey]) {
        expect(inspect(error, { showHidden: true, depth: Number.POSITIVE_INFINITY })).not.toContain(secret);
      }
    },
  );
});
