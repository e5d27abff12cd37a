/**
 * A small AWS Secrets Manager for tests, speaking the AWS JSON 1.1 protocol (`secretsmanager.GetSecretValue`) on a
 * free loopback port, so `fromSecretsManager` is tested through the real `SecretsManagerClient`: serialisation,
 * signing, HTTP and error parsing included. No Secrets Manager emulator is installable here.
 *
 * API (stable; other helpers code against it):
 * - `startSecretsManagerEndpoint(secrets?, options?)` → {@link SecretsManagerEndpoint}
 *   `{ endpoint, calls, count(stage?), put(name, value), putPending(name, value), promote(name), stages(name),
 *   setFaults(faults), stop() }`.
 * - `secretsManagerClientConfigFor(endpoint)`: the `clientConfig` for `fromSecretsManager` or a
 *   `SecretsManagerClient` pointed at it.
 *
 * Behaviour, as real Secrets Manager:
 * - `GetSecretValue` by name or ARN, with `VersionStage` and/or `VersionId` (neither: `AWSCURRENT`; both must name
 *   the same version). A missing secret, label or version is `ResourceNotFoundException`; a binary secret answers
 *   `SecretBinary` (base64) and no `SecretString`.
 * - Versions and labels: `put` stores a new version as `AWSCURRENT` (the old one becomes `AWSPREVIOUS`), as
 *   PutSecretValue does. A rotation is `putPending` (the rotation function's createSecret: a new version labelled
 *   `AWSPENDING`), then `promote` (finishSecret: `AWSCURRENT` moves to it, `AWSPREVIOUS` to the old one, and
 *   `AWSPENDING` goes).
 * - Every request must carry a SigV4 signature for the `secretsmanager` service. By default the signature itself
 *   is verified against {@link LOCAL_AWS_CREDENTIALS} (see `sigv4.ts`); with `{ credentials: 'any' }` only its
 *   presence and shape are checked.
 * - Faults (`setFaults`) apply before the signature check, optionally to reads of one staging label only:
 *   `throttle` (ThrottlingException), `server-error` (500 InternalServiceError), `reset`, `hang`,
 *   `access-denied` (AccessDeniedException naming secretsmanager:GetSecretValue), `kms-access-denied`
 *   (AccessDeniedException "Access to KMS is not allowed", as a customer-managed key refusing the role),
 *   `decryption-failure` (DecryptionFailure), and `hostile-echo`: a 400 whose message and extra fields echo the
 *   request, its headers and the secret's AWSCURRENT value, raw and JSON-escaped (a service that must not be
 *   trusted with what it knows).
 *
 * @example
 * ```ts
 * const secrets = await startSecretsManagerEndpoint([{ name: 'svc/cognito', value: '{"username":"a","password":"b"}' }]);
 * const credentials = fromSecretsManager({
 *   secretId: 'svc/cognito',
 *   clientConfig: secretsManagerClientConfigFor(secrets.endpoint),
 * });
 * // ...
 * expect(secrets.count()).toBe(1);
 * await secrets.stop();
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AWS_JSON_11, operationOf, parseJsonObject, readBody, sendAwsError, sendAwsJson } from './aws-json.js';
import { type FaultPlan, injectFault } from './http-faults.js';
import { startLoopbackServer } from './loopback-server.js';
import { checkSigV4, LOCAL_AWS_CREDENTIALS, type TestAwsCredentials } from './sigv4.js';

/** A secret to store at start: its AWSCURRENT value. */
export interface SecretSeed {
  readonly name: string;
  /** The `SecretString`, or bytes for a binary-only secret. */
  readonly value: string | Uint8Array;
}

/** One request the endpoint received. */
export interface SecretsManagerCall {
  /** `GetSecretValue`, or whatever `X-Amz-Target` named. */
  readonly operation: string;
  readonly secretId: string | undefined;
  readonly versionStage: string | undefined;
  readonly versionId: string | undefined;
  /** Whether it carried an `Authorization` header at all. */
  readonly signed: boolean;
  /** The HTTP status sent; `undefined` for the `reset` and `hang` faults. */
  readonly status: number | undefined;
  /** The AWS error type sent, if any. */
  readonly errorType: string | undefined;
}

/** What a faulted request gets instead of its answer. */
export type SecretsManagerFaultKind =
  | 'throttle'
  | 'server-error'
  | 'reset'
  | 'hang'
  | 'access-denied'
  | 'kms-access-denied'
  | 'decryption-failure'
  | 'hostile-echo';

/** One entry of a fault plan; the first entry that matches a request and has uses left applies. */
export interface SecretsManagerFault {
  readonly fault: SecretsManagerFaultKind;
  /** How many matching requests in a row it applies to. Default: every matching request from now on. */
  readonly times?: number;
  /** Only reads of this staging label (`AWSPENDING`), as asked for or defaulted. Default: any. */
  readonly stage?: string;
}

/** Options of {@link startSecretsManagerEndpoint}. */
export interface SecretsManagerEndpointOptions {
  /** The key pair signatures are verified against, or `'any'` to check presence and shape only. */
  readonly credentials?: TestAwsCredentials | 'any';
  /** The Region in ARNs. Default `eu-west-1`. */
  readonly region?: string;
}

/** A running endpoint. */
export interface SecretsManagerEndpoint {
  /** `http://127.0.0.1:<port>`, for `clientConfig.endpoint` or `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly endpoint: string;
  /** Every request so far, oldest first. */
  readonly calls: readonly SecretsManagerCall[];
  /** How many GetSecretValue requests so far, optionally of one staging label (as asked for or defaulted). */
  count(stage?: string): number;
  /** Stores a new version as AWSCURRENT (PutSecretValue), creating the secret if needed; returns its VersionId. */
  put(name: string, value: string | Uint8Array): string;
  /** Stores a new version labelled AWSPENDING (a rotation's createSecret); returns its VersionId. */
  putPending(name: string, value: string | Uint8Array): string;
  /** Ends a rotation (finishSecret): AWSCURRENT moves to the AWSPENDING version, which loses that label. */
  promote(name: string): void;
  /** The labels of each version of a secret, oldest version first. */
  stages(name: string): { readonly versionId: string; readonly stages: readonly string[] }[];
  /** Replaces the fault plan; `[]` ends every fault. */
  setFaults(faults: readonly SecretsManagerFault[]): void;
  /** Closes the listener and every open connection. */
  stop(): Promise<void>;
}

interface StoredVersion {
  readonly versionId: string;
  readonly value: string | Uint8Array;
  readonly createdDate: number;
  stages: string[];
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly versions: StoredVersion[];
}

const ACCOUNT = '123456789012';
const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';

/**
 * Starts the endpoint on a free loopback port with the given secrets.
 *
 * @example
 * ```ts
 * const secrets = await startSecretsManagerEndpoint([{ name: 'svc/cognito', value: '{"clientSecret":"s"}' }]);
 * afterAll(() => secrets.stop());
 * ```
 */
export async function startSecretsManagerEndpoint(
  seeds: readonly SecretSeed[] = [],
  options: SecretsManagerEndpointOptions = {},
): Promise<SecretsManagerEndpoint> {
  const credentials = options.credentials ?? LOCAL_AWS_CREDENTIALS;
  const region = options.region ?? 'eu-west-1';
  const secrets = new Map<string, StoredSecret>();
  const calls: SecretsManagerCall[] = [];
  let faults: { fault: SecretsManagerFault; left: number }[] = [];

  const secretNamed = (name: string): StoredSecret => {
    let secret = secrets.get(name);
    if (secret === undefined) {
      // Real ARNs end in a hyphen and six random characters.
      const suffix = randomUUID().replaceAll('-', '').slice(0, 6);
      secret = { name, arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${suffix}`, versions: [] };
      secrets.set(name, secret);
    }
    return secret;
  };
  const move = (secret: StoredSecret, stage: string, to: StoredVersion | undefined) => {
    for (const version of secret.versions) version.stages = version.stages.filter((label) => label !== stage);
    to?.stages.push(stage);
  };
  const versionWith = (secret: StoredSecret, stage: string) =>
    secret.versions.find((version) => version.stages.includes(stage));
  const addVersion = (name: string, value: string | Uint8Array, stage: string): string => {
    const secret = secretNamed(name);
    const version: StoredVersion = { versionId: randomUUID(), value, createdDate: Date.now() / 1000, stages: [] };
    secret.versions.push(version);
    if (stage === CURRENT) move(secret, PREVIOUS, versionWith(secret, CURRENT));
    move(secret, stage, version);
    return version.versionId;
  };
  for (const seed of seeds) addVersion(seed.name, seed.value, CURRENT);

  const findSecret = (id: string) => [...secrets.values()].find((secret) => secret.name === id || secret.arn === id);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const operation = operationOf(req);
    const input = parseJsonObject(body);
    const text = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : undefined);
    const secretId = text('SecretId');
    const versionId = text('VersionId');
    const versionStage = text('VersionStage');
    const stage = versionStage ?? (versionId === undefined ? CURRENT : undefined);
    const signed = req.headers.authorization !== undefined;
    const record = (status: number | undefined, errorType: string | undefined) =>
      calls.push({ operation, secretId, versionStage: stage, versionId, signed, status, errorType });
    const fail = (status: number, errorType: string, message: string) => {
      record(status, errorType);
      sendAwsError(res, status, errorType, message);
    };

    const entry = faults.find(({ fault, left }) => left > 0 && (fault.stage === undefined || fault.stage === stage));
    if (entry !== undefined) {
      entry.left--;
      const stored = secretId === undefined ? undefined : findSecret(secretId);
      const current = stored === undefined ? undefined : versionWith(stored, CURRENT);
      const echoed = current === undefined ? '' : textOf(current.value);
      return applyFault(entry.fault.fault, { req, res, body, echoed, record });
    }
    const problem = checkSigV4(
      { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
      { service: 'secretsmanager', credentials },
    );
    if (problem !== undefined) return fail(400, problem.errorType, problem.message);

    if (operation !== 'GetSecretValue') {
      return fail(400, 'UnknownOperationException', `Operation ${operation} is not supported by this test endpoint`);
    }
    if (secretId === undefined || secretId === '') {
      return fail(400, 'InvalidParameterException', 'You must provide a SecretId.');
    }
    const secret = findSecret(secretId);
    if (secret === undefined)
      return fail(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    const byId = versionId === undefined ? undefined : secret.versions.find((v) => v.versionId === versionId);
    if (versionId !== undefined && byId === undefined) {
      return fail(
        400,
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
      );
    }
    const version = stage === undefined ? byId : versionWith(secret, stage);
    if (version === undefined) {
      return fail(
        400,
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
    if (byId !== undefined && byId !== version) {
      return fail(400, 'InvalidRequestException', 'The VersionId and VersionStage do not refer to the same version.');
    }
    record(200, undefined);
    return sendAwsJson(res, {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(typeof version.value === 'string'
        ? { SecretString: version.value }
        : { SecretBinary: Buffer.from(version.value).toString('base64') }),
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate,
    });
  }

  const server = await startLoopbackServer(handle, 'InternalServiceError');
  return {
    endpoint: server.endpoint,
    get calls() {
      return [...calls];
    },
    count: (stage) =>
      calls.filter(
        (call) => call.operation === 'GetSecretValue' && (stage === undefined || call.versionStage === stage),
      ).length,
    put: (name, value) => addVersion(name, value, CURRENT),
    putPending: (name, value) => addVersion(name, value, PENDING),
    promote: (name) => {
      const secret = secrets.get(name);
      const pending = secret === undefined ? undefined : versionWith(secret, PENDING);
      if (secret === undefined || pending === undefined) throw new Error(`secret "${name}" has no AWSPENDING version`);
      move(secret, PREVIOUS, versionWith(secret, CURRENT));
      move(secret, CURRENT, pending);
      move(secret, PENDING, undefined);
    },
    stages: (name) =>
      (secrets.get(name)?.versions ?? []).map(({ versionId, stages }) => ({ versionId, stages: [...stages] })),
    setFaults: (plan) => {
      faults = plan.map((fault) => ({ fault, left: fault.times ?? Number.POSITIVE_INFINITY }));
    },
    stop: server.stop,
  };
}

/**
 * The `clientConfig` for `fromSecretsManager` or a `SecretsManagerClient` talking to the endpoint: the endpoint, a
 * Region, and the credentials the endpoint verifies signatures against.
 *
 * @example
 * ```ts
 * const client = new SecretsManagerClient(secretsManagerClientConfigFor(secrets.endpoint));
 * ```
 */
export function secretsManagerClientConfigFor(endpoint: string, region = 'eu-west-1') {
  return { endpoint, region, credentials: { ...LOCAL_AWS_CREDENTIALS } };
}

interface FaultContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly body: Buffer;
  /** The secret's AWSCURRENT value, for the hostile echo. */
  readonly echoed: string;
  readonly record: (status: number | undefined, errorType: string | undefined) => void;
}

function applyFault(kind: SecretsManagerFaultKind, { req, res, body, echoed, record }: FaultContext): void {
  if (kind === 'hostile-echo') {
    const request = body.toString('utf8');
    const echo = `${request} ${JSON.stringify(req.headers)} ${echoed} ${JSON.stringify(echoed)}`;
    res.writeHead(400, { 'content-type': AWS_JSON_11, 'x-amzn-errortype': 'ValidationException' });
    res.end(
      JSON.stringify({ __type: 'ValidationException', message: echo, SecretString: echoed, request, detail: echoed }),
    );
    record(400, 'ValidationException');
    return;
  }
  const outcome = injectFault(FAULT_PLANS[kind], req, res, 'ThrottlingException');
  record(outcome.status, outcome.errorType);
}

/** The HTTP-level answer of each fault but the hostile echo. */
const FAULT_PLANS: Record<Exclude<SecretsManagerFaultKind, 'hostile-echo'>, FaultPlan> = {
  throttle: { fault: 'throttle' },
  reset: { fault: 'reset' },
  hang: { fault: 'hang' },
  'server-error': {
    fault: 'error',
    status: 500,
    errorType: 'InternalServiceError',
    message: 'An internal error occurred.',
  },
  'access-denied': {
    fault: 'error',
    errorType: 'AccessDeniedException',
    message:
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/orders/fn is not authorized to perform: ` +
      'secretsmanager:GetSecretValue on resource: the secret because no identity-based policy allows the ' +
      'secretsmanager:GetSecretValue action',
  },
  'kms-access-denied': { fault: 'error', errorType: 'AccessDeniedException', message: 'Access to KMS is not allowed' },
  'decryption-failure': {
    fault: 'error',
    errorType: 'DecryptionFailure',
    message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
  },
};

function textOf(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
}
