import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EnvError } from '../config/env.js';
import { DEFAULT_REDIS_URL, loadRedisConfig } from './redis.config.js';

const { name } = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string };

describe('loadRedisConfig', () => {
  it('defaults to a local Redis, a 60 s TTL and the package name as key prefix', () => {
    expect(loadRedisConfig({ NODE_ENV: 'development' })).toEqual({
      url: DEFAULT_REDIS_URL,
      ttlSeconds: 60,
      keyPrefix: `${name}:`,
      timeoutMs: 250,
    });
    expect(loadRedisConfig({ NODE_ENV: 'test', REDIS_URL: '' }).url).toBe(DEFAULT_REDIS_URL);
  });

  it('reads REDIS_URL and CACHE_*', () => {
    expect(
      loadRedisConfig({
        REDIS_URL: 'rediss://cache.internal:6380/2',
        CACHE_TTL_SECONDS: '300',
        CACHE_KEY_PREFIX: 'orders-api:',
        CACHE_TIMEOUT_MS: '100',
      }),
    ).toEqual({
      url: 'rediss://cache.internal:6380/2',
      ttlSeconds: 300,
      keyPrefix: 'orders-api:',
      timeoutMs: 100,
    });
  });

  it('requires REDIS_URL in production', () => {
    expect(() => loadRedisConfig({ NODE_ENV: 'production' })).toThrow(EnvError);
    expect(() => loadRedisConfig({ NODE_ENV: 'production' })).toThrow(
      /REDIS_URL: required when NODE_ENV=production/,
    );
    expect(loadRedisConfig({ NODE_ENV: 'production', REDIS_URL: 'redis://redis:6379/0' }).url).toBe(
      'redis://redis:6379/0',
    );
  });

  it('names each bad variable without echoing its value', () => {
    const bad = () =>
      loadRedisConfig({
        REDIS_URL: 'http://user:s3cret@example.com',
        CACHE_TTL_SECONDS: '0',
        CACHE_KEY_PREFIX: 'a b*',
      });
    expect(bad).toThrow(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(bad).toThrow(/CACHE_TTL_SECONDS/);
    expect(bad).toThrow(/CACHE_KEY_PREFIX/);
    expect(bad).not.toThrow(/s3cret/);
  });
});
