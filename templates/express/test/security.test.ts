import { Router } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { Prisma } from '../src/generated/prisma/client.js';
import { buildTestApp, openTestDatabase, resetDatabase } from './helpers/test-app.js';

let db: Database;
let app: ReturnType<typeof buildTestApp>;

// A test-only route that fails with an internal message that must never reach clients.
const boom = Router()
  .get('/__boom', () => {
    throw new Error('connection string postgres://admin:s3cret@db/internal leaked?');
  })
  .get('/__db-down', () => {
    throw new Prisma.PrismaClientKnownRequestError("Can't reach database server at db:5432", {
      code: 'P1001',
      clientVersion: Prisma.prismaVersion.client,
    });
  });

beforeAll(async () => {
  db = await openTestDatabase();
  app = buildTestApp(db, { extraRouters: [boom] });
});
beforeEach(() => resetDatabase(db));
afterAll(() => db.close());

describe('security headers', () => {
  it('sets helmet headers on API, docs and error responses', async () => {
    for (const path of ['/users', '/nope', '/docs/', '/openapi.json']) {
      const res = await request(app).get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    }
  });

  it('never sends X-Powered-By, not even on probes', async () => {
    for (const path of ['/healthz', '/readyz', '/users', '/nope']) {
      expect((await request(app).get(path)).headers['x-powered-by']).toBeUndefined();
    }
  });
});

describe('X-Request-Id', () => {
  it('echoes a valid incoming id, also on error answers', async () => {
    const res = await request(app).get('/nope').set('X-Request-Id', 'abc-123.DEF:9');
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe('abc-123.DEF:9');
  });

  it('replaces a missing, unsafe or too long id with a UUID', async () => {
    const uuid = /^[0-9a-f-]{36}$/;
    expect((await request(app).get('/healthz')).headers['x-request-id']).toMatch(uuid);
    for (const bad of ['<script>', 'a b', 'x'.repeat(129)]) {
      const res = await request(app).get('/healthz').set('X-Request-Id', bad);
      expect(res.headers['x-request-id']).toMatch(uuid);
    }
  });
});

describe('CORS', () => {
  it('allows an origin from CORS_ORIGINS', async () => {
    const res = await request(app).get('/users').set('Origin', 'https://app.example.com');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('does not allow other origins, including on preflight', async () => {
    const res = await request(app).get('/users').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(app)
      .options('/users')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows nobody when CORS_ORIGINS is empty (the default)', async () => {
    const closed = buildTestApp(db, { config: { CORS_ORIGINS: [] } });
    const res = await request(closed).get('/users').set('Origin', 'https://app.example.com');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('request bodies', () => {
  it('answers 413 for a body over the limit', async () => {
    const res = await request(app)
      .post('/users')
      .send({ email: 'a@example.com', name: 'x'.repeat(200 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: 413, title: 'Content Too Large' });
  });

  it('answers 400 for malformed JSON without echoing it', async () => {
    const res = await request(app)
      .post('/users')
      .set('Content-Type', 'application/json')
      .send('{"email": "secret-in-body", ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, detail: 'Request body is not valid JSON' });
    expect(res.text).not.toContain('secret-in-body');
  });
});

describe('errors', () => {
  it('answers unknown routes with a problem details 404', async () => {
    const res = await request(app).get('/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, instance: '/does-not-exist' });
  });

  it('answers 500 problem details without stack trace or internal message', async () => {
    const res = await request(app).get('/__boom').set('X-Request-Id', 'req-500');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('req-500');
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'Internal server error',
      instance: '/__boom',
    });
    expect(res.text).not.toMatch(/s3cret|postgres:|at .*\.ts/);
  });

  it('answers 503 when the database is unreachable, without details', async () => {
    const res = await request(app).get('/__db-down');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect(res.text).not.toContain('db:5432');
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After once the limit is reached', async () => {
    const limited = buildTestApp(db, {
      config: { RATE_LIMIT_READ_MAX: 2, RATE_LIMIT_WINDOW_MS: 60_000 },
    });
    expect((await request(limited).get('/users')).status).toBe(200);
    expect((await request(limited).get('/users')).status).toBe(200);
    const res = await request(limited).get('/users');
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('never throttles health probes', async () => {
    const limited = buildTestApp(db, { config: { RATE_LIMIT_MAX: 1, RATE_LIMIT_READ_MAX: 1 } });
    for (let i = 0; i < 3; i++) expect((await request(limited).get('/healthz')).status).toBe(200);
  });
});
