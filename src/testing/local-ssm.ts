import type { IncomingMessage, ServerResponse } from 'node:http';
import { configurationError } from '../errors.js';
import { type LocalClientConfig, localClientConfig } from './local-cognito.js';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A parameter of the local Parameter Store.
 *
 * @example
 * ```ts
 * import type { LocalSsmParameter } from 'cognito-token-provider/testing';
 *
 * const parameter: LocalSsmParameter = {
 *   name: '/orders/cognito',
 *   value: JSON.stringify({ username: 'robot', password: 'Corr3ct-Horse!' }),
 * };
 * ```
 */
export interface LocalSsmParameter {
  /** The parameter's name, such as `/orders/cognito`. */
  readonly name: string;
  /** Its value: for `fromSsm({ parameter })`, a JSON object of credentials. */
  readonly value: string;
  /** Default `SecureString`, the type credentials belong in. */
  readonly type?: 'String' | 'StringList' | 'SecureString';
}

/**
 * A running local Parameter Store; see {@link startLocalSsm}.
 *
 * @example
 * ```ts
 * import type { LocalSsm } from 'cognito-token-provider/testing';
 *
 * declare const ssm: LocalSsm;
 * ssm.put({ name: '/orders/cognito', value: '{"username":"robot","password":"N3w-Password!"}' });
 * console.log(ssm.requests.GetParameters);
 * await ssm.stop();
 * ```
 */
export interface LocalSsm {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** For `fromSsm({ clientConfig })` or an `SSMClient`: the endpoint, a Region, dummy credentials. */
  readonly clientConfig: LocalClientConfig;
  /** How many requests each operation received so far, refused ones included. */
  readonly requests: Readonly<Record<'GetParameters' | 'GetParameter', number>>;
  /** Stores or replaces a parameter (a new version): a rotated password, say. */
  put(parameter: LocalSsmParameter): void;
  /** Closes the server and every connection. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Options of {@link startLocalSsm}.
 *
 * @example
 * ```ts
 * import type { LocalSsmOptions } from 'cognito-token-provider/testing';
 *
 * const options: LocalSsmOptions = { parameters: [{ name: '/orders/client-id', value: 'web-client', type: 'String' }] };
 * ```
 */
export interface LocalSsmOptions {
  /** The parameters to start with. Default none. */
  readonly parameters?: readonly LocalSsmParameter[];
  /** The Region of `clientConfig` and the parameters' ARNs. Default `eu-west-1`. */
  readonly region?: string;
}

interface StoredParameter {
  readonly type: 'String' | 'StringList' | 'SecureString';
  readonly value: string;
  readonly version: number;
}

/**
 * Starts a small SSM Parameter Store on a free loopback port, in this process, so `fromSsm` (or your own
 * `SSMClient`) runs unchanged in a test: `GetParameters` (unknown names come back in `InvalidParameters`, as from
 * SSM) and `GetParameter`. A SecureString is returned in clear only with `WithDecryption: true`, and every request
 * must be SigV4-signed (the signature's presence is checked, not its math).
 *
 * @example
 * ```ts
 * import { fromSsm } from 'cognito-token-provider/ssm';
 * import { startLocalSsm } from 'cognito-token-provider/testing';
 *
 * const ssm = await startLocalSsm({
 *   parameters: [{ name: '/orders/cognito', value: '{"username":"robot","password":"Corr3ct-Horse!"}' }],
 * });
 * const credentials = fromSsm({ parameter: '/orders/cognito', clientConfig: ssm.clientConfig });
 * // createTokenProvider({ ..., credentials })
 * await ssm.stop();
 * ```
 */
export async function startLocalSsm(options: LocalSsmOptions = {}): Promise<LocalSsm> {
  const region = options.region ?? 'eu-west-1';
  if (typeof region !== 'string' || !/^[a-z]{2,4}(?:-[a-z]+)+-\d+$/.test(region)) {
    throw configurationError('region', 'must be a Region name such as "eu-west-1"');
  }
  const store = new Map<string, StoredParameter>();
  const put = (parameter: LocalSsmParameter) => {
    if (typeof parameter?.name !== 'string' || parameter.name === '' || typeof parameter.value !== 'string') {
      throw configurationError('parameters[]', 'must be { name, value } with string name and value');
    }
    store.set(parameter.name, {
      type: parameter.type ?? 'SecureString',
      value: parameter.value,
      version: (store.get(parameter.name)?.version ?? 0) + 1,
    });
  };
  for (const parameter of options.parameters ?? []) put(parameter);
  const requests = { GetParameters: 0, GetParameter: 0 };

  const output = (name: string, parameter: StoredParameter, decrypt: boolean) => ({
    Name: name,
    Type: parameter.type,
    // Real SSM returns the KMS ciphertext here; a fixed stand-in says as much without the value.
    Value: parameter.type === 'SecureString' && !decrypt ? 'AQICAHencrypted-by-kms' : parameter.value,
    Version: parameter.version,
    ARN: `arn:aws:ssm:${region}:123456789012:parameter${name.startsWith('/') ? '' : '/'}${name}`,
    DataType: 'text',
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
      });
      res.end(JSON.stringify(errorType === undefined ? body : { __type: errorType, message: body }));
    };
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSSM\./, '');
    if (operation === 'GetParameters' || operation === 'GetParameter') requests[operation] += 1;
    if (!/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[^/]+\/ssm\//.test(String(req.headers.authorization ?? ''))) {
      return send(400, 'Missing Authentication Token', 'MissingAuthenticationTokenException');
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return send(400, 'The request body is not valid JSON.', 'SerializationException');
    }
    const decrypt = input.WithDecryption === true;
    if (operation === 'GetParameters') {
      const names = Array.isArray(input.Names) ? input.Names.map(String) : [];
      if (names.length < 1 || names.length > 10) {
        return send(400, 'Names must contain between 1 and 10 items', 'ValidationException');
      }
      return send(200, {
        Parameters: names.flatMap((name) => {
          const parameter = store.get(name);
          return parameter === undefined ? [] : [output(name, parameter, decrypt)];
        }),
        InvalidParameters: names.filter((name) => !store.has(name)),
      });
    }
    if (operation === 'GetParameter') {
      const name = String(input.Name ?? '');
      const parameter = store.get(name);
      if (parameter === undefined) return send(400, '', 'ParameterNotFound');
      return send(200, { Parameter: output(name, parameter, decrypt) });
    }
    return send(
      400,
      `The local Parameter Store does not implement ${operation || 'that operation'}`,
      'UnknownOperationException',
    );
  }

  const server = await listenOnLoopback(answer);
  const { endpoint } = server;
  return {
    endpoint,
    // A new object at each read: the SDK writes into the credentials object it is given.
    get clientConfig() {
      return localClientConfig(endpoint, region);
    },
    get requests() {
      return Object.freeze({ ...requests });
    },
    put,
    stop: () => server.stop(),
  };
}
