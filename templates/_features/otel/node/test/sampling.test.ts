import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { otelFeature, type OtelFeature } from '../src/telemetry/otel.feature.js';
import { buildTestApp, openTestDatabase, silentLogger } from './helpers/test-app.js';

// Read by the SDK when tracing starts: new traces are never sampled, callers' decisions are kept.
const sampler = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };
const saved = Object.fromEntries(Object.keys(sampler).map((key) => [key, process.env[key]]));

let db: Database;
let feature: OtelFeature;
const exporter = new InMemorySpanExporter();

beforeAll(async () => {
  Object.assign(process.env, sampler);
  db = await openTestDatabase();
  feature = otelFeature({
    config: {
      tracing: false,
      metrics: undefined,
      serviceName: 'sampling-test',
      serviceVersion: '0',
    },
    spanExporter: exporter,
  });
  await feature.start?.({ logger: silentLogger, prisma: db.prisma });
});
afterAll(async () => {
  await feature.stop?.();
  await db.close();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('sampling (OTEL_TRACES_SAMPLER=parentbased_traceidratio)', () => {
  it('keeps the ratio for new traces and the caller decision for continued ones', async () => {
    const app = buildTestApp(db, { features: [feature] });
    const sampled = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const notSampled = '00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    await request(app).get('/users').expect(200);
    await request(app).get('/users').set('traceparent', notSampled).expect(200);
    await request(app).get('/users').set('traceparent', sampled).expect(200);
    await feature.flush();
    const traces = new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId));
    expect([...traces]).toEqual(['0af7651916cd43dd8448eb211c80319c']);
  });
});
