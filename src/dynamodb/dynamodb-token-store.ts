import {
  type AttributeValue,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { rejectUnknownOptions } from '../core/known-options.js';
import { configurationError } from '../errors.js';
import { encryptionKeyOption } from '../fleet/entry-sealing.js';
import { type SharedTokenStore, shareTokenStore } from '../fleet/share-token-store.js';
import type { LeaseAnswer, LeaseRequest, StoredEntry, StoreRecord, TokenStore } from '../fleet/token-store.js';

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
 * need `dynamodb:GetItem` and `dynamodb:UpdateItem` on it.
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
 * Each identity takes one item (`pk`): its entry (`entry`, `expiresAt`), while an instance is fetching its
 * lease (`holder`, `leaseUntil`, `expectedAt`), after a refusal its mark (`refusedThrough`), and `ttl`. Reads
 * are strongly consistent (one GetItem shows all of it); writes are conditional UpdateItems, and a refused one
 * returns the item (`ReturnValuesOnConditionCheckFailure`), which saves a read. Options are checked at once;
 * the client is created on the first call.
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
const CONDITION_FAILED = 'ConditionalCheckFailedException';
/** The item's attributes, by placeholder: every expression names them through these. */
const NAMES = {
  '#entry': 'entry',
  '#expiresAt': 'expiresAt',
  '#holder': 'holder',
  '#leaseUntil': 'leaseUntil',
  '#expectedAt': 'expectedAt',
  '#refused': 'refusedThrough',
  '#ttl': 'ttl',
} as const;
type Name = keyof typeof NAMES;
type Item = Record<string, AttributeValue>;
/** An entry newer than the stored one, and not refused. */
const NEWER =
  '(attribute_not_exists(#expiresAt) OR #expiresAt < :e) AND (attribute_not_exists(#refused) OR #refused < :e)';

/**
 * Private fields only, so nothing it holds (the client, the encryption key) shows when it is logged, whether on
 * its own or through the `shareTokenStore` wrapper that `dynamoDbTokenStore` returns.
 *
 * One item per key holds the entry, the lease and the refusal mark, so one strongly consistent GetItem shows
 * them all; every write is a conditional UpdateItem, and a refused one returns the item it was checked against.
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

  async read(key: string, signal: AbortSignal): Promise<StoreRecord> {
    const { Item } = await this.#sdk().send(
      new GetItemCommand({
        TableName: this.#tableName,
        Key: { pk: { S: key } },
        ConsistentRead: true,
        ProjectionExpression: '#entry, #expiresAt, #leaseUntil, #expectedAt, #refused',
        ExpressionAttributeNames: names('#entry', '#expiresAt', '#leaseUntil', '#expectedAt', '#refused'),
      }),
      { abortSignal: signal },
    );
    return recordOf(Item);
  }

  async acquireLease(
    key: string,
    lease: LeaseRequest,
    unlessEntryExpiresAfterMs: number,
    signal: AbortSignal,
  ): Promise<LeaseAnswer> {
    const now = Date.now();
    const leaseUntil = now + Math.max(1, Math.floor(lease.ttlMs));
    // An entry that makes the fetch unnecessary refuses the lease too, and comes back with the refusal.
    const entryCondition = Number.isFinite(unlessEntryExpiresAfterMs)
      ? ' AND (attribute_not_exists(#expiresAt) OR #expiresAt <= :unless)'
      : '';
    const answer = await this.#update(
      key,
      {
        // A lapsed lease is taken over in the same write: its holder crashed or gave up.
        UpdateExpression:
          'SET #holder = :holder, #leaseUntil = :until, #expectedAt = :expected, #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: `(attribute_not_exists(#leaseUntil) OR #leaseUntil < :now)${entryCondition}`,
        ExpressionAttributeNames: names(
          '#holder',
          '#leaseUntil',
          '#expectedAt',
          '#ttl',
          ...(entryCondition === '' ? [] : (['#expiresAt'] as const)),
        ),
        ExpressionAttributeValues: {
          ':holder': { S: lease.holder },
          ':until': number(leaseUntil),
          ':expected': number(now + Math.max(0, Math.floor(lease.expectedInMs))),
          ':ttl': number(Math.ceil(leaseUntil / 1000)),
          ':now': number(now),
          ...(entryCondition === '' ? {} : { ':unless': number(Math.floor(unlessEntryExpiresAfterMs)) }),
        },
      },
      signal,
    );
    if (answer.written) return { acquired: true };
    // A DynamoDB that does not return the item with a refusal (DynamoDB Local before 2023) costs a read.
    return { acquired: false, record: answer.old === undefined ? await this.read(key, signal) : recordOf(answer.old) };
  }

  async put(key: string, entry: StoredEntry, holder: string | undefined, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const expiresAt = Math.floor(entry.expiresAtMs);
    if (!(expiresAt > now)) {
      if (holder !== undefined) await this.releaseLease(key, holder, signal);
      return;
    }
    const set = {
      UpdateExpression: 'SET #entry = :entry, #expiresAt = :e, #ttl = :ttl',
      ConditionExpression: NEWER,
      ExpressionAttributeNames: names('#entry', '#expiresAt', '#ttl', '#refused'),
      ExpressionAttributeValues: {
        ':entry': { S: entry.value },
        ':e': number(expiresAt),
        ':ttl': number(Math.ceil(expiresAt / 1000)),
      },
    };
    if (holder === undefined) {
      await this.#update(key, set, signal);
      return;
    }
    // The entry and the end of our lease in one write, if the lease is still ours (or gone).
    const answer = await this.#update(
      key,
      {
        UpdateExpression: `${set.UpdateExpression} REMOVE #holder, #leaseUntil, #expectedAt`,
        ConditionExpression: `${NEWER} AND (attribute_not_exists(#holder) OR #holder = :holder OR #leaseUntil < :now)`,
        ExpressionAttributeNames: names(
          '#entry',
          '#expiresAt',
          '#ttl',
          '#refused',
          '#holder',
          '#leaseUntil',
          '#expectedAt',
        ),
        ExpressionAttributeValues: { ...set.ExpressionAttributeValues, ':holder': { S: holder }, ':now': number(now) },
      },
      signal,
    );
    if (answer.written) return;
    const old = answer.old ?? {};
    const stored = numberOf(old.expiresAt) ?? Number.NEGATIVE_INFINITY;
    const refused = numberOf(old.refusedThrough) ?? Number.NEGATIVE_INFINITY;
    if (expiresAt > stored && expiresAt > refused) {
      // Refused for another holder's live lease (ours lapsed and was taken over): the entry still helps.
      await this.#update(key, set, signal);
    } else if (old.holder?.S === holder) {
      // A newer or refused entry is there already: only our lease to end.
      await this.releaseLease(key, holder, signal);
    }
  }

  async releaseLease(key: string, holder: string, signal: AbortSignal): Promise<void> {
    // Someone else's lease now (ours lapsed and was taken over), or none: nothing of ours to release.
    await this.#update(
      key,
      {
        UpdateExpression: 'REMOVE #holder, #leaseUntil, #expectedAt',
        ConditionExpression: '#holder = :holder',
        ExpressionAttributeNames: names('#holder', '#leaseUntil', '#expectedAt'),
        ExpressionAttributeValues: { ':holder': { S: holder } },
      },
      signal,
      false,
    );
  }

  async refuse(key: string, expiresAtMs: number, signal: AbortSignal): Promise<void> {
    const refused = number(Math.floor(expiresAtMs));
    const raise = '(attribute_not_exists(#refused) OR #refused < :r)';
    const answer = await this.#update(
      key,
      {
        UpdateExpression: 'SET #refused = :r, #ttl = :ttl REMOVE #entry, #expiresAt',
        ConditionExpression: `${raise} AND (attribute_not_exists(#expiresAt) OR #expiresAt <= :r)`,
        ExpressionAttributeNames: names('#refused', '#ttl', '#entry', '#expiresAt'),
        ExpressionAttributeValues: { ':r': refused, ':ttl': number(Math.ceil(expiresAtMs / 1000)) },
      },
      signal,
    );
    const already = numberOf(answer.old?.refusedThrough) ?? Number.NEGATIVE_INFINITY;
    if (answer.written || already >= Math.floor(expiresAtMs)) return;
    // A newer entry is there, and stays: only the mark to raise (the item lives as long as that entry).
    await this.#update(
      key,
      {
        UpdateExpression: 'SET #refused = :r',
        ConditionExpression: raise,
        ExpressionAttributeNames: names('#refused'),
        ExpressionAttributeValues: { ':r': refused },
      },
      signal,
      false,
    );
  }

  encryptionKey(): Uint8Array | undefined {
    return this.#encryptionKey === undefined ? undefined : new Uint8Array(this.#encryptionKey);
  }

  /** A conditional UpdateItem: written, or refused with the item as it was (when asked for). */
  async #update(
    key: string,
    input: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Item;
    },
    signal: AbortSignal,
    returnOld = true,
  ): Promise<{ written: boolean; old?: Item }> {
    try {
      await this.#sdk().send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: { pk: { S: key } },
          ...input,
          ...(returnOld ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
        }),
        { abortSignal: signal },
      );
      return { written: true };
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name !== CONDITION_FAILED) throw error;
      const old = (error as { Item?: Item }).Item;
      return old === undefined ? { written: false } : { written: false, old };
    }
  }

  #sdk(): DynamoDBClient {
    this.#client ??= this.#createClient();
    return this.#client;
  }
}

function names(...placeholders: Name[]): Record<string, string> {
  return Object.fromEntries(placeholders.map((placeholder) => [placeholder, NAMES[placeholder]]));
}

function number(value: number): AttributeValue {
  return { N: String(value) };
}

function numberOf(value: AttributeValue | undefined): number | undefined {
  const parsed = value?.N === undefined ? Number.NaN : Number(value.N);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** What an item shows now: DynamoDB deletes expired items within days, not at once, so expiry is checked here. */
function recordOf(item: Item | undefined): StoreRecord {
  if (item === undefined) return {};
  const now = Date.now();
  const expiresAtMs = numberOf(item.expiresAt);
  const leaseUntil = numberOf(item.leaseUntil);
  const refusedThroughMs = numberOf(item.refusedThrough);
  const value = item.entry?.S;
  return {
    ...(value !== undefined && expiresAtMs !== undefined && expiresAtMs > now ? { entry: { value, expiresAtMs } } : {}),
    ...(leaseUntil !== undefined && leaseUntil > now
      ? { lease: { lapsesInMs: leaseUntil - now, expectedInMs: (numberOf(item.expectedAt) ?? now) - now } }
      : {}),
    ...(refusedThroughMs === undefined ? {} : { refusedThroughMs }),
  };
}
