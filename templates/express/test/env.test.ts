import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from '../src/config/env.js';
import { collect, PROCESS_TEST_TIMEOUT, spawnServer, waitForExit } from './helpers/spawn-server.js';

describe('environment validation', () => {
  it('applies safe defaults', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      CORS_ORIGINS: [],
      RATE_LIMIT_MAX: 100,
      BODY_LIMIT: '100kb',
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('requires a real database in production unless the embedded one is chosen on purpose', () => {
    expect(() => loadEnv({ NODE_ENV: 'production' })).toThrow(
      /DATABASE_URL: required when NODE_ENV=production/,
    );
    expect(
      loadEnv({ NODE_ENV: 'production', PGLITE_DATA_DIR: '/data/pglite' }).PGLITE_DATA_DIR,
    ).toBe('/data/pglite');
    expect(
      loadEnv({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://u@db:5432/app' }).DATABASE_URL,
    ).toBeDefined();
  });

  it('parses lists and numbers', () => {
    const env = loadEnv({
      CORS_ORIGINS: 'https://a.example, http://localhost:5173',
      RATE_LIMIT_MAX: '5',
      DATABASE_URL: 'postgresql://u:p@localhost:5432/app',
    });
    expect(env.CORS_ORIGINS).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(env.RATE_LIMIT_MAX).toBe(5);
  });

  it('names every bad variable without printing its value', () => {
    const secret = 'mysql://root:topsecret@db/app';
    let error: unknown;
    try {
      loadEnv({ PORT: 'abc', DATABASE_URL: secret, CORS_ORIGINS: '*' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).toMatch(/CORS_ORIGINS/);
    expect(message).not.toContain('topsecret');
  });

  it(
    'makes the server exit 1 with a clear message and no stack trace',
    async () => {
      const child = spawnServer({ PORT: 'not-a-port' });
      const stderr = collect(child.stderr);
      expect(await waitForExit(child)).toBe(1);
      expect(stderr.text).toContain('PORT');
      expect(stderr.text).not.toMatch(/\n\s+at /);
    },
    PROCESS_TEST_TIMEOUT,
  );
});
