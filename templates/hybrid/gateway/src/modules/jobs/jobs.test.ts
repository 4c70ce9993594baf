import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Job, JobRequestedV1, type JobFinishedV1 } from '../../contracts/generated.js';
import type { Database } from '../../db/database.js';
import type { Feature } from '../../lib/feature.js';
import { MemoryBroker } from '../../../test/helpers/memory-broker.js';
import { buildTestApp, openTestDatabase, silentLogger } from '../../../test/helpers/test-app.js';
import { jobFinishedHandler } from './job-finished.handler.js';
import { jobsFeature } from './jobs.feature.js';
import type { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';

const FINISHED_QUEUE = 'unit.jobs.finished';

let db: Database;
let broker: MemoryBroker;
let feature: Feature;
let app: ReturnType<typeof buildTestApp>;

beforeAll(async () => {
  db = await openTestDatabase();
});
beforeEach(async () => {
  await db.prisma.$executeRawUnsafe('TRUNCATE TABLE "jobs"');
  broker = new MemoryBroker();
  feature = jobsFeature({
    config: { amqpUrl: 'amqp://unused.invalid/', amqpNamespace: 'unit' },
    createBroker: () => broker,
  });
  await feature.start?.({ logger: silentLogger, prisma: db.prisma });
  app = buildTestApp(db, { features: [feature] });
});
afterEach(() => feature.stop?.());
afterAll(() => db.close());

const submit = (limit = 1000) =>
  request(app).post('/jobs').send({ kind: 'count-primes', input: { limit } });

const finished = (jobId: string, overrides: Partial<JobFinishedV1> = {}): JobFinishedV1 => ({
  schemaVersion: 1,
  jobId,
  status: 'succeeded',
  result: { count: 168, largest: 997 },
  error: null,
  attempts: 1,
  finishedAt: new Date().toISOString(),
  ...overrides,
});

describe('POST /jobs', () => {
  it('records the job, publishes job.requested.v1 (confirmed), then answers 202 + Location', async () => {
    const res = await request(app)
      .post('/jobs')
      .set('X-Request-Id', 'req-42')
      .send({ kind: 'count-primes', input: { limit: 1000 } });
    expect(res.status).toBe(202);
    const job = Job.parse(res.body);
    expect(job).toMatchObject({
      kind: 'count-primes',
      input: { limit: 1000 },
      status: 'queued',
      result: null,
      error: null,
      attempts: 0,
    });
    expect(res.headers.location).toBe(`/jobs/${job.id}`);

    expect(broker.published).toHaveLength(1);
    const [message] = broker.published;
    expect(message).toMatchObject({
      exchange: 'unit.jobs',
      routingKey: 'job.requested.v1',
      properties: {
        messageId: job.id,
        type: 'job.requested.v1',
        correlationId: 'req-42',
        headers: { 'x-attempt': 1 },
      },
    });
    const body = JobRequestedV1.parse(JSON.parse(message!.body.toString('utf8')));
    expect(body).toMatchObject({ schemaVersion: 1, jobId: job.id, input: { limit: 1000 } });

    const fetched = await request(app).get(`/jobs/${job.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(res.body);
  });

  it('answers 503 (problem details, Retry-After) and marks the job failed when the broker does not take it', async () => {
    broker.down = true;
    const res = await submit();
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({
      status: 503,
      title: 'Service Unavailable',
      instance: '/jobs',
    });
    const rows = await db.prisma.job.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'failed', error: 'could not be queued' });
  });

  it('rejects bodies that break the contract with 422, recording and publishing nothing', async () => {
    for (const body of [
      {},
      { kind: 'count-primes', input: { limit: 1 } },
      { kind: 'count-primes', input: { limit: 50_000_001 } },
      { kind: 'count-primes', input: { limit: '1000' } },
      { kind: 'sort-numbers', input: { limit: 1000 } },
      { kind: 'count-primes', input: { limit: 1000 }, priority: 'high' },
    ]) {
      const res = await request(app).post('/jobs').send(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.errors, JSON.stringify(body)).not.toHaveLength(0);
    }
    expect(broker.published).toEqual([]);
    expect(await db.prisma.job.count()).toBe(0);
  });
});

describe('other methods', () => {
  it('answer 405 with Allow on both job paths', async () => {
    const list = await request(app).get('/jobs');
    expect(list.status).toBe(405);
    expect(list.headers.allow).toBe('POST');
    const remove = await request(app).delete(`/jobs/${randomUUID()}`);
    expect(remove.status).toBe(405);
    expect(remove.headers.allow).toBe('GET, HEAD');
    expect(remove.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('GET /jobs/:id', () => {
  it('answers 404 for an unknown id and 422 for an id that is not a UUID', async () => {
    const missing = await request(app).get(`/jobs/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, title: 'Not Found' });
    const bad = await request(app).get('/jobs/not-a-uuid');
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ location: 'path', path: 'id' })]);
  });
});

describe('job.finished.v1', () => {
  it('applies a success once; a later duplicate is acknowledged and changes nothing', async () => {
    const { body: job } = await submit();
    expect(await broker.deliver(FINISHED_QUEUE, finished(job.id))).toBe('ack');
    const done = await request(app).get(`/jobs/${job.id}`);
    expect(done.body).toMatchObject({
      status: 'succeeded',
      result: { count: 168, largest: 997 },
      error: null,
      attempts: 1,
    });

    const duplicate = finished(job.id, { status: 'failed', result: null, error: 'x', attempts: 2 });
    expect(await broker.deliver(FINISHED_QUEUE, duplicate)).toBe('ack');
    expect((await request(app).get(`/jobs/${job.id}`)).body).toEqual(done.body);
  });

  it('records a failure with its error and attempts', async () => {
    const { body: job } = await submit();
    const failure = finished(job.id, {
      status: 'failed',
      result: null,
      error: 'worker gave up',
      attempts: 5,
    });
    expect(await broker.deliver(FINISHED_QUEUE, failure)).toBe('ack');
    expect((await request(app).get(`/jobs/${job.id}`)).body).toMatchObject({
      status: 'failed',
      result: null,
      error: 'worker gave up',
      attempts: 5,
    });
  });

  it('rejects messages that are not valid job.finished.v1 (dead-lettered), leaving jobs alone', async () => {
    const { body: job } = await submit();
    const valid = finished(job.id);
    for (const body of [
      'not json at all',
      Buffer.from([0xff, 0xfe]),
      {},
      { ...valid, schemaVersion: 2 },
      { ...valid, status: 'queued' },
      { ...valid, attempts: 0 },
      { ...valid, jobId: 'not-a-uuid' },
      { ...valid, unexpected: true },
    ]) {
      expect(await broker.deliver(FINISHED_QUEUE, body), JSON.stringify(body)).toBe('reject');
    }
    expect((await request(app).get(`/jobs/${job.id}`)).body.status).toBe('queued');
  });

  it('acknowledges an outcome for an unknown job (nothing to update)', async () => {
    expect(await broker.deliver(FINISHED_QUEUE, finished(randomUUID()))).toBe('ack');
  });

  it('puts the message back when the database fails, so it is tried again', async () => {
    const failing = {
      finish: () => Promise.reject(new Error('connection lost')),
    } as unknown as JobsRepository;
    const publisher = { requestJob: () => Promise.resolve() };
    const local = new MemoryBroker();
    local.consume(
      'q',
      jobFinishedHandler(new JobsService(failing, publisher, silentLogger), silentLogger),
    );
    expect(await local.deliver('q', finished(randomUUID()))).toBe('requeue');
  });
});

describe('jobs feature', () => {
  it('adds the broker to /readyz, which fails while the broker is disconnected', async () => {
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: 'ok', broker: 'ok' });

    broker.connected = false;
    const down = await request(app).get('/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', broker: 'failed' },
    });
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  it('documents its routes in /openapi.json', async () => {
    const spec = await request(app).get('/openapi.json');
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/jobs', '/jobs/{id}']));
    expect(Object.keys(spec.body.paths['/jobs'].post.responses)).toEqual(
      expect.arrayContaining(['202', '400', '503']),
    );
    expect(spec.body.components.schemas.Job.required).toEqual(
      expect.arrayContaining(['id', 'status', 'result', 'error', 'attempts']),
    );
  });

  it('closes the broker when it stops', async () => {
    await feature.stop?.();
    expect(broker.closed).toBe(true);
    expect((await submit()).status).toBe(503);
  });
});
