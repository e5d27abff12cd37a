/**
 * A small SSM Parameter Store for tests, speaking the AWS JSON 1.1 protocol on a free loopback port, so
 * `fromSsm` is tested through the real `SSMClient`: serialisation, signing, HTTP and error parsing included.
 * No SSM emulator is installable here.
 *
 * API (stable; other helpers code against it):
 * - `startSsmEndpoint(parameters?, options?)` → {@link SsmEndpoint}
 *   `{ endpoint, calls, count(operation?), put(parameter), setFaults(faults), stop() }`.
 * - `ssmClientConfigFor(endpoint)`: the `clientConfig` for `fromSsm` or an `SSMClient` pointed at it.
 *
 * Behaviour, as real SSM:
 * - `GetParameters` (1 to 10 names): unknown names come back in `InvalidParameters`, not as an error.
 *   `GetParameter` and `PutParameter` are supported too (for seeding through the SDK and for other helpers).
 * - SecureString values are returned decrypted only with `WithDecryption: true`; otherwise the value is an
 *   opaque base64 blob standing in for the KMS ciphertext (it does not contain the plaintext).
 * - Every request must carry a SigV4 signature for the `ssm` service. By default the signature itself is
 *   verified against {@link LOCAL_AWS_CREDENTIALS} (see `sigv4.ts`); with `{ credentials: 'any' }` only its
 *   presence and shape are checked. An unsigned request gets `MissingAuthenticationTokenException`.
 * - Faults (`setFaults`, see `http-faults.ts`) apply before the signature check; `throttle` answers
 *   `ThrottlingException` like SSM.
 *
 * @example
 * ```ts
 * const ssm = await startSsmEndpoint([{ name: '/svc/cognito', type: 'SecureString', value: '{"username":"a"}' }]);
 * const credentials = fromSsm({ parameter: '/svc/cognito', clientConfig: ssmClientConfigFor(ssm.endpoint) });
 * // ...
 * expect(ssm.count('GetParameters')).toBe(1);
 * await ssm.stop();
 * ```
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { operationOf, parseJsonObject, readBody, sendAwsError, sendAwsJson } from './aws-json.js';
import { type FaultPlan, FaultQueue, injectFault } from './http-faults.js';
import { startLoopbackServer } from './loopback-server.js';
import { checkSigV4, LOCAL_AWS_CREDENTIALS, type TestAwsCredentials } from './sigv4.js';

/** A parameter to store. */
export interface SsmParameterSeed {
  readonly name: string;
  readonly value: string;
  /** Default `SecureString`, the type credentials belong in. */
  readonly type?: 'String' | 'StringList' | 'SecureString';
}

/** One request the endpoint received. */
export interface SsmCall {
  /** `GetParameters`, `GetParameter`, `PutParameter`, or whatever `X-Amz-Target` named. */
  readonly operation: string;
  /** The names asked for (GetParameters), or the one name (GetParameter, PutParameter). */
  readonly names: readonly string[];
  readonly withDecryption: boolean;
  /** Whether it carried an `Authorization` header at all. */
  readonly signed: boolean;
  /** The HTTP status sent; `undefined` for the `reset` and `hang` faults. */
  readonly status: number | undefined;
  /** The AWS error type sent, if any. */
  readonly errorType: string | undefined;
}

/** Options of {@link startSsmEndpoint}. */
export interface SsmEndpointOptions {
  /** The key pair signatures are verified against, or `'any'` to check presence and shape only. */
  readonly credentials?: TestAwsCredentials | 'any';
  /** The Region in ARNs. Default `eu-west-1`. */
  readonly region?: string;
}

/** A running endpoint. */
export interface SsmEndpoint {
  /** `http://127.0.0.1:<port>`, for `clientConfig.endpoint`. */
  readonly endpoint: string;
  /** Every request so far, oldest first. */
  readonly calls: readonly SsmCall[];
  /** How many requests so far, optionally for one operation. */
  count(operation?: string): number;
  /** Stores or overwrites a parameter (a new version), for example to rotate a password mid-test. */
  put(parameter: SsmParameterSeed): void;
  /** Replaces the fault plan; `[]` ends every fault. */
  setFaults(faults: readonly FaultPlan[]): void;
  /** Closes the listener and every open connection. */
  stop(): Promise<void>;
}

interface StoredParameter {
  readonly name: string;
  readonly type: 'String' | 'StringList' | 'SecureString';
  readonly value: string;
  readonly version: number;
  readonly lastModified: number;
}

const ACCOUNT = '123456789012';
const MAX_NAMES = 10;

/**
 * Starts the endpoint on a free loopback port with the given parameters.
 *
 * @example
 * ```ts
 * const ssm = await startSsmEndpoint([{ name: '/svc/password', value: 'pw' }]);
 * afterAll(() => ssm.stop());
 * ```
 */
export async function startSsmEndpoint(
  parameters: readonly SsmParameterSeed[] = [],
  options: SsmEndpointOptions = {},
): Promise<SsmEndpoint> {
  const credentials = options.credentials ?? LOCAL_AWS_CREDENTIALS;
  const region = options.region ?? 'eu-west-1';
  const store = new Map<string, StoredParameter>();
  // Stands in for the KMS key: the "ciphertext" depends on it, so it reveals nothing about the value.
  const kmsKey = randomBytes(32);
  const put = (parameter: SsmParameterSeed) => {
    const version = (store.get(parameter.name)?.version ?? 0) + 1;
    store.set(parameter.name, {
      name: parameter.name,
      type: parameter.type ?? 'SecureString',
      value: parameter.value,
      version,
      lastModified: Date.now() / 1000,
    });
  };
  for (const parameter of parameters) put(parameter);
  const faults = new FaultQueue();
  const calls: SsmCall[] = [];

  const toOutput = (parameter: StoredParameter, withDecryption: boolean) => ({
    Name: parameter.name,
    Type: parameter.type,
    Value: parameter.type === 'SecureString' && !withDecryption ? ciphertextOf(parameter, kmsKey) : parameter.value,
    Version: parameter.version,
    LastModifiedDate: parameter.lastModified,
    ARN: `arn:aws:ssm:${region}:${ACCOUNT}:parameter${parameter.name.startsWith('/') ? '' : '/'}${parameter.name}`,
    DataType: 'text',
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const operation = operationOf(req);
    const input = parseJsonObject(body);
    const names = Array.isArray(input.Names)
      ? input.Names.map(String)
      : typeof input.Name === 'string'
        ? [input.Name]
        : [];
    const withDecryption = input.WithDecryption === true;
    const signed = req.headers.authorization !== undefined;
    const record = (status: number | undefined, errorType: string | undefined) =>
      calls.push({ operation, names, withDecryption, signed, status, errorType });
    const fail = (status: number, errorType: string, message: string) => {
      record(status, errorType);
      sendAwsError(res, status, errorType, message);
    };

    const fault = faults.take(operation);
    if (fault !== undefined) {
      const outcome = injectFault(fault, req, res, 'ThrottlingException');
      record(outcome.status, outcome.errorType);
      return;
    }
    const problem = checkSigV4(
      { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
      { service: 'ssm', credentials },
    );
    if (problem !== undefined) return fail(400, problem.errorType, problem.message);

    if (operation === 'GetParameters') {
      if (names.length < 1 || names.length > MAX_NAMES) {
        return fail(400, 'ValidationException', `Names must contain between 1 and ${MAX_NAMES} items`);
      }
      const found = names.flatMap((name) => {
        const parameter = store.get(name);
        return parameter === undefined ? [] : [toOutput(parameter, withDecryption)];
      });
      record(200, undefined);
      return sendAwsJson(res, {
        Parameters: found,
        InvalidParameters: names.filter((name) => !store.has(name)),
      });
    }
    if (operation === 'GetParameter') {
      const parameter = store.get(names[0] ?? '');
      if (parameter === undefined) return fail(400, 'ParameterNotFound', '');
      record(200, undefined);
      return sendAwsJson(res, { Parameter: toOutput(parameter, withDecryption) });
    }
    if (operation === 'PutParameter') {
      const name = names[0];
      if (name === undefined || typeof input.Value !== 'string') {
        return fail(400, 'ValidationException', 'Name and Value are required');
      }
      if (store.has(name) && input.Overwrite !== true) {
        return fail(400, 'ParameterAlreadyExists', 'The parameter already exists.');
      }
      const type = input.Type === 'String' || input.Type === 'StringList' ? input.Type : 'SecureString';
      put({ name, value: input.Value, type });
      record(200, undefined);
      return sendAwsJson(res, { Version: store.get(name)?.version, Tier: 'Standard' });
    }
    return fail(400, 'UnknownOperationException', `Operation ${operation} is not supported by this test endpoint`);
  }

  const server = await startLoopbackServer(handle, 'InternalServerError');
  return {
    endpoint: server.endpoint,
    get calls() {
      return [...calls];
    },
    count: (operation) => calls.filter((call) => operation === undefined || call.operation === operation).length,
    put,
    setFaults: (plan) => faults.set(plan),
    stop: server.stop,
  };
}

/**
 * The `clientConfig` for `fromSsm` or an `SSMClient` talking to the endpoint: the endpoint, a Region, and the
 * credentials the endpoint verifies signatures against.
 *
 * @example
 * ```ts
 * const ssmClient = new SSMClient(ssmClientConfigFor(ssm.endpoint));
 * ```
 */
export function ssmClientConfigFor(endpoint: string, region = 'eu-west-1') {
  return { endpoint, region, credentials: { ...LOCAL_AWS_CREDENTIALS } };
}

// Real SSM returns the KMS ciphertext, base64, when a SecureString is read without decryption. This blob has
// the same look (a version byte, then opaque bytes) and is derived from a per-endpoint key, not the value.
function ciphertextOf(parameter: StoredParameter, key: Buffer): string {
  const blob = (label: string) =>
    createHmac('sha256', key).update(`${label}:${parameter.name}:${parameter.version}`).digest();
  return Buffer.concat([Buffer.from([1, 2, 2, 0]), blob('iv'), blob('data')]).toString('base64');
}
