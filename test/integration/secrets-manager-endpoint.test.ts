// The Secrets Manager test endpoint (harness/secrets-manager-endpoint.ts) checked with the real
// SecretsManagerClient alone, before any test relies on it: version stages, rotation, signatures and faults
// behave as the Secrets Manager API reference describes.
import {
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type SecretsManagerEndpoint,
  secretsManagerClientConfigFor,
  startSecretsManagerEndpoint,
} from '../../harness/secrets-manager-endpoint.js';

let endpoint: SecretsManagerEndpoint;
let client: SecretsManagerClient;

beforeAll(async () => {
  endpoint = await startSecretsManagerEndpoint([
    { name: 'svc/plain', value: '{"password":"one"}' },
    { name: 'svc/bytes', value: new Uint8Array([1, 2, 3]) },
  ]);
  client = new SecretsManagerClient({ ...secretsManagerClientConfigFor(endpoint.endpoint), maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await endpoint?.stop();
});

beforeEach(() => {
  endpoint.setFaults([]);
});

const get = (input: Omit<GetSecretValueCommandInput, 'SecretId'> & { SecretId?: string }) =>
  client.send(new GetSecretValueCommand({ SecretId: 'svc/plain', ...input }));
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { name: string; message: string }) => ({ name: error.name, message: error.message }),
  );

describe('Secrets Manager test endpoint', () => {
  it('answers AWSCURRENT by default, by name or ARN, with the version and its labels', async () => {
    const byName = await get({});
    const byArn = await get({ SecretId: byName.ARN as string });

    expect(byName).toMatchObject({
      Name: 'svc/plain',
      SecretString: '{"password":"one"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(byName.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:123456789012:secret:svc\/plain-\w{6}$/);
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(byArn.VersionId).toBe(byName.VersionId);
  });

  it('answers a binary secret with SecretBinary and no SecretString', async () => {
    const output = await get({ SecretId: 'svc/bytes' });

    expect(output.SecretString).toBeUndefined();
    expect([...(output.SecretBinary ?? [])]).toEqual([1, 2, 3]);
  });

  it('runs a rotation: AWSPENDING appears, then promote moves AWSCURRENT and AWSPREVIOUS', async () => {
    const first = endpoint.put('svc/rotated', 'v1');
    const pendingMissing = await errorOf(get({ SecretId: 'svc/rotated', VersionStage: 'AWSPENDING' }));
    const second = endpoint.putPending('svc/rotated', 'v2');
    const during = await Promise.all(
      ['AWSCURRENT', 'AWSPENDING'].map((stage) => get({ SecretId: 'svc/rotated', VersionStage: stage })),
    );
    endpoint.promote('svc/rotated');
    const after = await get({ SecretId: 'svc/rotated' });

    expect(pendingMissing).toEqual({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    });
    expect(during.map((output) => output.SecretString)).toEqual(['v1', 'v2']);
    expect(after).toMatchObject({ SecretString: 'v2', VersionId: second, VersionStages: ['AWSCURRENT'] });
    expect(endpoint.stages('svc/rotated')).toEqual([
      { versionId: first, stages: ['AWSPREVIOUS'] },
      { versionId: second, stages: ['AWSCURRENT'] },
    ]);
    expect(() => endpoint.promote('svc/rotated')).toThrow('has no AWSPENDING version');
  });

  it('finds a version by VersionId, and refuses a VersionId and a label that name different versions', async () => {
    const old = endpoint.put('svc/versions', 'old');
    endpoint.put('svc/versions', 'new');

    const byId = await get({ SecretId: 'svc/versions', VersionId: old });
    const previous = await get({ SecretId: 'svc/versions', VersionStage: 'AWSPREVIOUS' });
    const mismatch = await errorOf(get({ SecretId: 'svc/versions', VersionId: old, VersionStage: 'AWSCURRENT' }));
    const unknown = await errorOf(get({ SecretId: 'svc/versions', VersionId: 'no-such-version' }));

    expect(byId.SecretString).toBe('old');
    expect(previous.VersionId).toBe(old);
    expect(mismatch?.name).toBe('InvalidRequestException');
    expect(unknown?.name).toBe('ResourceNotFoundException');
  });

  it('names a missing secret ResourceNotFoundException', async () => {
    expect(await errorOf(get({ SecretId: 'svc/none' }))).toEqual({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
  });

  it('refuses a request signed with the wrong key, and counts it', async () => {
    const config = secretsManagerClientConfigFor(endpoint.endpoint);
    const wrong = new SecretsManagerClient({
      ...config,
      credentials: { ...config.credentials, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    const before = endpoint.count();

    const error = await errorOf(wrong.send(new GetSecretValueCommand({ SecretId: 'svc/plain' })));
    wrong.destroy();

    expect(error?.name).toBe('InvalidSignatureException');
    expect(endpoint.count() - before).toBe(1);
    expect(endpoint.calls.at(-1)).toMatchObject({ signed: true, status: 400, errorType: 'InvalidSignatureException' });
  });

  it.each([
    ['throttle', 'ThrottlingException'],
    ['server-error', 'InternalServiceError'],
    ['access-denied', 'AccessDeniedException'],
    ['kms-access-denied', 'AccessDeniedException'],
    ['decryption-failure', 'DecryptionFailure'],
    ['hostile-echo', 'ValidationException'],
  ] as const)('injects %s as %s, for the given number of requests', async (fault, name) => {
    endpoint.setFaults([{ fault, times: 1 }]);

    const faulted = await errorOf(get({}));
    const next = await get({});

    expect(faulted?.name).toBe(name);
    expect(next.SecretString).toBe('{"password":"one"}');
  });

  it('limits a fault to the reads of one label, and echoes the AWSCURRENT value in the hostile answer', async () => {
    endpoint.put('svc/echo', '{"password":"echoed-current-value"}');
    endpoint.putPending('svc/echo', '{"password":"pending"}');
    endpoint.setFaults([{ fault: 'hostile-echo', stage: 'AWSPENDING' }]);
    const pendingReadsBefore = endpoint.count('AWSPENDING');

    const current = await get({ SecretId: 'svc/echo' });
    const pending = await errorOf(get({ SecretId: 'svc/echo', VersionStage: 'AWSPENDING' }));

    expect(current.SecretString).toContain('echoed-current-value');
    expect(pending?.message).toContain('echoed-current-value');
    expect(pending?.message).toContain('"SecretId":"svc/echo"');
    expect(endpoint.count('AWSPENDING') - pendingReadsBefore).toBe(1);
  });
});
