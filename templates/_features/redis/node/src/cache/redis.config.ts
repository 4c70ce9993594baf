import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envSchema, parseEnv } from '../config/env.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';

// src/cache and dist/cache are both two levels below the part's root.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const redisEnvSchema = z
  .object({
    NODE_ENV: envSchema.shape.NODE_ENV,
    REDIS_URL: z
      .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
      .optional(),
    // How long a cached read may be served before the database is asked again. Writes through this
    // API invalidate at once; the TTL bounds staleness from anything else (another writer, a race).
    CACHE_TTL_SECONDS: int(1, 86_400).default(60),
    // Every key starts with it, so several parts (or projects) can share one Redis. Default: the
    // package name and a colon, e.g. "my-api:".
    CACHE_KEY_PREFIX: z
      .string()
      .max(64)
      .regex(/^[^\s*?[\]]+$/, 'no spaces or glob characters (* ? [ ])')
      .optional(),
    // Longest a request waits for Redis before treating it as a miss: a slow cache must not make
    // the API slower than having none.
    CACHE_TIMEOUT_MS: int(10, 10_000).default(250),
  })
  .superRefine((env, ctx) => {
    // Like DATABASE_URL: a production API that quietly looked for Redis on localhost would run
    // without its cache and say so only in /readyz.
    if (env.NODE_ENV === 'production' && !env.REDIS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_URL'],
        message: 'required when NODE_ENV=production',
      });
    }
  });

export interface RedisConfig {
  url: string;
  ttlSeconds: number;
  keyPrefix: string;
  timeoutMs: number;
}

/** Reads REDIS_URL and CACHE_*; throws EnvError (a readable message, no values) when invalid. */
export function loadRedisConfig(source: NodeJS.ProcessEnv = process.env): RedisConfig {
  const env = parseEnv(redisEnvSchema, source);
  return {
    url: env.REDIS_URL ?? DEFAULT_REDIS_URL,
    ttlSeconds: env.CACHE_TTL_SECONDS,
    keyPrefix: env.CACHE_KEY_PREFIX ?? `${pkg.name}:`,
    timeoutMs: env.CACHE_TIMEOUT_MS,
  };
}
