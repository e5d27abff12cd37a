import {
  DecryptionFailure,
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  InternalServiceError,
  InvalidRequestException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { type FromSecretsManagerOptions, fromSecretsManager } from '../../src/secrets-manager/index.js';
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

const secretsManager = mockForFile(mockClient(SecretsManagerClient));

const SECRET_ID = 'svc/orders/cognito';
const USERNAME = 'svc-orders-canary-user';
const PASSWORD = 'Canary-Pa55word-SM-81';
const CLIENT_SECRET = 'canary-client-secret-SM-42';
const NEW_PASSWORD = 'Rotated-Canary-Pa55word-93';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const DEVICE = { key: 'eu-west-1_canary-device-key-77', groupKey: 'canary-group-key-58', password: 'canary-dev-pw-64' };
const SECRETS = [USERNAME, PASSWORD, CLIENT_SECRET, NEW_PASSWORD, TOTP_SECRET, DEVICE.key, DEVICE.password];
const config = { clientConfig: { region: 'eu-west-1' } } as const;

/** A GetSecretValue answer holding `value` (JSON.stringified unless it is text already). */
function secret(value: unknown, versionId = 'v-1', stages = ['AWSCURRENT']): GetSecretValueCommandOutput {
  return {
    ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${SECRET_ID}-AbCdEf`,
    Name: SECRET_ID,
    VersionId: versionId,
    SecretString: typeof value === 'string' ? value : JSON.stringify(value),
    VersionStages: stages,
    $metadata: {},
  };
}

const user = (password = PASSWORD, extra: Record<string, unknown> = {}) => ({ username: USERNAME, password, ...extra });

function awsError(name: string, message: string, status = 400): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

const notFound = (message = "Secrets Manager can't find the specified secret.") =>
  new ResourceNotFoundException({ message, Message: message, $metadata: { httpStatusCode: 400 } });

/** The VersionStage of each GetSecretValue sent, in order. */
const stagesRead = () =>
  secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.VersionStage);

/** A GetSecretValue answer that waits for the test to release it. */
function heldAnswers() {
  const releases: ((output: GetSecretValueCommandOutput) => void)[] = [];
  secretsManager.on(GetSecretValueCommand).callsFake(
    () =>
      new Promise((resolve) => {
        releases.push(resolve);
      }),
  );
  return { release: (output: GetSecretValueCommandOutput) => releases.shift()?.(output) };
}

useFakeClock();

describe('reading', () => {
  it('reads AWSCURRENT with one GetSecretValue and returns the user credentials, frozen', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret(user(PASSWORD, { clientSecret: CLIENT_SECRET })));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });

    const credentials = await source();

    expect(credentials).toEqual({ username: USERNAME, password: PASSWORD, clientSecret: CLIENT_SECRET });
    expect(Object.isFrozen(credentials)).toBe(true);
    expect(secretsManager.calls()).toHaveLength(1);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: SECRET_ID,
      VersionStage: 'AWSCURRENT',
    });
  });

  it('reads the staging label given as versionStage', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret(user()));

    await fromSecretsManager({ secretId: SECRET_ID, versionStage: 'LIVE', ...config })();

    expect(stagesRead()).toEqual(['LIVE']);
  });

  it('maps the device fields to credentials.device, and keeps the TOTP secret', async () => {
    const value = user(PASSWORD, {
      totpSecret: TOTP_SECRET,
      deviceKey: DEVICE.key,
      deviceGroupKey: DEVICE.groupKey,
      devicePassword: DEVICE.password,
    });
    secretsManager.on(GetSecretValueCommand).resolves(secret(value));

    const credentials = await fromSecretsManager({ secretId: SECRET_ID, ...config })();

    expect(credentials).toEqual({ username: USERNAME, password: PASSWORD, totpSecret: TOTP_SECRET, device: DEVICE });
    expect(Object.isFrozen((credentials as { device?: object }).device)).toBe(true);
  });

  it('returns the client secret alone for a machine-to-machine secret', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret({ clientSecret: CLIENT_SECRET }));

    const credentials = await fromSecretsManager({ secretId: SECRET_ID, ...config })();

    expect(credentials).toEqual({ clientSecret: CLIENT_SECRET });
  });

  it('treats null fields as absent and ignores fields it does not know', async () => {
    const value = { ...user(), clientSecret: null, deviceKey: null, engine: 'cognito', port: 443 };
    secretsManager.on(GetSecretValueCommand).resolves(secret(value));

    const credentials = await fromSecretsManager({ secretId: SECRET_ID, ...config })();

    expect(credentials).toEqual({ username: USERNAME, password: PASSWORD });
  });
});

describe('the Secrets Manager client', () => {
  it('is created on the first read, once per source, with one attempt per request and the clientConfig', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret(user()));
    const source = fromSecretsManager({
      secretId: SECRET_ID,
      maxAgeSeconds: 0,
      clientConfig: { region: 'ap-southeast-2' },
    });
    expect(secretsManager.send.thisValues).toHaveLength(0);

    await source();
    await source();
    await source({ forceRefresh: true });

    const clients = new Set(secretsManager.send.thisValues as SecretsManagerClient[]);
    expect(clients.size).toBe(1);
    const [client] = clients;
    expect(await client?.config.maxAttempts()).toBe(1);
    expect(await client?.config.region()).toBe('ap-southeast-2');
  });

  it('keeps an explicit maxAttempts, and uses a client given as `client` as it is', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret(user()));
    const client = new SecretsManagerClient({ region: 'eu-west-1' });

    await fromSecretsManager({ secretId: SECRET_ID, clientConfig: { region: 'eu-west-1', maxAttempts: 4 } })();
    await fromSecretsManager({ secretId: SECRET_ID, client })();

    const [configured, given] = secretsManager.send.thisValues as SecretsManagerClient[];
    expect(await configured?.config.maxAttempts()).toBe(4);
    expect(given).toBe(client);
  });
});

describe('caching', () => {
  describeSourceCaching({
    create: (options) => fromSecretsManager({ secretId: SECRET_ID, ...options, ...config }),
    answer: () => secretsManager.on(GetSecretValueCommand).resolves(secret(user())),
    refuseOnce: () =>
      secretsManager
        .on(GetSecretValueCommand)
        .rejectsOnce(awsError('AccessDeniedException', 'denied'))
        .resolves(secret(user())),
    requests: () => secretsManager.commandCalls(GetSecretValueCommand).length,
    password: PASSWORD,
  });

  it('shares one request among 1,000 concurrent first calls (single flight)', async () => {
    const answers = heldAnswers();
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });

    const calls = Array.from({ length: 1_000 }, () => source({ signal: new AbortController().signal }));
    await vi.advanceTimersByTimeAsync(0);
    answers.release(secret(user()));
    const results = await Promise.all(calls);

    // The measured figure the guide quotes: GetSecretValue requests made for 1,000 concurrent first calls.
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
    expect(results[999]).toEqual({ username: USERNAME, password: PASSWORD });
  });
});

describe('forceRefresh: the rotation after a rejected sign-in', () => {
  /** AWSCURRENT answers `current` (after the first read), AWSPENDING answers `pending` or is missing. */
  function stages(first: unknown, current: unknown, pending?: unknown) {
    secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolvesOnce(secret(first, 'v-1'))
      .resolves(secret(current, current === first ? 'v-1' : 'v-2'));
    const pendingAnswer = secretsManager.on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' });
    if (pending === undefined) {
      pendingAnswer.rejects(
        notFound("Secrets Manager can't find the specified secret value for staging label: AWSPENDING"),
      );
    } else {
      pendingAnswer.resolves(secret(pending, 'v-2', ['AWSPENDING']));
    }
  }

  it('takes a changed AWSCURRENT with one request, without asking for AWSPENDING', async () => {
    stages(user(), user(NEW_PASSWORD), user('never-read-pending-pw'));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    const forced = await source({ forceRefresh: true });

    expect(forced.password).toBe(NEW_PASSWORD);
    expect(stagesRead()).toEqual(['AWSCURRENT', 'AWSCURRENT']);
  });

  it('tries AWSPENDING when AWSCURRENT still holds the rejected credentials, and keeps it for later calls', async () => {
    stages(user(), user(), user(NEW_PASSWORD));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    const forced = await source({ forceRefresh: true });
    const later = await source();

    expect(forced).toEqual({ username: USERNAME, password: NEW_PASSWORD });
    expect(later).toBe(forced);
    expect(stagesRead()).toEqual(['AWSCURRENT', 'AWSCURRENT', 'AWSPENDING']);
  });

  it('answers the same credentials, without failing, when no AWSPENDING exists', async () => {
    stages(user(), user());
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    const forced = await source({ forceRefresh: true });

    expect(forced).toEqual({ username: USERNAME, password: PASSWORD });
    expect(stagesRead()).toEqual(['AWSCURRENT', 'AWSCURRENT', 'AWSPENDING']);
  });

  it('keeps AWSCURRENT when AWSPENDING holds the same credentials', async () => {
    stages(user(), user(), user());
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    const forced = await source({ forceRefresh: true });

    expect(forced.password).toBe(PASSWORD);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  it('goes back to AWSCURRENT with one request when the AWSPENDING credentials were rejected in turn', async () => {
    stages(user(), user(), user(NEW_PASSWORD));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();
    await source({ forceRefresh: true });

    const again = await source({ forceRefresh: true });

    expect(again.password).toBe(PASSWORD);
    expect(stagesRead()).toEqual(['AWSCURRENT', 'AWSCURRENT', 'AWSPENDING', 'AWSCURRENT']);
  });

  it('compares credentials, not versions: a new AWSCURRENT version with the same password still tries AWSPENDING', async () => {
    secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolvesOnce(secret(user(), 'v-1'))
      .resolves(secret(JSON.stringify(user(), null, 2), 'v-2'))
      .on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' })
      .resolves(secret(user(NEW_PASSWORD), 'v-3', ['AWSPENDING']));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    const forced = await source({ forceRefresh: true });

    expect(forced.password).toBe(NEW_PASSWORD);
  });

  it('re-reads only the label given as versionStage, never AWSPENDING', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret(user()));
    const source = fromSecretsManager({ secretId: SECRET_ID, versionStage: 'LIVE', ...config });
    await source();

    await source({ forceRefresh: true });

    expect(stagesRead()).toEqual(['LIVE', 'LIVE']);
  });

  it('reads AWSCURRENT alone when nothing was read before', async () => {
    stages(user(), user(), user(NEW_PASSWORD));

    const forced = await fromSecretsManager({ secretId: SECRET_ID, ...config })({ forceRefresh: true });

    expect(forced.password).toBe(PASSWORD);
    expect(stagesRead()).toEqual(['AWSCURRENT']);
  });

  it('shares a forced read already in flight', async () => {
    stages(user(), user(), user(NEW_PASSWORD));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    const results = await Promise.all([source({ forceRefresh: true }), source({ forceRefresh: true }), source()]);

    expect(new Set(results).size).toBe(1);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  it('fails naming the AWSPENDING version when reading it fails otherwise than by its absence', async () => {
    secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves(secret(user()))
      .on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' })
      .rejects(awsError('AccessDeniedException', 'not authorized to perform: secretsmanager:GetSecretValue'));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    const error = await failureOf(source({ forceRefresh: true }));

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain(`Could not read the AWSPENDING version of Secrets Manager secret "${SECRET_ID}"`);
    expect(error.message).toContain('secretsmanager:GetSecretValue');
  });

  it('fails naming the field when the AWSPENDING version is incomplete', async () => {
    stages(user(), user(), { username: USERNAME });
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    const error = await failureOf(source({ forceRefresh: true }));

    expect(error.message).toBe(
      `the AWSPENDING version of Secrets Manager secret "${SECRET_ID}" lacks "password": a user's credentials need both`,
    );
  });

  it('is ignored unless it is exactly true', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret(user()));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    await source({ forceRefresh: false });
    await source({});

    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });
});

describe('failures', () => {
  it('names the secret and "secretId" when the secret does not exist, without retrying', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(notFound());

    const error = await failureOf(fromSecretsManager({ secretId: 'svc/missing', ...config })());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toBe(
      `Could not read Secrets Manager secret "svc/missing" (ResourceNotFoundException: Secrets Manager can't find ` +
        'the specified secret.): check "secretId" (the name or ARN of the secret), "versionStage" and the Region',
    );
    expect(error.cause).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('names the staging label when a versionStage other than AWSCURRENT is missing', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(notFound('No version with staging label LIVE'));

    const error = await failureOf(fromSecretsManager({ secretId: SECRET_ID, versionStage: 'LIVE', ...config })());

    expect(error.message).toContain(`Could not read the LIVE version of Secrets Manager secret "${SECRET_ID}"`);
  });

  it('names secretsmanager:GetSecretValue and kms:Decrypt when access is denied, without retrying', async () => {
    const message =
      'User: arn:aws:sts::123456789012:assumed-role/orders/fn is not authorized to perform: ' +
      'secretsmanager:GetSecretValue on resource: svc/orders/cognito because no identity-based policy allows it';
    secretsManager.on(GetSecretValueCommand).rejects(awsError('AccessDeniedException', message));

    const error = await failureOf(fromSecretsManager({ secretId: SECRET_ID, ...config })());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toBe(
      `Could not read Secrets Manager secret "${SECRET_ID}" (AccessDeniedException: ${message}): check that this ` +
        'role may call secretsmanager:GetSecretValue on the secret, and kms:Decrypt on its key when the secret is ' +
        'encrypted with a customer-managed KMS key',
    );
    expect(error.cause).toMatchObject({ name: 'AccessDeniedException' });
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('says no AWS credentials were found, and where the SDK looks, rather than IAM advice, without any', async () => {
    const message = 'Could not load credentials from any providers';
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error(message), { name: 'CredentialsProviderError' }));

    const error = await failureOf(fromSecretsManager({ secretId: SECRET_ID, ...config })());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain(
      `Could not read Secrets Manager secret "${SECRET_ID}" (CredentialsProviderError: ${message}): GetSecretValue ` +
        'is signed with AWS credentials, and no AWS credentials were found',
    );
    expect(error.message).toMatch(/AWS_ACCESS_KEY_ID.*AWS_PROFILE.*~\/\.aws.*instance role/);
    expect(error.message).not.toContain('secretsmanager:GetSecretValue');
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it.each([
    ['AccessDeniedException', () => awsError('AccessDeniedException', 'Access to KMS is not allowed')],
    [
      'DecryptionFailure',
      () =>
        new DecryptionFailure({
          message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
          $metadata: { httpStatusCode: 400 },
        }),
    ],
  ])('says the KMS key refused (%s), naming kms:Decrypt first', async (name, make) => {
    secretsManager.on(GetSecretValueCommand).rejects(make());

    const error = await failureOf(fromSecretsManager({ secretId: SECRET_ID, ...config })());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain(`(${name}: `);
    expect(error.message).toContain(
      "the secret's KMS key refused to decrypt it: for a customer-managed key, this role needs kms:Decrypt on the key",
    );
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('quotes other refusals, such as a secret marked for deletion', async () => {
    const message = "You can't perform this operation on the secret because it was marked for deletion.";
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(new InvalidRequestException({ message, Message: message, $metadata: { httpStatusCode: 400 } }));

    const error = await failureOf(fromSecretsManager({ secretId: SECRET_ID, ...config })());

    expect(error.message).toContain(`(InvalidRequestException: ${message})`);
  });

  it.each<[string, GetSecretValueCommandOutput, string]>([
    [
      'a binary secret',
      { SecretBinary: new TextEncoder().encode(JSON.stringify(user())), $metadata: {} },
      `Secrets Manager secret "${SECRET_ID}" has no SecretString (it holds SecretBinary only): store the ` +
        'credentials as JSON text, {"username": …, "password": …}',
    ],
    [
      'text that is not JSON, quoting neither it nor the parse error',
      secret(`{"username": "${USERNAME}", "password": ${PASSWORD}}`),
      `Secrets Manager secret "${SECRET_ID}" does not hold JSON in its SecretString: store {"username": …, "password": …}`,
    ],
    [
      'an array',
      secret([USERNAME, PASSWORD]),
      `Secrets Manager secret "${SECRET_ID}" must hold a JSON object in its SecretString, such as {"username": …, "password": …}`,
    ],
    [
      'a JSON string',
      secret(JSON.stringify(PASSWORD)),
      `Secrets Manager secret "${SECRET_ID}" must hold a JSON object in its SecretString, such as {"username": …, "password": …}`,
    ],
    [
      'no credential field',
      secret({ user: USERNAME, pass: PASSWORD }),
      `Secrets Manager secret "${SECRET_ID}" lacks "username" and "password" (a user's credentials), or ` +
        `"clientSecret" (an app client's, for machine-to-machine tokens)`,
    ],
    [
      'a username without a password',
      secret({ username: USERNAME, clientSecret: CLIENT_SECRET }),
      `Secrets Manager secret "${SECRET_ID}" lacks "password": a user's credentials need both`,
    ],
    [
      'a password without a username',
      secret({ password: PASSWORD }),
      `Secrets Manager secret "${SECRET_ID}" lacks "username": a user's credentials need both`,
    ],
    [
      'a password that is not a string',
      secret({ username: USERNAME, password: 12345678 }),
      `"password" in Secrets Manager secret "${SECRET_ID}" must be a non-empty string`,
    ],
    [
      'an empty client secret',
      secret({ ...user(), clientSecret: '' }),
      `"clientSecret" in Secrets Manager secret "${SECRET_ID}" must be a non-empty string`,
    ],
    [
      'part of a device',
      secret(user(PASSWORD, { deviceKey: DEVICE.key })),
      `Secrets Manager secret "${SECRET_ID}" lacks "deviceGroupKey" and "devicePassword": a remembered device needs ` +
        '"deviceKey", "deviceGroupKey" and "devicePassword" together',
    ],
    [
      'a device without a user',
      secret({
        clientSecret: CLIENT_SECRET,
        deviceKey: DEVICE.key,
        deviceGroupKey: DEVICE.groupKey,
        devicePassword: DEVICE.password,
      }),
      `Secrets Manager secret "${SECRET_ID}" lacks "username" and "password", which a TOTP secret or a device goes with`,
    ],
  ])('fails on %s, naming what is missing', async (_kind, output, message) => {
    secretsManager.on(GetSecretValueCommand).resolves(output);

    const error = await failureOf(fromSecretsManager({ secretId: SECRET_ID, ...config })());
    expectNoSecretIn(error, SECRETS);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toBe(message);
    // A SyntaxError quotes the text it choked on, which here is the secret.
    expect(error.cause).toBeUndefined();
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('cuts values it has read out of what a hostile endpoint echoes back on a later read', async () => {
    const echoed =
      `denied; you had ${PASSWORD} and ${JSON.stringify(`"${PASSWORD}"`)} and ` +
      `${encodeURIComponent(USERNAME)} and ${DEVICE.password}`;
    const hostile = Object.assign(awsError('AccessDeniedException', echoed), {
      SecretString: JSON.stringify(user()),
      detail: { password: PASSWORD },
    });
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce(
        secret(
          user(PASSWORD, {
            deviceKey: DEVICE.key,
            deviceGroupKey: DEVICE.groupKey,
            devicePassword: DEVICE.password,
          }),
        ),
      )
      .rejects(hostile);
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    await source();

    const error = await failureOf(source({ forceRefresh: true }));

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('[redacted]');
    expectNoSecretIn(error, SECRETS);
  });

  it('withholds a message quoting JSON, an echo of the request or of the secret itself, even on the first read', async () => {
    const echo = `{"SecretId":"${SECRET_ID}"} ${JSON.stringify(user())} ${JSON.stringify(JSON.stringify(user()))}`;
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(Object.assign(awsError('ValidationException', echo), { SecretString: JSON.stringify(user()) }));

    const error = await failureOf(fromSecretsManager({ secretId: SECRET_ID, ...config })());

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain(
      '(ValidationException: message withheld: it quotes JSON, as an answer echoing a request or a secret would)',
    );
    expect(error.cause).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expectNoSecretIn(error, SECRETS);
  });
});

describe('throttling and outages', () => {
  it('retries ThrottlingException with back-off, then succeeds', async () => {
    const throttled = () => awsError('ThrottlingException', 'Rate exceeded');
    secretsManager.on(GetSecretValueCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves(secret(user()));
    const started = Date.now();

    const credentials = await settled(fromSecretsManager({ secretId: SECRET_ID, ...config })());

    expect(credentials.password).toBe(PASSWORD);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
    // Equal-jitter back-off of 200 then 400 ms: at least half of each was waited, whatever the draws.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('gives up on throttling after 5 attempts within 10 s, as ERR_CREDENTIALS with the cause', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    const started = Date.now();

    const error = await failureOf(settled(fromSecretsManager({ secretId: SECRET_ID, ...config })()));

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.cause).toMatchObject({ name: 'ThrottlingException' });
    expect(error.message).toBe(
      `Could not read Secrets Manager secret "${SECRET_ID}" (ThrottlingException: Rate exceeded): Secrets Manager ` +
        'GetSecretValue was throttled (ThrottlingException); gave up after 5 attempt(s)',
    );
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 5);
    expect(Date.now() - started).toBeLessThanOrEqual(10_000);
  });

  it('retries InternalServiceError and names an outage that outlasts the retries', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(new InternalServiceError({ message: 'An error occurred', $metadata: { httpStatusCode: 500 } }));

    const error = await failureOf(settled(fromSecretsManager({ secretId: SECRET_ID, ...config })()));

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('Secrets Manager GetSecretValue failed (InternalServiceError); gave up after 5');
  });

  it('abandons a request that hangs after 10 s when no caller bounds it, aborting it', async () => {
    secretsManager.on(GetSecretValueCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();

    const error = await failureOf(settled(fromSecretsManager({ secretId: SECRET_ID, ...config })()));

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toContain('gave up after the 10000 ms timeout ran out');
    expect(sentAbortSignal(secretsManager, 0).aborted).toBe(true);
    expect(Date.now() - started).toBe(10_000);
  });
});

describe("the caller's deadline", () => {
  const timeoutMessage =
    `Could not read Secrets Manager secret "${SECRET_ID}": Secrets Manager did not answer before the token ` +
    "request's timeout ran out";

  it('ends the wait of the only caller when its signal aborts, and aborts the request with no timer left', async () => {
    secretsManager.on(GetSecretValueCommand).callsFake(() => new Promise(() => undefined));
    const caller = new AbortController();
    const reading = fromSecretsManager({ secretId: SECRET_ID, ...config })({ signal: caller.signal });
    reading.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(300);

    caller.abort(new Error('timed out after 300 ms'));
    const error = await failureOf(reading);

    expect(error.code).toBe('ERR_CREDENTIALS');
    expect(error.message).toBe(timeoutMessage);
    expect(sentAbortSignal(secretsManager, 0).aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps the shared request going for a caller with time left when another's signal aborts", async () => {
    const answers = heldAnswers();
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    const short = new AbortController();
    const long = new AbortController();
    const first = source({ signal: short.signal });
    const second = source({ signal: long.signal });
    await vi.advanceTimersByTimeAsync(0);

    short.abort(new Error('timed out'));
    const firstError = await failureOf(first);
    const aborted = sentAbortSignal(secretsManager, 0).aborted;
    answers.release(secret(user()));

    expect(firstError.message).toBe(timeoutMessage);
    expect(aborted).toBe(false);
    expect((await second).password).toBe(PASSWORD);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('aborts the shared request once the last waiting caller gives up', async () => {
    heldAnswers();
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    const callers = [new AbortController(), new AbortController()];
    const reads = callers.map((caller) => source({ signal: caller.signal }));
    for (const read of reads) read.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(0);

    callers[0]?.abort();
    await vi.advanceTimersByTimeAsync(0);
    const afterFirst = sentAbortSignal(secretsManager, 0).aborted;
    callers[1]?.abort();
    await Promise.allSettled(reads);

    expect(afterFirst).toBe(false);
    expect(sentAbortSignal(secretsManager, 0).aborted).toBe(true);
  });

  it('lets a caller without a signal keep the request going after the others give up', async () => {
    const answers = heldAnswers();
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    const caller = new AbortController();
    const bounded = source({ signal: caller.signal });
    const unbounded = source();
    await vi.advanceTimersByTimeAsync(0);

    caller.abort();
    await failureOf(bounded);
    answers.release(secret(user()));

    expect(sentAbortSignal(secretsManager, 0).aborted).toBe(false);
    expect((await unbounded).password).toBe(PASSWORD);
  });

  it('fails at once, sending nothing, for a signal already aborted; and reads again on the next call', async () => {
    secretsManager.on(GetSecretValueCommand).resolves(secret(user()));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });

    const error = await failureOf(source({ signal: AbortSignal.abort() }));
    const sentBefore = secretsManager.calls().length;
    const credentials = await source({ signal: new AbortController().signal });

    expect(error.message).toBe(timeoutMessage);
    expect(sentBefore).toBe(0);
    expect(credentials.password).toBe(PASSWORD);
  });

  it('does not cache an abandoned read: the next caller starts a new request', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .callsFakeOnce(() => new Promise(() => undefined))
      .resolves(secret(user()));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });
    const caller = new AbortController();
    const abandoned = source({ signal: caller.signal });
    abandoned.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    caller.abort();
    await failureOf(abandoned);
    await vi.advanceTimersByTimeAsync(0);

    const credentials = await source({ signal: new AbortController().signal });

    expect(credentials.password).toBe(PASSWORD);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});

describe('options', () => {
  describeRefusedOptions({
    create: (options) => fromSecretsManager(options as FromSecretsManagerOptions),
    required: { secretId: 'a' },
    clientType: 'a SecretsManagerClient',
    client: new SecretsManagerClient({ region: 'eu-west-1' }),
    ownRefusals: [
      ['secretId', 'is required: the name or ARN of a Secrets Manager secret', undefined],
      ['secretId', 'is required: the name or ARN of a Secrets Manager secret', 'svc/orders'],
      ['secretId', 'is required: the name or ARN of a Secrets Manager secret', {}],
      ['secretId', 'is required: the name or ARN of a Secrets Manager secret', { secretId: '' }],
      ['secretId', 'is required: the name or ARN of a Secrets Manager secret', { secretId: 42 }],
      ['secretId', 'is required: the name or ARN of a Secrets Manager secret', { secretId: 'svc/orders cognito' }],
      ['secretId', 'is required: the name or ARN of a Secrets Manager secret', { secretId: `a${'b'.repeat(2048)}` }],
      ['versionStage', 'must be a staging label such as "AWSCURRENT"', { secretId: 'a', versionStage: '' }],
      ['versionStage', 'must be a staging label such as "AWSCURRENT"', { secretId: 'a', versionStage: 7 }],
      ['secretID', 'is not an option of fromSecretsManager; did you mean "secretId"?', { secretID: 'a' }],
      ['maxAge', 'is not an option of fromSecretsManager; did you mean "maxAgeSeconds"?', { secretId: 'a', maxAge: 5 }],
      ['parameter', 'is not an option of fromSecretsManager', { parameter: '/svc/orders' }],
    ],
    requests: () => secretsManager.calls().length,
  });

  it.each([
    'svc/orders/cognito',
    'arn:aws:secretsmanager:eu-west-1:210987654321:secret:svc/orders/cognito-AbCdEf',
    `a${'b'.repeat(2047)}`,
  ])('accepts the secret ID %s, leaving finer checks to Secrets Manager', (secretId) => {
    expect(typeof fromSecretsManager({ secretId })).toBe('function');
  });

  it('accepts maxAgeSeconds 0 and any staging label', () => {
    expect(typeof fromSecretsManager({ secretId: 'a', maxAgeSeconds: 0, versionStage: 'AWSPREVIOUS' })).toBe(
      'function',
    );
  });

  it('never quotes a rejected secret ID, which may be a value pasted in by mistake', () => {
    const thrown = failureOfCall(() => fromSecretsManager({ secretId: `${PASSWORD} !` }), 'ERR_CONFIGURATION');

    expect(thrown.message).not.toContain(PASSWORD);
  });
});

describe('leak scan', () => {
  it('shows no value when the source is logged, inspected or serialised, before or after reads', async () => {
    secretsManager
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves(secret(user(PASSWORD, { clientSecret: CLIENT_SECRET })))
      .on(GetSecretValueCommand, { VersionStage: 'AWSPENDING' })
      .resolves(secret(user(NEW_PASSWORD, { clientSecret: CLIENT_SECRET }), 'v-2', ['AWSPENDING']));
    const source = fromSecretsManager({ secretId: SECRET_ID, ...config });

    await expectSourceShowsNoValue(source, SECRETS);
  });
});
