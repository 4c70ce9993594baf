import { Writable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { createLogger } from '../src/lib/logger.js';
import { otelFeature, type OtelFeature } from '../src/telemetry/otel.feature.js';
import { buildTestApp, openTestDatabase, resetDatabase } from './helpers/test-app.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN_ID = 'b7ad6b7169203331';

/** Log lines written by the app, parsed. */
function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

let db: Database;
const exporter = new InMemorySpanExporter();
const logs = captureLogs();
let feature: OtelFeature;

beforeAll(async () => {
  db = await openTestDatabase();
  feature = otelFeature({
    config: {
      tracing: false,
      metrics: { host: '127.0.0.1', port: 0 },
      serviceName: 'telemetry-test',
      serviceVersion: '0.0.0',
    },
    spanExporter: exporter,
  });
  await feature.start?.({ logger: logs.logger, prisma: db.prisma });
});
afterAll(async () => {
  await feature.stop?.();
  await db.close();
});
afterEach(async () => {
  await resetDatabase(db);
  exporter.reset();
  logs.lines.length = 0;
});

const app = () => buildTestApp(db, { features: [feature], logger: logs.logger });

async function spans(): Promise<ReadableSpan[]> {
  await feature.flush();
  return exporter.getFinishedSpans();
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('tracing', () => {
  it('continues the caller trace with a SERVER span named by the route, and the query below it', async () => {
    const created = await request(app())
      .post('/users')
      .set('traceparent', `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`)
      .send({ email: 'ada@example.com', name: 'Ada' });
    expect(created.status).toBe(201);

    const all = await spans();
    const server = all.find((span) => span.kind === SpanKind.SERVER);
    expect(server?.name).toBe('POST /users');
    expect(server?.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(server!)).toBe(PARENT_SPAN_ID);
    expect(server?.attributes['http.route']).toBe('/users');
    expect(server?.attributes['http.response.status_code']).toBe(201);

    // Every span is in the caller's trace, and the database query hangs below the server span.
    expect(new Set(all.map((span) => span.spanContext().traceId))).toEqual(new Set([TRACE_ID]));
    const byId = new Map(all.map((span) => [span.spanContext().spanId, span]));
    const query = all.find((span) => span.name === 'prisma:client:db_query');
    expect(query).toBeDefined();
    let ancestor: ReadableSpan | undefined = query;
    while (ancestor && ancestor !== server) ancestor = byId.get(parentOf(ancestor) ?? '');
    expect(ancestor).toBe(server);
  });

  it('names spans by route template, never by raw path, on success and on error', async () => {
    const created = await request(app()).post('/users').send({ email: 'a@example.com', name: 'A' });
    const id = (created.body as { id: string }).id;
    await request(app()).get(`/users/${id}`).expect(200);
    await request(app()).get('/users/not-a-uuid').expect(422);
    await request(app()).get('/no/such/route').expect(404);
    const names = (await spans())
      .filter((span) => span.kind === SpanKind.SERVER)
      .map((span) => span.name);
    expect(names).toEqual(['POST /users', 'GET /users/:id', 'GET /users/:id', 'GET']);
    expect(names.join(' ')).not.toContain(id);
  });

  it('records no personal data: no body, e-mail or query string in any attribute', async () => {
    await request(app())
      .post('/users?email=ada@example.com')
      .send({ email: 'ada@example.com', name: 'Ada' });
    const values = (await spans()).flatMap((span) => Object.values(span.attributes).map(String));
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(value).not.toContain('ada@example.com');
  });

  it('leaves probes untraced', async () => {
    await request(app()).get('/healthz').expect(200);
    expect((await spans()).filter((span) => span.kind === SpanKind.SERVER)).toEqual([]);
  });

  it('puts the trace and span ids on the request log line', async () => {
    await request(app()).get('/users').set('traceparent', `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`);
    const server = (await spans()).find((span) => span.kind === SpanKind.SERVER);
    const line = logs.lines.find((entry) => entry.msg === 'request completed');
    expect(line).toMatchObject({ trace_id: TRACE_ID, span_id: server?.spanContext().spanId });
  });
});

describe('metrics', () => {
  /** The request count for a route and status, as scraped from /metrics (cumulative). */
  async function scrape(): Promise<(route: string, status: number) => number> {
    const res = await fetch(`http://127.0.0.1:${feature.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    return (route, status) =>
      Number(
        new RegExp(
          `http_server_request_duration_count\\{[^}]*http_response_status_code="${status}",http_route="${route}"[^}]*\\} (\\d+)`,
        ).exec(text)?.[1] ?? 0,
      );
  }

  it('serves RED metrics on their own port, labelled by route template', async () => {
    const before = await scrape();
    const created = await request(app()).post('/users').send({ email: 'b@example.com', name: 'B' });
    const id = (created.body as { id: string }).id;
    await request(app()).get(`/users/${id}`).expect(200);
    await request(app()).get('/users/not-a-uuid').expect(422);

    const after = await scrape();
    expect(after('/users', 201) - before('/users', 201)).toBe(1);
    expect(after('/users/:id', 200) - before('/users/:id', 200)).toBe(1);
    expect(after('/users/:id', 422) - before('/users/:id', 422)).toBe(1);
    const text = await (await fetch(`http://127.0.0.1:${feature.metricsPort}/metrics`)).text();
    expect(text).not.toContain(id);
  });

  it('is not served by the API itself', async () => {
    await request(app()).get('/metrics').expect(404);
  });
});
