import { Router } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Database } from '../src/db/database.js';
import { startFeatures, stopFeatures, type Feature } from '../src/lib/feature.js';
import { buildTestApp, openTestDatabase, silentLogger } from './helpers/test-app.js';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.close());

/** A feature whose readiness the test controls. */
function echoFeature(state: { ready: boolean }): Feature {
  return {
    name: 'echo',
    routers: () => [
      { path: '/echo', router: Router().post('/', (req, res) => res.json(req.body)) },
    ],
    registerOpenApi: (registry) =>
      registry.registerPath({
        method: 'post',
        path: '/echo',
        responses: {
          200: {
            description: 'The body',
            content: { 'application/json': { schema: z.object({}) } },
          },
        },
      }),
    readiness: [
      {
        name: 'echo-backend',
        check: () => (state.ready ? Promise.resolve() : Promise.reject(new Error('down'))),
      },
    ],
  };
}

describe('feature modules', () => {
  it('mount their routers on the API, behind the JSON body parser and the rate limit', async () => {
    const app = buildTestApp(db, {
      features: [echoFeature({ ready: true })],
      config: { RATE_LIMIT_MAX: 1 },
    });
    const res = await request(app).post('/echo').send({ hello: 'world' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hello: 'world' });
    expect((await request(app).post('/echo').send({})).status).toBe(429);
  });

  it('document their routes in /openapi.json', async () => {
    const app = buildTestApp(db, { features: [echoFeature({ ready: true })] });
    const spec = await request(app).get('/openapi.json');
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/users', '/echo']));
  });

  it('add their checks to /readyz, which fails while one of them fails', async () => {
    const state = { ready: true };
    const app = buildTestApp(db, { features: [echoFeature(state)] });
    const ok = await request(app).get('/readyz');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'ok', checks: { database: 'ok', 'echo-backend': 'ok' } });

    state.ready = false;
    const down = await request(app).get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', 'echo-backend': 'failed' },
    });
  });

  it('start in order and stop in reverse order; every stop runs even when one fails', async () => {
    const calls: string[] = [];
    const feature = (name: string, failStop = false): Feature => ({
      name,
      start: () => Promise.resolve(void calls.push(`start ${name}`)),
      stop: () => {
        calls.push(`stop ${name}`);
        return failStop ? Promise.reject(new Error('stuck')) : Promise.resolve();
      },
    });
    const features = [feature('a'), feature('b', true), feature('c')];
    await startFeatures(features, { logger: silentLogger, prisma: db.prisma });
    await expect(stopFeatures(features, silentLogger)).rejects.toThrow(/did not stop cleanly: b/);
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });
});
