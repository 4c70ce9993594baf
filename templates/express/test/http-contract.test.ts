import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { buildTestApp, openTestDatabase, resetDatabase } from './helpers/test-app.js';

// What the OpenAPI document promises, checked against what the server does (the cases a
// schema-based fuzzer such as schemathesis found), and the one error format (RFC 9457).

let db: Database;
let app: ReturnType<typeof buildTestApp>;

beforeAll(async () => {
  db = await openTestDatabase();
  app = buildTestApp(db);
});
beforeEach(() => resetDatabase(db));
afterAll(() => db.close());

const PROBLEM_JSON = /^application\/problem\+json/;
const createUser = (body: object) => request(app).post('/users').send(body);

describe('no input gives a 5xx', () => {
  it('refuses control characters (a NUL byte breaks PostgreSQL) with 422', async () => {
    for (const body of [
      { email: 'ada@example.com', name: 'Ada\u0000Lovelace' },
      { email: 'ada@example.com', name: 'Ada\u001bLovelace' },
      { email: 'ada\u0000@example.com', name: 'Ada' },
    ]) {
      const res = await createUser(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
  });

  it('bounds pagination parameters', async () => {
    for (const query of [
      'offset=9223372036854775808',
      'limit=1e400',
      'offset=1.5',
      'limit=0',
      'offset=',
      'limit=0x10',
      'offset=1&offset=2',
    ]) {
      expect((await request(app).get(`/users?${query}`)).status, query).toBe(422);
    }
  });
});

describe('errors are RFC 9457 problem details', () => {
  it('for validation: 422 with one entry per field, values never echoed', async () => {
    const secret = 'hunter2-super-secret';
    const res = await createUser({ email: secret, name: '' });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body).toMatchObject({
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      detail: expect.any(String),
      instance: '/users',
    });
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { location: 'body', path: 'email', message: expect.any(String) },
        { location: 'body', path: 'name', message: expect.any(String) },
      ]),
    );
    expect(res.text).not.toContain(secret);
  });

  it('for unknown routes, malformed JSON and unsupported media types', async () => {
    const notFound = await request(app).get('/nope');
    expect(notFound.status).toBe(404);
    expect(notFound.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(notFound.body).toMatchObject({ title: 'Not Found', status: 404, instance: '/nope' });

    const malformed = await request(app)
      .post('/users')
      .set('Content-Type', 'application/json')
      .send('{"email": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ title: 'Bad Request', status: 400 });

    const form = await request(app).post('/users').type('form').send('email=a@b.c&name=x');
    expect(form.status).toBe(415);
    expect(form.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(form.headers['accept-post']).toBe('application/json');
  });
});

describe('methods', () => {
  it('answers a method a path does not support with 405 and Allow', async () => {
    const put = await request(app).put('/users').send({});
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect(put.headers['content-type']).toMatch(PROBLEM_JSON);

    const post = await request(app).post('/users/00000000-0000-4000-8000-000000000000').send({});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
  });

  it('answers any other method on a probe with 405 too', async () => {
    const res = await request(app).delete('/healthz');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('answers OPTIONS with 204 and Allow', async () => {
    const res = await request(app).options('/users');
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
  });
});

describe('email addresses', () => {
  it('are accepted exactly when they match the documented pattern', async () => {
    const spec = (await request(app).get('/openapi.json')).body;
    const schema = spec.components.schemas.CreateUser.properties.email;
    expect(schema.format).toBe('email');
    const pattern = new RegExp(schema.pattern as string);
    for (const email of ['=t@false.info', 'x@t2.test', 'a.b+c@sub.example.com']) {
      expect(pattern.test(email)).toBe(true);
      expect((await createUser({ email, name: 'A' })).status, email).toBe(201);
    }
    for (const email of ['no-at-sign', 'a@localhost', 'a..b@example.com', 'a@-x.com']) {
      expect(pattern.test(email)).toBe(false);
      expect((await createUser({ email, name: 'A' })).status, email).toBe(422);
    }
    const longLocalPart = `${'a'.repeat(65)}@example.com`; // RFC 5321: at most 64
    expect((await createUser({ email: longLocalPart, name: 'A' })).status).toBe(422);
  });
});

describe('PATCH', () => {
  it('changes only the fields sent; an empty patch changes nothing', async () => {
    const { body: user } = await createUser({ email: 'ada@example.com', name: 'Ada' });
    const res = await request(app).patch(`/users/${user.id}`).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual(user);
  });

  it('refuses null for a field that cannot be null, as documented', async () => {
    const { body: user } = await createUser({ email: 'ada@example.com', name: 'Ada' });
    expect((await request(app).patch(`/users/${user.id}`).send({ name: null })).status).toBe(422);
    const spec = (await request(app).get('/openapi.json')).body;
    const name = spec.components.schemas.UpdateUser.properties.name;
    expect(JSON.stringify(name)).not.toContain('null');
  });
});

describe('the OpenAPI document describes every error answer', () => {
  it('in application/problem+json, per operation', async () => {
    const spec = (await request(app).get('/openapi.json')).body;
    const post = spec.paths['/users'].post.responses;
    for (const status of ['400', '413', '415', '422', '429', '409']) {
      expect(post[status]?.content?.['application/problem+json'], status).toBeDefined();
    }
    const get = spec.paths['/users/{id}'].get.responses;
    for (const status of ['404', '422', '429']) {
      expect(get[status]?.content?.['application/problem+json'], status).toBeDefined();
    }
    expect(get['415']).toBeUndefined(); // no body, no media type to refuse
    expect(spec.paths['/healthz'].get.responses['429']).toBeUndefined(); // probes are not limited
    expect(spec.components.schemas.Problem.required).toEqual(['type', 'title', 'status']);
  });
});

describe('rate limits', () => {
  it('count reads and writes separately and never limit probes', async () => {
    const limited = buildTestApp(db, { config: { RATE_LIMIT_MAX: 1, RATE_LIMIT_READ_MAX: 2 } });
    expect((await request(limited).get('/users')).status).toBe(200);
    expect((await request(limited).get('/users')).status).toBe(200);
    const read = await request(limited).get('/users');
    expect(read.status).toBe(429);
    expect(read.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(Number(read.headers['retry-after'])).toBeGreaterThan(0);

    expect(
      (await request(limited).post('/users').send({ email: 'a@b.co', name: 'A' })).status,
    ).toBe(201);
    expect(
      (await request(limited).post('/users').send({ email: 'b@b.co', name: 'B' })).status,
    ).toBe(429);
    for (let i = 0; i < 5; i++) {
      expect((await request(limited).get('/healthz')).status).toBe(200);
      expect((await request(limited).get('/readyz')).status).toBe(200);
    }
  });
});
