import { Redis, type RedisOptions } from 'ioredis';

/**
 * Producers fail fast when Redis is away (so Slack gets an error and redelivers the event later);
 * workers wait for Redis to come back (BullMQ requires `maxRetriesPerRequest: null` for them).
 * `rediss://` URLs get TLS from ioredis itself.
 */
export function connectRedis(url: string, purpose: 'producer' | 'worker'): Redis {
  const options: RedisOptions =
    purpose === 'producer'
      ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 }
      : { maxRetriesPerRequest: null, connectTimeout: 5_000 };
  const redis = new Redis(url, { ...options, lazyConnect: false, connectionName: `luna-${purpose}` });
  // ioredis emits 'error' on every failed reconnect; readiness reports it, so don't crash on it.
  redis.on('error', () => {});
  return redis;
}
