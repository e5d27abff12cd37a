import {
  DeleteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { rejectUnknownOptions } from '../core/known-options.js';
import { configurationError } from '../errors.js';
import { encryptionKeyOption } from '../fleet/entry-sealing.js';
import { type SharedTokenStore, shareTokenStore } from '../fleet/share-token-store.js';
import type { TokenStore } from '../fleet/token-store.js';

/**
 * The DynamoDB client to use: your own, or the configuration of one the store creates on first use. At
 * most one of the two.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import type { DynamoDbClientChoice } from 'cognito-token-provider/dynamodb';
 * const own: DynamoDbClientChoice = { client: new DynamoDBClient({ region: 'eu-west-1' }) };
 * const configured: DynamoDbClientChoice = { clientConfig: { region: 'eu-west-1' } };
 * ```
 */
export type DynamoDbClientChoice =
  | {
      /** Your client, used as it is (its retries included). */
      readonly client: DynamoDBClient;
      /** Not with `client`: configure your client instead. */
      readonly clientConfig?: never;
    }
  | {
      /** Not with `clientConfig`. */
      readonly client?: never;
      /**
       * The configuration of the client the store creates on its first call. Default `{ maxAttempts: 1 }`:
       * a failing store call is not retried, as the provider falls back to Cognito at once.
       */
      readonly clientConfig?: DynamoDBClientConfig | undefined;
    };

/**
 * Options of {@link dynamoDbTokenStore}.
 *
 * The table needs a string partition key named `pk` and no sort key; turn on TTL on the attribute `ttl`
 * so DynamoDB deletes what has expired (the store ignores expired items it still finds). The instances
 * need `dynamodb:GetItem`, `dynamodb:PutItem` and `dynamodb:DeleteItem` on it.
 *
 * @example
 * ```ts
 * import type { DynamoDbTokenStoreOptions } from 'cognito-token-provider/dynamodb';
 * const options: DynamoDbTokenStoreOptions = {
 *   tableName: process.env.TOKEN_TABLE!,
 *   clientConfig: { region: 'eu-west-1' },
 * };
 * ```
 */
export type DynamoDbTokenStoreOptions = {
  /** The table's name or ARN. */
  readonly tableName: string;
  /**
   * A 32-byte key (bytes, or their base64) that seals every entry instead of keys derived from the
   * instances' secrets: for fleets whose instances do not all hold the same password and client secret.
   * Default: none (derived keys). Kept private: printing the store does not show it.
   */
  readonly encryptionKey?: Uint8Array | string | undefined;
} & DynamoDbClientChoice;

/**
 * A {@link TokenStore} on a DynamoDB table, for the providers' `sharedCache` option: the instances of a
 * fleet share one sign-in, and one takes a lease (a conditional write) to fetch for all.
 *
 * Each identity takes two items: its entry (`pk`, `entry`, `expiresAt`, `ttl`) and, while an instance is
 * fetching, a lease (`pk` ending in `#lease`, `holder`, `leaseUntil`, `ttl`). Reads are strongly
 * consistent. Options are checked at once; the client is created on the first call.
 *
 * @example
 * ```ts
 * import { createTokenProvider, type UserCredentials } from 'cognito-token-provider';
 * import { dynamoDbTokenStore } from 'cognito-token-provider/dynamodb';
 *
 * declare const clientId: string;
 * declare const credentials: UserCredentials;
 * const sharedCache = dynamoDbTokenStore({ tableName: 'cognito-tokens', clientConfig: { region: 'eu-west-1' } });
 * const tokens = createTokenProvider({ clientId, credentials, sharedCache });
 * ```
 */
export function dynamoDbTokenStore(options: DynamoDbTokenStoreOptions): SharedTokenStore {
  if (typeof options !== 'object' || options === null) {
    throw configurationError('options', 'must be an object with "tableName"');
  }
  rejectUnknownOptions(options, ['tableName', 'encryptionKey', 'client', 'clientConfig'], 'dynamoDbTokenStore');
  const { tableName, client, clientConfig } = options;
  if (typeof tableName !== 'string' || !(TABLE_NAME.test(tableName) || TABLE_ARN.test(tableName))) {
    throw configurationError(
      'tableName',
      'must be a DynamoDB table name (3 to 255 letters, digits, "_", "-" or ".") or a table ARN',
    );
  }
  if (client !== undefined && clientConfig !== undefined) {
    throw configurationError('client', 'cannot be combined with "clientConfig": pass one or the other');
  }
  if (client !== undefined && typeof (client as { send?: unknown } | null)?.send !== 'function') {
    throw configurationError('client', 'must be a DynamoDBClient from @aws-sdk/client-dynamodb');
  }
  if (clientConfig !== undefined && (typeof clientConfig !== 'object' || clientConfig === null)) {
    throw configurationError('clientConfig', 'must be a DynamoDBClient configuration object');
  }
  const encryptionKey = encryptionKeyOption(options.encryptionKey);
  return shareTokenStore(
    new DynamoDbTokenStore(
      tableName,
      client !== undefined ? () => client : () => new DynamoDBClient({ maxAttempts: 1, ...clientConfig }),
      encryptionKey,
    ),
  );
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;
const LEASE_SUFFIX = '#lease';
const CONDITION_FAILED = 'ConditionalCheckFailedException';

/**
 * Private fields only, so nothing it holds (the client, the encryption key) shows when it is logged, whether on
 * its own or through the `shareTokenStore` wrapper that `dynamoDbTokenStore` returns.
 */
class DynamoDbTokenStore implements TokenStore {
  readonly #tableName: string;
  readonly #createClient: () => DynamoDBClient;
  readonly #encryptionKey: Uint8Array | undefined;
  #client: DynamoDBClient | undefined;

  constructor(tableName: string, createClient: () => DynamoDBClient, encryptionKey: Uint8Array | undefined) {
    this.#tableName = tableName;
    this.#createClient = createClient;
    this.#encryptionKey = encryptionKey;
  }

  async get(key: string, signal: AbortSignal): Promise<string | undefined> {
    const { Item } = await this.#sdk().send(
      new GetItemCommand({
        TableName: this.#tableName,
        Key: { pk: { S: key } },
        ConsistentRead: true,
        ProjectionExpression: '#entry, #expiresAt',
        ExpressionAttributeNames: { '#entry': 'entry', '#expiresAt': 'expiresAt' },
      }),
      { abortSignal: signal },
    );
    const entry = Item?.entry?.S;
    // DynamoDB deletes expired items within days, not at once: an item past its time is absent.
    return entry !== undefined && Number(Item?.expiresAt?.N) > Date.now() ? entry : undefined;
  }

  async put(key: string, value: string, expiresAtMs: number, signal: AbortSignal): Promise<void> {
    await this.#sdk().send(
      new PutItemCommand({
        TableName: this.#tableName,
        Item: {
          pk: { S: key },
          entry: { S: value },
          expiresAt: { N: String(Math.floor(expiresAtMs)) },
          ttl: { N: String(Math.ceil(expiresAtMs / 1000)) },
        },
      }),
      { abortSignal: signal },
    );
  }

  async acquireLease(key: string, holder: string, ttlMs: number, signal: AbortSignal): Promise<boolean> {
    const now = Date.now();
    const leaseUntil = now + Math.max(1, Math.floor(ttlMs));
    try {
      await this.#sdk().send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: {
            pk: { S: key + LEASE_SUFFIX },
            holder: { S: holder },
            leaseUntil: { N: String(leaseUntil) },
            ttl: { N: String(Math.ceil(leaseUntil / 1000)) },
          },
          // A lapsed lease is taken over in the same write: its holder crashed or gave up.
          ConditionExpression: 'attribute_not_exists(#pk) OR #leaseUntil < :now',
          ExpressionAttributeNames: { '#pk': 'pk', '#leaseUntil': 'leaseUntil' },
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
        { abortSignal: signal },
      );
      return true;
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === CONDITION_FAILED) return false;
      throw error;
    }
  }

  async releaseLease(key: string, holder: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#sdk().send(
        new DeleteItemCommand({
          TableName: this.#tableName,
          Key: { pk: { S: key + LEASE_SUFFIX } },
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#holder': 'holder' },
          ExpressionAttributeValues: { ':holder': { S: holder } },
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      // Someone else's lease now (ours lapsed and was taken over), or none: nothing of ours to release.
      if ((error as { name?: unknown } | null)?.name !== CONDITION_FAILED) throw error;
    }
  }

  encryptionKey(): Uint8Array | undefined {
    return this.#encryptionKey === undefined ? undefined : new Uint8Array(this.#encryptionKey);
  }

  #sdk(): DynamoDBClient {
    this.#client ??= this.#createClient();
    return this.#client;
  }
}
