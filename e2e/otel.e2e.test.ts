/**
 * The otel feature for real, against an OpenTelemetry Collector on 127.0.0.1 (helpers/otelcol.ts, built
 * from the Go module proxy) that writes what it receives to a file:
 * - express --observability otel: every check passes; the built server exports a request's trace (the
 *   SERVER span named by route, continuing the caller's traceparent, Prisma's query below it), its log
 *   line carries the trace id, /metrics on its own port counts by route template; with the backend
 *   down requests still succeed and memory stays flat;
 * - fastapi --observability otel: every check passes; served, a request's spans include the database
 *   query; without an endpoint nothing is exported and nothing errors;
 * - the hybrid --observability otel, gateway + service + worker against RabbitMQ and PostgreSQL: one job
 *   yields ONE trace whose spans come from the gateway, the worker and the gateway's result consumer,
 *   with the right parent links, and the worker's log lines for the job carry that trace id.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from '../test/helpers/cli.js';
import { makeTmp } from '../test/helpers/tmp.js';
import { adminUrl, useTestDatabase } from './helpers/database.js';
import { goAvailable, startCollector, type Collector, type ExportedSpan } from './helpers/otelcol.js';
import { freePort, run, startServer, stopServer, waitForHttp, type Started } from './helpers/process.js';
import { rabbitmqAvailable, startBroker, type Broker } from './helpers/rabbitmq.js';

const tmp = makeTmp('cpb-e2e-otel-');
// Offline here: no Prisma engine download, no Python builds; CI semantics. Spans leave every 200 ms.
const baseEnv = { PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', UV_PYTHON_DOWNLOADS: 'never', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', OTEL_BSP_SCHEDULE_DELAY: '200' };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const canRunHybrid = rabbitmqAvailable() && Boolean(adminUrl);
const gatewayDb = useTestDatabase('cpb_e2e_otel_gateway_test');
const serviceDb = useTestDatabase('cpb_e2e_otel_service_test', 'postgresql+asyncpg:');
// The memory check runs on PostgreSQL: the embedded PGlite's own memory swings by tens of MiB.
const expressDb = useTestDatabase('cpb_e2e_otel_express_test');
let collector: Collector | undefined;
let broker: Broker | undefined;

beforeAll(async () => {
  await buildCli();
  if (goAvailable()) collector = await startCollector();
  if (canRunHybrid) broker = await startBroker();
}, 1_800_000); // a fresh machine builds the collector first (minutes)
afterAll(async () => {
  await collector?.dispose();
  await broker?.stop();
  tmp.cleanup();
}, 120_000);

const backend = () => {
  if (!collector) throw new Error('go is not installed: the collector cannot be built (.ci/run has Go)');
  return collector;
};
const traceEnv = () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: backend().endpoint });

async function expectPasses(cwd: string, cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = await run(cmd, args, { cwd, env: { ...baseEnv, ...env }, timeout: 600_000 });
  expect(r.exitCode, `${cmd} ${args.join(' ')}\n${r.all}`).toBe(0);
  expect(r.leftovers, 'processes left running').toEqual([]);
}

async function generate(name: string, template: string) {
  const r = await runCli([name, '--template', template, '--observability', 'otel', '--pm', 'npm', '--no-git', '--json'], { cwd: tmp.dir, env: baseEnv, timeout: 900_000 });
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(tmp.dir, name, '.polyglot', 'manifest.json'), 'utf8')) as { answers: Record<string, unknown> };
  expect(manifest.answers['observability']).toBe('otel');
}

const isDbSpan = (s: ExportedSpan) => s.kind === CLIENT && ('db.system' in s.attributes || 'db.system.name' in s.attributes);

/** Walks parent links inside `spans` from `span` up; whether `ancestor` is on the way. */
function descendsFrom(spans: ExportedSpan[], span: ExportedSpan, ancestor: ExportedSpan): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let at: ExportedSpan | undefined = span; at; at = byId.get(at.parentSpanId)) if (at === ancestor) return true;
  return false;
}

interface Served {
  started: Started;
  base: string;
  metricsPort: number;
}

async function serve(cwd: string, cmd: string, args: string[], env: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const metricsPort = await freePort();
  const started = startServer(cmd, args, { cwd, env: { ...baseEnv, ...env, HOST: '127.0.0.1', PORT: String(port), OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort) } });
  expect((await waitForHttp(`http://127.0.0.1:${port}/healthz`)).status, started.output()).toBe(200);
  return { started, base: `http://127.0.0.1:${port}`, metricsPort };
}

async function stopCleanly(served: Served) {
  const stopped = await stopServer(served.started, 30_000);
  expect(stopped, served.started.output().slice(-3000)).toEqual({ exitCode: 0, signal: undefined, timedOut: false });
}

async function createUser(base: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/users`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ email: `ada-${Date.now()}@example.com`, name: 'Ada' }) });
  expect(res.status, await res.clone().text()).toBe(201);
  return res;
}

/** The request's trace, once its SERVER span and a database span below it have arrived. */
async function requestTrace(route: string) {
  const spans = await backend().waitForTrace(TRACE_ID, (found) => found.some((s) => s.kind === SERVER && s.name === route) && found.some(isDbSpan));
  const server = spans.find((s) => s.kind === SERVER && s.name === route)!;
  expect(server.parentSpanId).toBe(PARENT_SPAN_ID);
  expect(server.attributes['http.route']).toBeDefined();
  for (const query of spans.filter(isDbSpan)) expect(descendsFrom(spans, query, server), query.name).toBe(true);
  // No personal data: the e-mail sent is in no attribute.
  for (const s of spans) expect(JSON.stringify(s.attributes)).not.toContain('@example.com');
  return { spans, server };
}

/** Sends `count` requests, `concurrency` at a time; every one must answer 200. */
async function load(url: string, count: number, concurrency = 16) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Polls until `url` answers 200 (a part is ready once its broker and database are). */
async function until200(url: string, what: string, output: () => string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url, { signal: AbortSignal.timeout(30_000) }).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready in time (last status ${status}):\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * A trace backend that has hung: it accepts connections and never answers, so every export waits
 * for its timeout while spans keep coming (a refused connection fails at once and proves little).
 */
async function hungBackend(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

describe.runIf(goAvailable())('the otel feature end to end (an OpenTelemetry Collector on 127.0.0.1)', () => {
  describe('express --observability otel', () => {
    const project = path.join(tmp.dir, 'traced-api');

    it('generates and installs without a terminal', async () => {
      await generate('traced-api', 'express');
      expect(fs.existsSync(path.join(project, 'node_modules', '@opentelemetry', 'sdk-trace-node'))).toBe(true);
      // The individual packages, not the sdk-node bundle.
      expect(fs.existsSync(path.join(project, 'node_modules', '@opentelemetry', 'sdk-node'))).toBe(false);
    });

    it.each(['lint', 'typecheck', 'format:check', 'test', 'build'])('npm run %s passes', async (script) => {
      await expectPasses(project, 'npm', ['run', script]);
    });

    it('serves: the request trace reaches the backend, its log line carries the ids, /metrics counts by route', async () => {
      const served = await serve(project, 'node', ['dist/server.js'], { ...traceEnv(), NODE_ENV: 'production', PGLITE_DATA_DIR: path.join(tmp.dir, 'pgdata-express') });
      try {
        const created = await createUser(served.base, { traceparent: TRACEPARENT });
        const requestId = created.headers.get('x-request-id');
        const { server } = await requestTrace('POST /users');
        expect(server.service).toBe('traced-api');
        const line = served.started
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l['msg'] === 'request completed' && l['requestId'] === requestId);
        expect(line).toMatchObject({ trace_id: TRACE_ID, span_id: server.spanId });

        const id = ((await created.json()) as { id: string }).id;
        expect((await fetch(`${served.base}/users/${id}`)).status).toBe(200);
        const metrics = await (await fetch(`http://127.0.0.1:${served.metricsPort}/metrics`)).text();
        expect(metrics).toMatch(/http_server_request_duration_count\{[^}]*http_route="\/users\/:id"[^}]*\} 1/);
        expect(metrics).not.toContain(id);
        expect((await fetch(`${served.base}/metrics`)).status).toBe(404);
      } finally {
        await stopCleanly(served);
      }
    });

    it('SIGTERM flushes the spans still queued', async () => {
      // Nothing leaves on the timer: only shutdown can export this request's spans.
      const served = await serve(project, 'node', ['dist/server.js'], { ...traceEnv(), OTEL_BSP_SCHEDULE_DELAY: '600000', NODE_ENV: 'production', PGLITE_DATA_DIR: path.join(tmp.dir, 'pgdata-express') });
      const traceId = `5161${TRACE_ID.slice(4)}`;
      await createUser(served.base, { traceparent: `00-${traceId}-${PARENT_SPAN_ID}-01` });
      await stopCleanly(served);
      await backend().waitForTrace(traceId, (found) => found.some((s) => s.kind === SERVER), 30_000);
    });

    it('with the backend down, requests still succeed and memory stays flat', async () => {
      // Kept, the ~6 spans of each of 12,000 requests would be hundreds of MiB (measured: +300 MiB
      // with OTEL_BSP_MAX_QUEUE_SIZE=1000000); the SDK's bounded queue drops them instead (+2 MiB).
      const database = expressDb ? { DATABASE_URL: expressDb } : { PGLITE_DATA_DIR: path.join(tmp.dir, 'pgdata-express-down') };
      if (expressDb) await expectPasses(project, 'npm', ['run', 'db:migrate'], database);
      const hung = await hungBackend();
      const served = await serve(project, 'node', ['dist/server.js'], {
        ...database,
        OTEL_EXPORTER_OTLP_ENDPOINT: hung.endpoint,
        NODE_ENV: 'production',
        RATE_LIMIT_READ_MAX: '1000000',
      });
      try {
        await load(`${served.base}/users`, 4000);
        const warm = rssMiB(served.started.pid);
        await load(`${served.base}/users`, 12_000);
        const after = rssMiB(served.started.pid);
        expect(after - warm, `RSS ${warm.toFixed(1)} -> ${after.toFixed(1)} MiB`).toBeLessThan(48);
      } finally {
        // Shutdown gives the last export at most 5 s: a hung backend does not hold it up.
        await stopCleanly(served);
        await hung.close();
      }
    });
  });

  describe('fastapi --observability otel', () => {
    const project = path.join(tmp.dir, 'traced-service');
    const python = path.join(project, '.venv', 'bin', 'python');

    it('generates and installs without a terminal', async () => {
      await generate('traced-service', 'fastapi');
      expect(fs.existsSync(python)).toBe(true);
    });

    it.each([
      ['ruff check', ['run', 'ruff', 'check', '.']],
      ['ruff format --check', ['run', 'ruff', 'format', '--check', '.']],
      ['mypy', ['run', 'mypy', '.']],
      ['pytest', ['run', 'pytest']],
    ])('%s passes', async (_name, args) => {
      await expectPasses(project, 'uv', args);
    });

    it('serves: a request trace reaches the backend with the database query below it', async () => {
      await expectPasses(project, 'uv', ['run', 'alembic', 'upgrade', 'head']);
      const served = await serve(project, python, ['-m', 'app'], traceEnv());
      try {
        await createUser(served.base, { traceparent: TRACEPARENT.replace(TRACE_ID.slice(0, 4), 'f00d') });
        const traceId = `f00d${TRACE_ID.slice(4)}`;
        const spans = await backend().waitForTrace(traceId, (found) => found.some((s) => s.kind === SERVER) && found.some(isDbSpan));
        const server = spans.find((s) => s.kind === SERVER)!;
        expect(server).toMatchObject({ name: 'POST /users', service: 'traced-service', parentSpanId: PARENT_SPAN_ID });
        for (const query of spans.filter(isDbSpan)) expect(descendsFrom(spans, query, server)).toBe(true);
        for (const s of spans) expect(JSON.stringify(s.attributes)).not.toContain('@example.com');
        const metrics = await (await fetch(`http://127.0.0.1:${served.metricsPort}/metrics`)).text();
        expect(metrics).toMatch(/http_server_request_duration_seconds_count\{[^}]*http_route="\/users"[^}]*\} 1\.0/);
      } finally {
        await stopCleanly(served);
      }
    });

    it('SIGTERM flushes the spans still queued', async () => {
      const served = await serve(project, python, ['-m', 'app'], { ...traceEnv(), OTEL_BSP_SCHEDULE_DELAY: '600000' });
      const traceId = `5162${TRACE_ID.slice(4)}`;
      await createUser(served.base, { traceparent: `00-${traceId}-${PARENT_SPAN_ID}-01` });
      await stopCleanly(served);
      await backend().waitForTrace(traceId, (found) => found.some((s) => s.kind === SERVER), 30_000);
    });

    it('with the backend down, requests still succeed and memory stays flat', async () => {
      const hung = await hungBackend();
      const served = await serve(project, python, ['-m', 'app'], { OTEL_EXPORTER_OTLP_ENDPOINT: hung.endpoint, RATE_LIMIT_ENABLED: 'false' });
      try {
        await load(`${served.base}/users`, 2000, 8);
        const warm = rssMiB(served.started.pid);
        await load(`${served.base}/users`, 6000, 8);
        const after = rssMiB(served.started.pid);
        // Kept, the spans of 6,000 requests would be tens of MiB.
        expect(after - warm, `RSS ${warm.toFixed(1)} -> ${after.toFixed(1)} MiB`).toBeLessThan(24);
      } finally {
        await stopCleanly(served);
        await hung.close();
      }
    });

    it('without an endpoint, nothing is exported and nothing errors', async () => {
      const served = await serve(project, python, ['-m', 'app'], { OTEL_SERVICE_NAME: 'untraced-service' });
      try {
        await createUser(served.base, { traceparent: TRACEPARENT });
        await load(`${served.base}/users`, 50, 4);
      } finally {
        await stopCleanly(served);
      }
      expect(backend().spans().filter((s) => s.service === 'untraced-service')).toEqual([]);
      expect(served.started.output()).not.toMatch(/"level": "(error|critical)"|Traceback|Failed to export/);
    });
  });

  describe.runIf(canRunHybrid)('hybrid --observability otel (RabbitMQ + PostgreSQL)', () => {
    const project = path.join(tmp.dir, 'traced-jobs');
    const gatewayDir = path.join(project, 'gateway');
    const serviceDir = path.join(project, 'service');
    const python = path.join(serviceDir, '.venv', 'bin', 'python');

    it('generates and installs both parts', async () => {
      await generate('traced-jobs', 'hybrid');
    });

    it.each(['lint', 'typecheck', 'test'])('gateway: npm run %s passes', async (script) => {
      await expectPasses(gatewayDir, 'npm', ['run', script]);
    });

    it.each([
      ['ruff check', ['run', 'ruff', 'check', '.']],
      ['mypy', ['run', 'mypy', '.']],
      ['pytest', ['run', 'pytest']],
    ])('service: %s passes', async (_name, args) => {
      await expectPasses(serviceDir, 'uv', args);
    });

    it('one job: ONE trace from the gateway through RabbitMQ to the worker and back, and the worker logs it', async () => {
      await expectPasses(gatewayDir, 'npm', ['run', 'build']);
      await expectPasses(gatewayDir, 'npm', ['run', 'db:migrate'], { DATABASE_URL: gatewayDb });
      await expectPasses(serviceDir, 'uv', ['run', 'alembic', 'upgrade', 'head'], { DATABASE_URL: serviceDb });
      const common = { ...traceEnv(), AMQP_URL: broker!.url, AMQP_NAMESPACE: 'e2e-otel' };
      const gateway = await serve(gatewayDir, 'node', ['dist/server.js'], { ...common, NODE_ENV: 'production', DATABASE_URL: gatewayDb });
      const workerHealth = await freePort();
      const workerMetrics = await freePort();
      const worker = startServer(python, ['-m', 'app.worker'], {
        cwd: serviceDir,
        env: { ...baseEnv, ...common, DATABASE_URL: serviceDb, WORKER_HEALTH_PORT: String(workerHealth), WORKER_PROCESSES: '1', OTEL_EXPORTER_PROMETHEUS_PORT: String(workerMetrics) },
      });
      try {
        await until200(`http://127.0.0.1:${workerHealth}/readyz`, 'the worker', worker.output);
        await until200(`${gateway.base}/readyz`, 'the gateway', gateway.started.output);
        const res = await fetch(`${gateway.base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'count-primes', input: { limit: 1000 } }) });
        expect(res.status, await res.clone().text()).toBe(202);
        const requestId = res.headers.get('x-request-id')!;
        const job = (await res.json()) as { id: string };

        // The gateway's publish of this job names it (message id = job id); its trace is the one.
        const published = await backend().waitForSpan((s) => s.kind === PRODUCER && s.attributes['messaging.message.id'] === job.id && s.service.endsWith('-gateway'));
        const isGateway = (s: ExportedSpan) => s.service === 'traced-jobs-gateway';
        const isWorker = (s: ExportedSpan) => s.service === 'traced-jobs-worker';
        const spans = await backend().waitForTrace(published.traceId, (found) => found.some((s) => s.kind === CONSUMER && isGateway(s)) && found.some((s) => s.kind === PRODUCER && isWorker(s)));
        const one = (what: string, match: (s: ExportedSpan) => boolean) => {
          const found = spans.filter(match);
          expect(found.map((s) => `${s.service} ${s.name}`), what).toHaveLength(1);
          return found[0]!;
        };
        const server = one('the gateway SERVER span', (s) => s.kind === SERVER && isGateway(s));
        expect(server.name).toBe('POST /jobs');
        expect(published.parentSpanId).toBe(server.spanId);
        const consumed = one('the worker CONSUMER span', (s) => s.kind === CONSUMER && isWorker(s));
        expect(consumed.parentSpanId).toBe(published.spanId);
        expect(consumed.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'messaging.message.id': job.id, 'messaging.message.conversation_id': requestId });
        const run = one('the worker run span', (s) => isWorker(s) && s.name === 'run count-primes');
        expect(run.parentSpanId).toBe(consumed.spanId);
        expect(spans.filter((s) => isWorker(s) && isDbSpan(s) && descendsFrom(spans, s, consumed)).length).toBeGreaterThan(0);
        expect(spans.filter((s) => isGateway(s) && isDbSpan(s) && descendsFrom(spans, s, server)).length).toBeGreaterThan(0);
        const reported = one('the worker PRODUCER span', (s) => s.kind === PRODUCER && isWorker(s));
        expect(reported.parentSpanId).toBe(consumed.spanId);
        const finished = one('the gateway CONSUMER span', (s) => s.kind === CONSUMER && isGateway(s));
        expect(finished.parentSpanId).toBe(reported.spanId);
        expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([published.traceId]));

        // The worker's log lines for this job carry the trace and the request id.
        const lines = worker
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l['job_id'] === job.id);
        expect(lines.map((l) => l['event'])).toContain('job_succeeded');
        for (const line of lines) expect(line).toMatchObject({ trace_id: published.traceId, request_id: requestId });

        // The worker's metrics: the job's duration by outcome, jobs in flight, the queue's depth.
        const metrics = await (await fetch(`http://127.0.0.1:${workerMetrics}/metrics`)).text();
        expect(metrics).toMatch(/^job_duration_seconds_count\{[^}]*job_outcome="succeeded"[^}]*\} 1\.0$/m);
        expect(metrics).toMatch(/^jobs_in_flight(_ratio)?\{[^}]*\} 0\.0$/m);
        expect(metrics).toMatch(/^messaging_queue_depth(_ratio)?\{[^}]*messaging_destination_name="e2e-otel\.jobs\.requested"[^}]*\} \d/m);
      } finally {
        const stopped = await stopServer(worker, 60_000);
        await stopCleanly(gateway);
        expect(stopped, worker.output().slice(-3000)).toEqual({ exitCode: 0, signal: undefined, timedOut: false });
      }
    });
  });
});

describe('the tools for the tests above', () => {
  it('go is installed, so the collector can be built (.ci/run relies on the machine image)', () => expect(goAvailable()).toBe(true));
});
