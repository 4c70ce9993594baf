/**
 * A real trace backend per e2e file: the OpenTelemetry Collector built from e2e/otelcol (OTLP over
 * HTTP on a free 127.0.0.1 port, spans written as OTLP-JSON lines by the file exporter), started here
 * and stopped by PID. A test may stop it (the backend is down) and start it again on the same port.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServer, stopServer, type Started } from './process.js';

const BUILD_SCRIPT = fileURLToPath(new URL('../otelcol/build.sh', import.meta.url));
// Building is minutes on a fresh machine (modules from the Go proxy), instant once cached.
const BUILD_TIMEOUT_MS = 30 * 60_000;
// Generous for a loaded 2-core runner; the wait ends as soon as the receiver answers.
const START_TIMEOUT_MS = 60_000;

export function goAvailable(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The collector's binary, built into the cache first if needed (e2e/otelcol/build.sh). */
export function collectorBinary(): string {
  return execFileSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', timeout: BUILD_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  service: string;
  attributes: Record<string, string | number | boolean>;
}

export interface Collector {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  /** Every span received so far. */
  spans(): ExportedSpan[];
  /** Polls until `done(spans of the trace)` holds; returns them. */
  waitForTrace(traceId: string, done: (spans: ExportedSpan[]) => boolean, timeoutMs?: number): Promise<ExportedSpan[]>;
  /** Polls until some span satisfies `match`; returns it. */
  waitForSpan(match: (span: ExportedSpan) => boolean, timeoutMs?: number): Promise<ExportedSpan>;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
const valueOf = (v: AnyValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue ?? ''));
const attributesOf = (list: { key: string; value: AnyValue }[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

interface OtlpLine {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: AnyValue }[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind?: number; attributes?: { key: string; value: AnyValue }[] }[] }[];
  }[];
}

function parseSpans(file: string): ExportedSpan[] {
  if (!fs.existsSync(file)) return [];
  const out: ExportedSpan[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let parsed: OtlpLine;
    try {
      parsed = JSON.parse(line) as OtlpLine;
    } catch {
      continue; // a line still being written
    }
    for (const rs of parsed.resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          out.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind ?? 0, service, attributes: attributesOf(s.attributes) });
        }
      }
    }
  }
  return out;
}

export async function startCollector(): Promise<Collector> {
  const binary = collectorBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpb-e2e-otelcol-'));
  const port = await freePort();
  const spansFile = path.join(dir, 'spans.jsonl');
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      `        endpoint: 127.0.0.1:${port}`,
      'exporters:',
      '  file:',
      `    path: ${spansFile}`,
      '    flush_interval: 100ms',
      'service:',
      '  telemetry:',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      '    traces:',
      '      receivers: [otlp]',
      '      exporters: [file]',
      '',
    ].join('\n'),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  let server: Started | undefined;

  const start = async () => {
    server = startServer(binary, ['--config', config], { cwd: dir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const answered = await fetch(`${endpoint}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(5_000) }).then(
        (r) => r.status,
        () => undefined,
      );
      if (answered === 200) return;
      if (server.proc.exitCode !== null || Date.now() > deadline) {
        const output = server.output();
        await stopServer(server);
        throw new Error(`the collector on port ${port} did not start:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    if (server) await stopServer(server);
    server = undefined;
  };
  await start();

  const poll = async <T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`the collector never received ${what}; it has ${parseSpans(spansFile).length} spans`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  return {
    endpoint,
    spans: () => parseSpans(spansFile),
    // Spans of one trace arrive from several processes, each in its own batches (up to 5 s apart).
    waitForTrace: (traceId, done, timeoutMs = 90_000) =>
      poll(`the trace ${traceId} complete`, () => {
        const spans = parseSpans(spansFile).filter((s) => s.traceId === traceId);
        return done(spans) ? spans : undefined;
      }, timeoutMs),
    waitForSpan: (match, timeoutMs = 90_000) => poll('a matching span', () => parseSpans(spansFile).find(match), timeoutMs),
    stop,
    start,
    dispose: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
