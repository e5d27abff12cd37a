// The cognito-token-provider/redis entry point. It imports no Redis client: you pass yours (ioredis, iovalkey).
export { type RedisClientLike, type RedisTokenStoreOptions, redisTokenStore } from './redis-token-store.js';
