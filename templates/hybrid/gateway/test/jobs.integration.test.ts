/**
 * The jobs feature against a real RabbitMQ: runs only when AMQP_URL is set (and on PostgreSQL when
 * DATABASE_URL is). Everything lives in a random AMQP_NAMESPACE and is deleted afterwards. The test
 * plays the worker: it consumes job.requested.v1 and answers with job.finished.v1.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JOB_FINISHED_V1_TYPE,
  JobRequestedV1,
  type JobFinishedV1,
} from '../src/contracts/generated.js';
import type { Database } from '../src/db/database.js';
import type { Feature } from '../src/lib/feature.js';
import { AmqpBroker } from '../src/messaging/amqp-broker.js';
import { namespacedTopology, qualify } from '../src/messaging/topology.js';
import { jobsFeature } from '../src/modules/jobs/jobs.feature.js';
import { buildTestApp, openTestDatabase, silentLogger } from './helpers/test-app.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const AMQP_URL = process.env.AMQP_URL;

// A real broker on a loaded 2-core runner answers slowly: each wait below ends as soon as its
// condition holds, and only these generous bounds stop it.
const WAIT_MS = 60_000;
const TEST_TIMEOUT_MS = 120_000;

/** Polls `probe` until it returns something truthy. */
async function eventually<T>(
  probe: () => Promise<T | false | null | undefined>,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe.runIf(AMQP_URL)('jobs over RabbitMQ (AMQP_URL)', { timeout: TEST_TIMEOUT_MS }, () => {
  const namespace = `gateway-it-${randomUUID().slice(0, 8)}`;
  const names = (name: Parameters<typeof qualify>[1]) => qualify(namespace, name);
  const received: ConsumeMessage[] = [];
  let db: Database;
  let proxy: TcpProxy;
  let feature: Feature;
  let app: ReturnType<typeof buildTestApp>;
  let worker: ChannelModel;
  let channel: Channel;

  beforeAll(async () => {
    db = await openTestDatabase();
    // The gateway connects through a proxy the tests can cut; the "worker" connects directly.
    const brokerUrl = new URL(AMQP_URL!);
    proxy = await startTcpProxy({ host: brokerUrl.hostname, port: Number(brokerUrl.port || 5672) });
    const viaProxy = new URL(AMQP_URL!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    feature = jobsFeature({ config: { amqpUrl: viaProxy.href, amqpNamespace: namespace } });
    await feature.start?.({ logger: silentLogger, prisma: db.prisma });
    app = buildTestApp(db, { features: [feature] });
    await eventually(async () => (await request(app).get('/readyz')).ok, 'the broker connection');

    worker = await amqp.connect(AMQP_URL!);
    channel = await worker.createConfirmChannel();
    await channel.consume(names('jobs.requested'), (message) => {
      if (!message) return;
      received.push(message);
      const job = JobRequestedV1.parse(JSON.parse(message.content.toString('utf8')));
      const reply: JobFinishedV1 = {
        schemaVersion: 1,
        jobId: job.jobId,
        status: 'succeeded',
        result: { count: 4, largest: 7 },
        error: null,
        attempts: 1,
        finishedAt: new Date().toISOString(),
      };
      channel.publish(names('jobs'), JOB_FINISHED_V1_TYPE, Buffer.from(JSON.stringify(reply)), {
        persistent: true,
        contentType: 'application/json',
        messageId: job.jobId,
        type: JOB_FINISHED_V1_TYPE,
      });
      channel.ack(message);
    });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    // The gateway first: it would declare the topology again after the deletes below.
    await feature?.stop?.();
    if (worker) {
      const cleanup = await worker.createChannel();
      const { queues, exchanges } = namespacedTopology(namespace);
      for (const queue of queues) await cleanup.deleteQueue(queue.name);
      for (const exchange of exchanges) await cleanup.deleteExchange(exchange.name);
      await worker.close();
    }
    await proxy?.close();
    await db?.close();
  }, TEST_TIMEOUT_MS);

  /** The job once it is no longer queued. */
  const finishedJob = async (id: string) => {
    const { body } = await request(app).get(`/jobs/${id}`);
    return body.status === 'queued' ? undefined : (body as Record<string, unknown>);
  };

  it('publishes job.requested.v1 as the contract says and applies the job.finished.v1 reply', async () => {
    const res = await request(app)
      .post('/jobs')
      .set('X-Request-Id', 'it-req-1')
      .send({ kind: 'count-primes', input: { limit: 10 } });
    expect(res.status).toBe(202);

    const message = await eventually(
      () => Promise.resolve(received.find((m) => m.properties.messageId === res.body.id)),
      'job.requested.v1',
    );
    expect(message.fields.routingKey).toBe('job.requested.v1');
    expect(message.properties).toMatchObject({
      deliveryMode: 2,
      contentType: 'application/json',
      type: 'job.requested.v1',
      correlationId: 'it-req-1',
      headers: { 'x-attempt': 1 },
    });

    const done = await eventually(() => finishedJob(res.body.id), 'the job to finish');
    expect(done).toMatchObject({
      status: 'succeeded',
      result: { count: 4, largest: 7 },
      attempts: 1,
    });
  });

  it('dead-letters a job.finished.v1 message that breaks the contract', async () => {
    channel.publish(names('jobs'), JOB_FINISHED_V1_TYPE, Buffer.from('{"schemaVersion":1}'), {
      persistent: true,
    });
    const dead = await eventually(
      async () => channel.get(names('jobs.dead'), { noAck: true }),
      'a message in jobs.dead',
    );
    expect(dead.content.toString()).toBe('{"schemaVersion":1}');
  });

  it('reports not ready while the connection is lost, then reconnects and works again', async () => {
    proxy.cut();
    await eventually(async () => (await request(app).get('/readyz')).status === 503, '503');
    const down = await request(app).get('/readyz');
    expect(down.body.checks.broker).toBe('failed');

    await eventually(async () => (await request(app).get('/readyz')).ok, 'the reconnection');
    const res = await request(app)
      .post('/jobs')
      .send({ kind: 'count-primes', input: { limit: 10 } });
    expect(res.status).toBe(202);
    expect(await eventually(() => finishedJob(res.body.id), 'the job to finish')).toMatchObject({
      status: 'succeeded',
    });
  });

  it('on close, stops consuming but lets handlers in flight finish and acknowledge', async () => {
    // A broker of its own on jobs.dead (empty now), so the feature's consumer is not involved.
    const queue = names('jobs.dead');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const handling = new Promise<void>((resolve) => (started = resolve));
    const broker = new AmqpBroker({
      url: AMQP_URL!,
      topology: namespacedTopology(namespace),
      logger: silentLogger,
    });
    broker.consume(
      queue,
      async () => {
        started();
        await released;
        return 'ack';
      },
      { prefetch: 1 },
    );
    broker.start();
    channel.sendToQueue(queue, Buffer.from('{}'), { persistent: true });
    await handling;

    let closed = false;
    const closing = broker.close().then(() => (closed = true));
    await sleep(300);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(broker.connected).toBe(false);
    // Acknowledged, not returned to the queue.
    expect(await channel.checkQueue(queue)).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });
});
