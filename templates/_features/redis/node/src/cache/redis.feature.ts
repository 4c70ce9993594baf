// node-redis (the `redis` package) rather than ioredis: it is the client Redis maintains and
// recommends for new projects (ioredis is maintained on a best-effort basis), it is typed from the
// start, and it covers what a cache needs: reconnection with backoff, an offline mode that rejects at
// once instead of queueing, and a graceful close.
import { createClient } from 'redis';
import type { ReadCache } from '../lib/cache.js';
import type { Feature } from '../lib/feature.js';
import type { Logger } from '../lib/logger.js';
import { RedisCache, withTimeout } from './redis-cache.js';
import { loadRedisConfig, type RedisConfig } from './redis.config.js';

// A probe can wait longer than a request: it decides what /readyz reports, not a user's latency.
const PING_TIMEOUT_MS = 1_000;
const CLOSE_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;
const MAX_RECONNECT_DELAY_MS = 5_000;

export interface RedisFeatureOptions {
  /** Default: REDIS_URL and CACHE_* from the environment, read at start. */
  config?: RedisConfig;
}

/**
 * A Redis read cache (src/lib/cache.ts) for the users module. The client connects in the background
 * and reconnects with backoff: the server starts without Redis, requests read from the database
 * while it is away, and the `cache` readiness check reports it as "unavailable" without taking the
 * instance out of rotation (`critical: false`).
 */
export function redisFeature(options: RedisFeatureOptions = {}): Feature {
  let running: { client: ReturnType<typeof connect>; cache: RedisCache } | undefined;

  // Answers (as misses) before start and after stop too, as Feature.cache must.
  const cache: ReadCache = {
    get: (key) => running?.cache.get(key) ?? Promise.resolve(undefined),
    set: (key, value) => running?.cache.set(key, value) ?? Promise.resolve(),
    delete: (key) => running?.cache.delete(key) ?? Promise.resolve(),
  };

  return {
    name: 'cache',
    cache,
    readiness: [
      {
        name: 'cache',
        critical: false,
        check: async () => {
          if (!running?.client.isReady) throw new Error('not connected to Redis');
          await withTimeout(running.client.ping(), PING_TIMEOUT_MS);
        },
      },
    ],
    start({ logger }) {
      const config = options.config ?? loadRedisConfig();
      const client = connect(config, logger);
      running = {
        client,
        cache: new RedisCache({
          client: () => (client.isReady ? client : undefined),
          keyPrefix: config.keyPrefix,
          ttlSeconds: config.ttlSeconds,
          timeoutMs: config.timeoutMs,
          logger,
        }),
      };
    },
    // Lets commands in flight finish; a Redis that stalls is cut off rather than holding up shutdown.
    async stop() {
      const client = running?.client;
      running = undefined;
      if (!client?.isOpen) return;
      try {
        await withTimeout(client.close(), CLOSE_TIMEOUT_MS);
      } catch {
        client.destroy();
      }
    },
  };
}

/** A client that connects in the background, logging each outage once (not every retry). */
function connect(config: RedisConfig, logger: Logger) {
  const client = createClient({
    url: config.url,
    // While disconnected, commands fail at once (a cache miss) instead of waiting in a queue.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Exponential backoff with jitter, capped; never gives up (the first connection included).
      reconnectStrategy: (retries) =>
        Math.min(100 * 2 ** retries, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100),
    },
  });
  let outageLogged = false;
  client.on('ready', () => {
    outageLogged = false;
    logger.info('cache connected to Redis');
  });
  // node-redis emits every connection error here (and throws if nothing listens).
  client.on('error', (err: unknown) => {
    if (outageLogged) return logger.debug({ err }, 'cache still cannot reach Redis');
    outageLogged = true;
    logger.warn({ err }, 'cache cannot reach Redis: reading from the database, retrying');
  });
  // Rejects only when the client is closed before it ever connected (stop during an outage).
  client.connect().catch(() => {});
  return client;
}
