/**
 * `redisTokenStore`: a fleet's shared token cache in Redis or Valkey. It imports no Redis client: you pass yours
 * (ioredis, iovalkey).
 *
 * @packageDocumentation
 * @module cognito-token-provider/redis
 */

export { type RedisClientLike, type RedisTokenStoreOptions, redisTokenStore } from './redis-token-store.js';
