import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { buildTestApp, openTestDatabase } from './helpers/test-app.js';

let db: Database;
let app: ReturnType<typeof buildTestApp>;

beforeAll(async () => {
  db = await openTestDatabase();
  app = buildTestApp(db);
});
afterAll(() => db.close());

describe('API documentation', () => {
  it('serves an OpenAPI 3.1 document generated from the Zod schemas', async () => {
    const res = await request(app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/users', '/users/{id}']),
    );
    expect(res.body.components.schemas.User.required).toEqual(
      expect.arrayContaining(['id', 'email', 'name']),
    );
  });

  it('serves Swagger UI with its assets from this server (works offline)', async () => {
    const page = await request(app).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
    const asset = await request(app).get('/docs/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
  });
});
