/**
 * The cache against a real Redis: runs only when REDIS_URL is set (CI provides one; locally
 * `docker compose up -d redis`). Every key lives under a random prefix that is deleted afterwards,
 * so runs on a shared Redis never collide.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createClient } from 'redis';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisFeature } from '../src/cache/redis.feature.js';
import type { Database } from '../src/db/database.js';
import type { Feature } from '../src/lib/feature.js';
import { buildTestApp, openTestDatabase, resetDatabase } from './helpers/test-app.js';

const REDIS_URL = process.env.REDIS_URL;

// A real Redis on a loaded 2-core runner can be slow: the waits end as soon as their condition holds.
const TEST_TIMEOUT_MS = 120_000;
const TTL_SECONDS = 60;

describe.runIf(REDIS_URL)(
  'the cache over Redis (runs when REDIS_URL is set)',
  { timeout: TEST_TIMEOUT_MS },
  () => {
    const prefix = `cache-it-${randomUUID().slice(0, 8)}:`;
    const logs: { msg: string; key?: string }[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs.push(JSON.parse(chunk.toString()) as (typeof logs)[number]);
          done();
        },
      }),
    );
    const redis = createClient({ url: REDIS_URL });
    let db: Database;
    let feature: Feature;
    let app: ReturnType<typeof buildTestApp>;

    beforeAll(async () => {
      db = await openTestDatabase();
      await redis.connect();
      // A timeout generous enough for a busy machine: these tests check behaviour, not speed.
      feature = redisFeature({
        config: { url: REDIS_URL!, ttlSeconds: TTL_SECONDS, keyPrefix: prefix, timeoutMs: 10_000 },
      });
      await feature.start?.({ logger, prisma: db.prisma });
      app = buildTestApp(db, { features: [feature] });
      // Connected in the background: wait for the readiness check to say so.
      while ((await request(app).get('/readyz')).body.checks?.cache !== 'ok') {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }, TEST_TIMEOUT_MS);

    afterAll(async () => {
      await feature?.stop?.();
      if (redis.isOpen) {
        for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) {
          if (keys.length > 0) await redis.del(keys);
        }
        await redis.close();
      }
      await db?.close();
    }, TEST_TIMEOUT_MS);

    beforeEach(async () => {
      await resetDatabase(db);
      logs.length = 0;
    });

    const createUser = async (email = 'ada@example.com') =>
      (await request(app).post('/users').send({ email, name: 'Ada Lovelace' }).expect(201))
        .body as {
        id: string;
        email: string;
        name: string;
      };
    const keyOf = (id: string) => `${prefix}users:${id}`;
    const cacheLogs = () =>
      logs.filter(({ msg }) => msg.startsWith('cache ')).map(({ msg, key }) => [msg, key]);

    it('misses, stores the user under the prefixed key with the TTL, then hits', async () => {
      const user = await createUser();
      const first = await request(app).get(`/users/${user.id}`);
      expect(first.status).toBe(200);
      expect(JSON.parse((await redis.get(keyOf(user.id)))!)).toEqual(first.body);
      const ttl = await redis.ttl(keyOf(user.id));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(TTL_SECONDS);

      const second = await request(app).get(`/users/${user.id}`);
      expect(second.body).toEqual(first.body);
      expect(cacheLogs()).toEqual([
        ['cache miss', keyOf(user.id)],
        ['cache hit', keyOf(user.id)],
      ]);
      // Keys name ids only: the email never reaches the log.
      expect(JSON.stringify(logs)).not.toContain(user.email);
    });

    it('answers a hit from Redis, not the database', async () => {
      const user = await createUser();
      await request(app).get(`/users/${user.id}`).expect(200);
      // A change behind the API's back is not seen until the TTL ends (or the API writes).
      await db.prisma.user.update({ where: { id: user.id }, data: { name: 'Changed in SQL' } });
      expect((await request(app).get(`/users/${user.id}`)).body.name).toBe('Ada Lovelace');
    });

    it('invalidates on PATCH: the next read sees the change', async () => {
      const user = await createUser();
      await request(app).get(`/users/${user.id}`).expect(200);
      const patched = await request(app).patch(`/users/${user.id}`).send({ name: 'Ada King' });
      expect(patched.status).toBe(200);
      expect(await redis.exists(keyOf(user.id))).toBe(0);
      expect((await request(app).get(`/users/${user.id}`)).body.name).toBe('Ada King');
    });

    it('invalidates on DELETE, and caches no 404', async () => {
      const user = await createUser();
      await request(app).get(`/users/${user.id}`).expect(200);
      await request(app).delete(`/users/${user.id}`).expect(204);
      expect(await redis.exists(keyOf(user.id))).toBe(0);
      await request(app).get(`/users/${user.id}`).expect(404);
      expect(await redis.exists(keyOf(user.id))).toBe(0);
    });

    it('keeps every key under its prefix, apart from another prefix on the same Redis', async () => {
      const user = await createUser();
      await request(app).get(`/users/${user.id}`).expect(200);
      expect(await redis.exists(`users:${user.id}`)).toBe(0);

      const otherPrefix = `${prefix}other:`;
      const other = redisFeature({
        config: {
          url: REDIS_URL!,
          ttlSeconds: TTL_SECONDS,
          keyPrefix: otherPrefix,
          timeoutMs: 10_000,
        },
      });
      await other.start?.({ logger, prisma: db.prisma });
      try {
        const otherApp = buildTestApp(db, { features: [other] });
        while ((await request(otherApp).get('/readyz')).body.checks?.cache !== 'ok') {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        logs.length = 0;
        await request(otherApp).get(`/users/${user.id}`).expect(200);
        expect(cacheLogs()).toEqual([['cache miss', `${otherPrefix}users:${user.id}`]]);
      } finally {
        await other.stop?.();
      }
    });

    it('reads a cached value of another shape (an older version) as a miss', async () => {
      const user = await createUser();
      await redis.set(keyOf(user.id), JSON.stringify({ id: user.id, fullName: 'old shape' }));
      const res = await request(app).get(`/users/${user.id}`);
      expect(res.body).toMatchObject({ id: user.id, name: 'Ada Lovelace' });
      expect(JSON.parse((await redis.get(keyOf(user.id)))!)).toEqual(res.body);
    });
  },
);
