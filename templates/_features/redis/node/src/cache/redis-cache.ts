import type { ReadCache } from '../lib/cache.js';
import type { Logger } from '../lib/logger.js';

/** The commands the cache sends: a node-redis client has them (and the unit tests fake them). */
export interface CacheClient {
  get(key: string): Promise<string | null>;
  set(
    key: string,
    value: string,
    options: { expiration: { type: 'EX'; value: number } },
  ): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

export class CacheTimeoutError extends Error {
  override name = 'CacheTimeoutError';
}

/**
 * Rejects with CacheTimeoutError once `ms` pass. node-redis's own command timeout stops counting
 * when the command is written, so it would not catch a Redis that accepts commands and then stalls.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CacheTimeoutError(`no answer from Redis in ${ms}ms`)), ms);
  });
  // The late answer (or error) of a command that lost the race is of no interest to anyone.
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface RedisCacheOptions {
  /** The connected client, or undefined while it is (re)connecting: reads then miss at once. */
  client: () => CacheClient | undefined;
  keyPrefix: string;
  ttlSeconds: number;
  timeoutMs: number;
  logger: Logger;
}

/**
 * ReadCache over Redis: JSON values under `<prefix><key>`, each with the TTL. Never throws: an error
 * or a slow answer is logged and read as a miss, so the database answers instead. Logs name keys
 * only (ids, never values: those hold personal data such as emails).
 */
export class RedisCache implements ReadCache {
  constructor(private readonly options: RedisCacheOptions) {}

  async get(key: string): Promise<unknown> {
    const { client, keyPrefix, timeoutMs, logger } = this.options;
    const redisKey = keyPrefix + key;
    const redis = client();
    if (!redis) {
      logger.debug({ key: redisKey }, 'cache miss (Redis unavailable)');
      return undefined;
    }
    try {
      const raw = await withTimeout(redis.get(redisKey), timeoutMs);
      if (raw === null) {
        logger.debug({ key: redisKey }, 'cache miss');
        return undefined;
      }
      logger.debug({ key: redisKey }, 'cache hit');
      return JSON.parse(raw) as unknown;
    } catch (err) {
      logger.warn({ err, key: redisKey }, 'cache read failed: read as a miss');
      return undefined;
    }
  }

  async set(key: string, value: unknown): Promise<void> {
    const { client, keyPrefix, ttlSeconds, timeoutMs, logger } = this.options;
    const redisKey = keyPrefix + key;
    const redis = client();
    if (!redis) return;
    try {
      await withTimeout(
        redis.set(redisKey, JSON.stringify(value), {
          expiration: { type: 'EX', value: ttlSeconds },
        }),
        timeoutMs,
      );
    } catch (err) {
      logger.warn({ err, key: redisKey }, 'cache write failed');
    }
  }

  async delete(key: string): Promise<void> {
    const { client, keyPrefix, timeoutMs, logger } = this.options;
    const redisKey = keyPrefix + key;
    const redis = client();
    // Missed invalidations (Redis down or slow) are logged: the old value may then be served until
    // its TTL ends, if Redis kept it.
    if (!redis) {
      logger.warn({ key: redisKey }, 'cache invalidation skipped (Redis unavailable)');
      return;
    }
    try {
      await withTimeout(redis.del(redisKey), timeoutMs);
    } catch (err) {
      logger.warn({ err, key: redisKey }, 'cache invalidation failed');
    }
  }
}
