import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { buildTestApp, openTestDatabase } from './helpers/test-app.js';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.close());

describe('probes', () => {
  it('GET /healthz answers without touching the database', async () => {
    const app = buildTestApp(db, { checkDatabase: () => Promise.reject(new Error('down')) });
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when the database answers', async () => {
    const res = await request(buildTestApp(db)).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks.database).toBe('ok');
  });

  it('GET /readyz is 503 when the database check fails, without details', async () => {
    const app = buildTestApp(db, {
      checkDatabase: () => Promise.reject(new Error('ECONNREFUSED 10.0.0.5:5432')),
    });
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', checks: { database: 'failed' } });
  });
});
