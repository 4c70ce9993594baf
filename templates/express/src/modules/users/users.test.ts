import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.js';
import { buildTestApp, openTestDatabase, resetDatabase } from '../../../test/helpers/test-app.js';

let db: Database;
let app: ReturnType<typeof buildTestApp>;

beforeAll(async () => {
  db = await openTestDatabase();
  app = buildTestApp(db);
});
beforeEach(() => resetDatabase(db));
afterAll(() => db.close());

const ada = { email: 'ada@example.com', name: 'Ada Lovelace' };
const createUser = (body: object = ada) => request(app).post('/users').send(body);

describe('users CRUD', () => {
  it('creates a user (201 + Location) and reads it back', async () => {
    const created = await createUser({ email: 'Ada@Example.com', name: '  Ada Lovelace ' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'ada@example.com', name: 'Ada Lovelace' });
    expect(created.headers.location).toBe(`/users/${created.body.id}`);

    const fetched = await request(app).get(`/users/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('lists users with limit/offset pagination', async () => {
    for (const n of [1, 2, 3]) await createUser({ email: `u${n}@example.com`, name: `User ${n}` });

    const page = await request(app).get('/users?limit=2&offset=1');
    expect(page.status).toBe(200);
    expect(page.body.page).toEqual({ limit: 2, offset: 1, total: 3 });
    expect(page.body.data.map((u: { name: string }) => u.name)).toEqual(['User 2', 'User 3']);
  });

  it('updates a user', async () => {
    const { body: user } = await createUser();
    const res = await request(app)
      .patch(`/users/${user.id}`)
      .send({ name: 'Countess of Lovelace' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, email: ada.email, name: 'Countess of Lovelace' });
  });

  it('deletes a user, then answers 404', async () => {
    const { body: user } = await createUser();
    expect((await request(app).delete(`/users/${user.id}`)).status).toBe(204);
    expect((await request(app).get(`/users/${user.id}`)).status).toBe(404);
    expect((await request(app).delete(`/users/${user.id}`)).status).toBe(404);
  });
});

describe('users errors', () => {
  const missingId = '00000000-0000-4000-8000-000000000000';

  it('answers 409 for a duplicate email, on create and on update', async () => {
    await createUser();
    const dup = await createUser({ ...ada, email: 'ADA@example.com' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: 409, title: 'Conflict' });

    const { body: other } = await createUser({ email: 'bob@example.com', name: 'Bob' });
    const res = await request(app).patch(`/users/${other.id}`).send({ email: ada.email });
    expect(res.status).toBe(409);
  });

  it('answers 404 as problem details for an unknown id', async () => {
    for (const res of [
      await request(app).get(`/users/${missingId}`),
      await request(app).patch(`/users/${missingId}`).send({ name: 'x' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404, detail: 'User not found' });
    }
  });

  it('answers 422 with field details, without echoing submitted values', async () => {
    const secret = 'hunter2-super-secret-value';
    const res = await createUser({ email: secret, name: '', password: secret });
    expect(res.status).toBe(422);
    const paths = res.body.errors.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['email', 'name']));
    expect(res.text).not.toContain(secret);
  });

  it('validates params and query', async () => {
    expect((await request(app).get('/users/not-a-uuid')).status).toBe(422);
    expect((await request(app).get('/users?limit=1000')).status).toBe(422);
    expect((await request(app).get('/users?offset=-1')).status).toBe(422);
  });

  it('rejects a body that is not JSON with 415', async () => {
    const res = await request(app).post('/users').type('text/plain').send('email=a@b.c');
    expect(res.status).toBe(415);
  });
});
