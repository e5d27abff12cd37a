import { read } from './failure.js';

/** The methods the fleet protocol calls on a store: a value lacking one would fail every call it makes. */
const TOKEN_STORE_METHODS = ['read', 'acquireLease', 'put', 'releaseLease', 'refuse'] as const;

/**
 * Why `value` cannot serve as a `TokenStore`, as the rest of a sentence that starts with the option's name, or
 * `undefined` when it has every method. A Redis or DynamoDB client is the likely mistake, so it is told which
 * factory turns it into a store. The value itself is never quoted: a connection string may hold a password.
 */
export function tokenStoreShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return `must be a TokenStore (an object with ${andList(TOKEN_STORE_METHODS)} methods), not ${kindOf(value)}`;
  }
  const missing = TOKEN_STORE_METHODS.filter((method) => typeof read(value, method) !== 'function');
  if (missing.length === 0) return undefined;
  const has = (method: string) => typeof read(value, method) === 'function';
  const constructorName = read(read(value, 'constructor'), 'name');
  if ((has('set') && has('eval')) || constructorName === 'Redis' || constructorName === 'Cluster') {
    return 'is a Redis client, not a TokenStore: wrap it with redisTokenStore({ client }) from cognito-token-provider/redis';
  }
  if (has('send') && typeof read(value, 'config') === 'object') {
    return (
      'is an AWS SDK client such as DynamoDBClient, not a TokenStore: use dynamoDbTokenStore({ tableName, client }) ' +
      'from cognito-token-provider/dynamodb'
    );
  }
  return `must implement TokenStore: ${andList(missing)} ${missing.length === 1 ? 'is' : 'are'} missing`;
}

function andList(items: readonly string[]): string {
  return items.length === 1 ? (items[0] as string) : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return typeof value === 'function' ? 'a function' : `a ${typeof value}`;
}
