import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CacheTimeoutError, RedisCache, withTimeout, type CacheClient } from './redis-cache.js';

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: { level: number; msg: string; key?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, text: () => JSON.stringify(lines) };
}

/** An in-memory client; `stall` makes every command hang, `fail` makes it reject. */
function fakeClient(mode: 'ok' | 'stall' | 'fail' = 'ok') {
  const store = new Map<string, { value: string; ttl: number }>();
  const answer = <T>(value: () => T): Promise<T> =>
    mode === 'stall'
      ? new Promise<T>(() => {})
      : mode === 'fail'
        ? Promise.reject(new Error('READONLY You cannot write against a read only replica'))
        : Promise.resolve(value());
  const client: CacheClient = {
    get: (key) => answer(() => store.get(key)?.value ?? null),
    set: (key, value, { expiration }) =>
      answer(() => store.set(key, { value, ttl: expiration.value }) && 'OK'),
    del: (key) => answer(() => Number(store.delete(key))),
  };
  return { client, store };
}

const user = { id: '7f1d2c1e-0000-4000-8000-000000000001', email: 'ada@example.com', name: 'Ada' };

function cacheWith(client: CacheClient | undefined, timeoutMs = 50) {
  const log = capturingLogger();
  const cache = new RedisCache({
    client: () => client,
    keyPrefix: 'app:',
    ttlSeconds: 60,
    timeoutMs,
    logger: log.logger,
  });
  return { cache, log };
}

describe('RedisCache', () => {
  it('stores JSON under the prefixed key with the TTL, reads it back, deletes it', async () => {
    const { client, store } = fakeClient();
    const { cache, log } = cacheWith(client);
    expect(await cache.get('users:1')).toBeUndefined();
    await cache.set('users:1', user);
    expect(store.get('app:users:1')).toEqual({ value: JSON.stringify(user), ttl: 60 });
    expect(await cache.get('users:1')).toEqual(user);
    await cache.delete('users:1');
    expect(store.has('app:users:1')).toBe(false);

    expect(log.lines.map(({ msg, key }) => [msg, key])).toEqual([
      ['cache miss', 'app:users:1'],
      ['cache hit', 'app:users:1'],
    ]);
    // Keys only: a cached value holds personal data.
    expect(log.text()).not.toContain(user.email);
  });

  it('misses at once while the client is not connected, and drops writes', async () => {
    const { cache, log } = cacheWith(undefined);
    expect(await cache.get('users:1')).toBeUndefined();
    await cache.set('users:1', user);
    await cache.delete('users:1');
    expect(log.lines.map(({ msg }) => msg)).toEqual([
      'cache miss (Redis unavailable)',
      'cache invalidation skipped (Redis unavailable)',
    ]);
  });

  it('reads a stalled Redis as a miss after the timeout instead of waiting for it', async () => {
    const { client } = fakeClient('stall');
    const { cache, log } = cacheWith(client, 50);
    // Each of these would hang forever without the timeout.
    expect(await cache.get('users:1')).toBeUndefined();
    await cache.set('users:1', user);
    await cache.delete('users:1');
    expect(log.lines.map(({ msg }) => msg)).toEqual([
      'cache read failed: read as a miss',
      'cache write failed',
      'cache invalidation failed',
    ]);
  });

  it('never throws: a failing command is logged and read as a miss', async () => {
    const { client } = fakeClient('fail');
    const { cache, log } = cacheWith(client);
    expect(await cache.get('users:1')).toBeUndefined();
    await expect(cache.set('users:1', user)).resolves.toBeUndefined();
    await expect(cache.delete('users:1')).resolves.toBeUndefined();
    expect(log.lines).toHaveLength(3);
    expect(log.lines.every(({ level }) => level === 40)).toBe(true); // warn
  });

  it('reads a value that is not JSON as a miss', async () => {
    const { client, store } = fakeClient();
    store.set('app:users:1', { value: '{not json', ttl: 60 });
    const { cache } = cacheWith(client);
    expect(await cache.get('users:1')).toBeUndefined();
  });
});

describe('withTimeout', () => {
  it('passes the answer through, or rejects with CacheTimeoutError when it is late', async () => {
    expect(await withTimeout(Promise.resolve('PONG'), 1_000)).toBe('PONG');
    await expect(withTimeout(new Promise(() => {}), 10)).rejects.toBeInstanceOf(CacheTimeoutError);
    // The late command's own rejection is handled, not reported as unhandled.
    const late = new Promise((_resolve, reject) => setTimeout(() => reject(new Error('late')), 20));
    await expect(withTimeout(late, 5)).rejects.toBeInstanceOf(CacheTimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 30));
  });
});
