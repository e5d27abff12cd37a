/**
 * A DynamoDB for tests and benchmarks: dynalite (an in-memory implementation of the DynamoDB API) in this
 * process, on a free loopback port, with a token table shaped as `dynamoDbTokenStore` expects.
 *
 * API: `startDynalite({ tableName? })` → {@link DynaliteHandle}
 * `{ endpoint, tableName, clientConfig, createClient(), close() }`.
 *
 * Differences from DynamoDB that matter here: dynalite has no UpdateTimeToLive, so TTL is not turned on and
 * it never deletes expired items (which exercises the store's own expiry check on read); it does not
 * check credentials, so any will do.
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
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

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
}

interface DynaliteOptions {
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
}

// dynalite is CommonJS without types.
const dynalite = createRequire(import.meta.url)('dynalite') as (options?: DynaliteOptions) => Server;

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
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error?: Error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });

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
  return { endpoint, tableName, clientConfig, createClient, close };
}
