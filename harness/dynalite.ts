/**
 * A DynamoDB for tests and benchmarks: dynalite (an in-memory implementation of the DynamoDB API) in this
 * process, on a free loopback port, with a token table shaped as `dynamoDbTokenStore` expects.
 *
 * API: `startDynalite({ tableName? })` → {@link DynaliteHandle}
 * `{ endpoint, tableName, clientConfig, createClient(), close(), requests, writes, resetCounts(), throttle() }`;
 * `startDynaliteProcess()` → {@link DynaliteProcess}, the same in a child process of its own (its counts and
 * controls asynchronous), for benchmarks where the load on the store must not slow the parent.
 * Every request is counted by operation, every write recorded (`writes`: operation, key, time, outcome, and
 * whether it set an entry), and `throttle(ms, errorName?)` answers every request with a throttling error for
 * a while, as DynamoDB does when an item's partition is over its capacity.
 *
 * Differences from DynamoDB that matter here: dynalite has no UpdateTimeToLive, so TTL is not turned on and
 * it never deletes expired items (which exercises the store's own expiry check on read); it does not
 * check credentials, so any will do. It ignores `ReturnValuesOnConditionCheckFailure`: this harness adds the
 * item to a refused write's `ConditionalCheckFailedException` itself, read just after the refusal (DynamoDB
 * returns the item the condition was checked against, in the same step; close enough for a test double).
 *
 * @example
 * ```ts
 * const dynamo = await startDynalite();
 * const client = dynamo.createClient();
 * const store = dynamoDbTokenStore({ tableName: dynamo.tableName, client });
 * // ...
 * client.destroy();
 * await dynamo.close();
 * ```
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { onJsonLines } from './json-lines.js';

/** One write request (PutItem, UpdateItem, DeleteItem) as the server answered it. */
export interface DynaliteWrite {
  readonly operation: string;
  /** The item's `pk`. */
  readonly pk: string;
  /** Epoch milliseconds at which the answer was sent. */
  readonly at: number;
  /** Whether the write was made (not refused by its condition, nor throttled). */
  readonly ok: boolean;
  /** Whether it set an entry: an `entry` attribute in `Item`, or an `:entry` value in the update. */
  readonly setsEntry: boolean;
}

/** A running dynalite and its token table. */
export interface DynaliteHandle {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly tableName: string;
  /** Endpoint, region and dummy credentials for a `DynamoDBClient`, with `maxAttempts: 1`. */
  readonly clientConfig: DynamoDBClientConfig;
  /** A new client on `clientConfig`; destroy it when done. */
  createClient(overrides?: DynamoDBClientConfig): DynamoDBClient;
  /** Stops the server, dropping open connections. */
  close(): Promise<void>;
  /** Requests received since the start or `resetCounts()`, by operation (`GetItem`), throttled ones included. */
  readonly requests: Readonly<Record<string, number>>;
  /** Write requests since the start or `resetCounts()`, in the order they were answered. */
  readonly writes: readonly DynaliteWrite[];
  resetCounts(): void;
  /** Answers every request with `errorName` (default `ThrottlingException`) for the next `ms` milliseconds. */
  throttle(ms: number, errorName?: string): void;
}

interface DynaliteOptions {
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
}

// dynalite is CommonJS without types; its checksum helper signs the answers this harness rewrites.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options?: DynaliteOptions) => Server;
const crc32 = createRequire(require.resolve('dynalite'))('buffer-crc32') as { unsigned(body: string): number };
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
/** Marks the harness's own requests (the reads behind the ALL_OLD shim), which are not counted. */
const INTERNAL = 'x-harness-internal';

/**
 * Starts dynalite on 127.0.0.1 and a free port, and creates the token table (`pk` string partition key).
 *
 * @example
 * ```ts
 * const { clientConfig, tableName, close } = await startDynalite({ tableName: 'tokens' });
 * ```
 */
export async function startDynalite(options: { readonly tableName?: string } = {}): Promise<DynaliteHandle> {
  // The SDK warns about Node versions it will drop; noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const tableName = options.tableName ?? 'cognito-tokens';
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const counts = { requests: {} as Record<string, number>, writes: [] as DynaliteWrite[] };
  let throttled: { until: number; errorName: string } | undefined;
  let internal: DynamoDBClient | undefined;
  // Requests still being served: closing under one would fail it inside dynalite, where nobody can catch it.
  let inFlight = 0;
  const [serve] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers[INTERNAL] !== undefined) return serve?.(req, res);
    inFlight++;
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    counts.requests[operation] = (counts.requests[operation] ?? 0) + 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    if (throttled !== undefined && Date.now() < throttled.until) {
      const { errorName } = throttled;
      req.on('end', () => {
        if (WRITES.has(operation)) record(counts.writes, operation, chunks, false);
        answer(res, 400, { __type: `com.amazonaws.dynamodb.v20120810#${errorName}`, message: 'Rate exceeded' });
        inFlight--;
      });
      return;
    }
    const original = res.end.bind(res) as (body?: string) => ServerResponse;
    // dynalite answers (ends) once it is done with the request, even for a client that has gone.
    const end = (body?: string) => {
      inFlight--;
      return original(body);
    };
    (res as { end: unknown }).end = (body?: string) => {
      const refused = res.statusCode === 400 && String(body).includes('ConditionalCheckFailedException');
      if (WRITES.has(operation)) record(counts.writes, operation, chunks, res.statusCode === 200);
      const request = parse(chunks);
      if (!refused || request?.ReturnValuesOnConditionCheckFailure !== 'ALL_OLD') return end(body);
      internal ??= internalClient();
      internal
        .send(
          new GetItemCommand({
            TableName: request.TableName,
            Key: request.Key ?? keyOf(request),
            ConsistentRead: true,
          }),
        )
        .then(
          ({ Item }) => {
            const withItem = JSON.stringify({
              ...JSON.parse(String(body)),
              ...(Item === undefined ? {} : { Item: marshalled(Item) }),
            });
            res.setHeader('Content-Length', Buffer.byteLength(withItem, 'utf8'));
            res.setHeader('x-amz-crc32', crc32.unsigned(withItem));
            end(withItem);
          },
          () => end(body),
        );
      return res;
    };
    serve?.(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig: DynamoDBClientConfig = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDHARNESS', secretAccessKey: 'harness-secret' },
    maxAttempts: 1,
  };
  const createClient = (overrides: DynamoDBClientConfig = {}) => new DynamoDBClient({ ...clientConfig, ...overrides });
  const internalClient = () => {
    const client = createClient();
    client.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers[INTERNAL] = '1';
        return next(args);
      },
      { step: 'build' },
    );
    return client;
  };
  const close = async () => {
    // Abandoned requests (a client that gave up on an answer) are still answered first, for at most 30 s.
    for (const giveUpAt = Date.now() + 30_000; inFlight > 0 && Date.now() < giveUpAt; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise<void>((resolve, reject) => {
      internal?.destroy();
      server.close((error?: Error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  };

  const admin = createClient();
  try {
    await admin.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    await close();
    throw error;
  } finally {
    admin.destroy();
  }
  counts.requests = {};
  return {
    endpoint,
    tableName,
    clientConfig,
    createClient,
    close,
    get requests() {
      return counts.requests;
    },
    get writes() {
      return counts.writes;
    },
    resetCounts() {
      counts.requests = {};
      counts.writes = [];
    },
    throttle(ms, errorName = 'ThrottlingException') {
      throttled = { until: Date.now() + ms, errorName };
    },
  };
}

/** dynalite in a child process: the same server, with its counts and controls asked for over stdin/stdout. */
export interface DynaliteProcess {
  readonly endpoint: string;
  readonly tableName: string;
  counts(): Promise<{ requests: Record<string, number>; writes: DynaliteWrite[] }>;
  resetCounts(): Promise<void>;
  throttle(ms: number, errorName?: string): Promise<void>;
  /** Stops the server (after the requests it is still serving) and waits for the process to exit. */
  close(): Promise<void>;
}

/**
 * Starts harness/dynalite-process.ts in a child process (through scripts/run.mjs, from the project root).
 *
 * @example
 * ```ts
 * const dynalite = await startDynaliteProcess();
 * await dynalite.throttle(2_000);
 * const { requests } = await dynalite.counts();
 * await dynalite.close();
 * ```
 */
export async function startDynaliteProcess(): Promise<DynaliteProcess> {
  const root = dirname(require.resolve('cognito-token-provider/package.json'));
  const child = spawn(process.execPath, [join(root, 'scripts/run.mjs'), join(root, 'harness/dynalite-process.ts')], {
    cwd: root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting: ((message: Record<string, unknown>) => void)[] = [];
  onJsonLines(child.stdout, (message) => waiting.shift()?.(message));
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      waiting.push(resolve);
      exited.then(() => reject(new Error('the dynalite process exited')));
    });
  const ask = (message: Record<string, unknown>) => {
    const answer = next();
    child.stdin?.write(`${JSON.stringify(message)}\n`);
    return answer;
  };
  const ready = (await next()) as { endpoint: string; tableName: string };
  return {
    endpoint: ready.endpoint,
    tableName: ready.tableName,
    counts: async () =>
      (await ask({ command: 'counts' })) as { requests: Record<string, number>; writes: DynaliteWrite[] },
    resetCounts: async () => {
      await ask({ command: 'reset' });
    },
    throttle: async (ms, errorName) => {
      await ask({ command: 'throttle', ms, errorName });
    },
    close: async () => {
      if (child.exitCode === null) await ask({ command: 'close' }).catch(() => undefined);
      await exited;
    },
  };
}

type WriteRequest = {
  TableName?: string;
  Key?: Record<string, AttributeValue>;
  Item?: Record<string, AttributeValue>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  ReturnValuesOnConditionCheckFailure?: string;
};

function parse(chunks: readonly Buffer[]): WriteRequest | undefined {
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as WriteRequest;
  } catch {
    return undefined;
  }
}

function keyOf(request: WriteRequest): Record<string, AttributeValue> {
  return { pk: request.Item?.pk ?? { S: '' } };
}

function record(writes: DynaliteWrite[], operation: string, chunks: readonly Buffer[], ok: boolean): void {
  const request = parse(chunks);
  const pk = (request?.Key?.pk ?? request?.Item?.pk)?.S ?? '';
  const setsEntry = request?.Item?.entry !== undefined || request?.ExpressionAttributeValues?.[':entry'] !== undefined;
  writes.push({ operation, pk, at: Date.now(), ok, setsEntry });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/x-amz-json-1.0');
  res.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
  res.setHeader('x-amz-crc32', crc32.unsigned(text));
  res.end(text);
}

/** The SDK's item back in the wire format, as DynamoDB sends it in an error's `Item`. */
function marshalled(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => [
      name,
      Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)),
    ]),
  );
}
