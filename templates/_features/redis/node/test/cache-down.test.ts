/**
 * The cache with Redis down (REDIS_URL points at a closed port): always runs. The API must answer
 * from the database, /readyz must stay 200 and report the cache as unavailable, and start-up and
 * shutdown must not wait for Redis.
 */
import { createServer } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisFeature } from '../src/cache/redis.feature.js';
import type { Database } from '../src/db/database.js';
import { buildTestApp, openTestDatabase, resetDatabase, silentLogger } from './helpers/test-app.js';
import {
  collect,
  PROCESS_TEST_TIMEOUT,
  spawnServer,
  waitForExit,
  waitForListening,
} from './helpers/spawn-server.js';

/** A 127.0.0.1 port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) =>
    server.close((err) => (err ? reject(err) : resolve())),
  );
  return port;
}

/** Polls `probe` until it returns true; the test's timeout bounds it. */
async function eventually(probe: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, 100));
}

const ada = { email: 'ada@example.com', name: 'Ada Lovelace' };

describe('the cache with Redis down', () => {
  let db: Database;
  let redisUrl: string;

  beforeAll(async () => {
    db = await openTestDatabase();
    redisUrl = `redis://127.0.0.1:${await closedPort()}/0`;
  });
  beforeEach(() => resetDatabase(db));
  afterAll(() => db.close());

  const feature = () =>
    redisFeature({
      config: { url: redisUrl, ttlSeconds: 60, keyPrefix: 'cache-down-test:', timeoutMs: 250 },
    });

  it('serves every users route from the database, and stops without waiting', async () => {
    const cache = feature();
    await cache.start?.({ logger: silentLogger, prisma: db.prisma });
    try {
      const app = buildTestApp(db, { features: [cache] });
      const { body: user } = await request(app).post('/users').send(ada).expect(201);
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get(`/users/${user.id}`);
        expect(res.status).toBe(200);
        expect(res.body).toEqual(user);
      }
      const patched = await request(app).patch(`/users/${user.id}`).send({ name: 'Ada King' });
      expect(patched.status).toBe(200);
      expect((await request(app).get(`/users/${user.id}`)).body.name).toBe('Ada King');
      expect((await request(app).delete(`/users/${user.id}`)).status).toBe(204);
      expect((await request(app).get(`/users/${user.id}`)).status).toBe(404);
    } finally {
      await cache.stop?.();
    }
  });

  it('keeps /readyz at 200 and reports the cache as unavailable', async () => {
    const cache = feature();
    await cache.start?.({ logger: silentLogger, prisma: db.prisma });
    try {
      const res = await request(buildTestApp(db, { features: [cache] })).get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'degraded',
        checks: { database: 'ok', cache: 'unavailable' },
      });
    } finally {
      await cache.stop?.();
    }
  });

  it(
    'lets the real server start, answer and exit 0 on SIGTERM (real process)',
    async () => {
      const child = spawnServer({ REDIS_URL: redisUrl, LOG_LEVEL: 'info' });
      const stdout = collect(child.stdout);
      const port = await waitForListening(child);
      const base = `http://127.0.0.1:${port}`;

      const created = await fetch(`${base}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ada),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect((await fetch(`${base}/users/${id}`)).status).toBe(200);

      // Other features (e.g. a message broker) may have their own say on the status.
      const ready = (await (await fetch(`${base}/readyz`)).json()) as {
        checks: Record<string, string>;
      };
      expect(ready.checks.cache).toBe('unavailable');

      // The outage is logged once, however often the client retries.
      await eventually(() => stdout.text.includes('cache cannot reach Redis'));
      child.kill('SIGTERM');
      expect(await waitForExit(child)).toBe(0);
      expect(stdout.text.split('cache cannot reach Redis').length - 1).toBe(1);
    },
    PROCESS_TEST_TIMEOUT,
  );
});
