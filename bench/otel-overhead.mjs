#!/usr/bin/env node
// What tracing costs: req/s of a starter generated with --observability otel, tracing off (no endpoint)
// against on at 100% and at 10% sampling (parentbased_traceidratio), exporting to a real OpenTelemetry
// Collector on 127.0.0.1 (e2e/otelcol), side by side in one run, on GET /users: through every
// middleware, logged, one database query, so each traced request makes its spans.
//   node bench/otel-overhead.mjs [--starter express|fastapi] [--rounds 3] [--duration 10] [--connections 50]
// Needs: wrk (apt-get install wrk), Go (the collector's build, cached), uv for fastapi, the registries.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { benchOptions, compareMany, freePort, REPO_ROOT, sh, startServer, workspace } from './lib/rps.mjs';

const opts = benchOptions({ starter: { type: 'string', default: 'express' } });
const starter = opts.values.starter;
if (!['express', 'fastapi'].includes(starter)) throw new Error('--starter express|fastapi');
const ws = workspace('cpb-bench-otel-', opts.keep);
const project = path.join(ws.dir, 'bench-otel');
const env = { ...process.env, CI: 'true', PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false', UV_PYTHON_DOWNLOADS: 'never' };

console.error(`Generating and installing the ${starter} starter with --observability otel…`);
sh('node', [path.join(REPO_ROOT, 'bin/create-polyglot-backend.js'), 'bench-otel', '--template', starter, '--observability', 'otel', '--no-git'], ws.dir, env);

console.error('Starting the collector…');
const collector = execFileSync('bash', [path.join(REPO_ROOT, 'e2e/otelcol/build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const otlpPort = await freePort();
const config = path.join(ws.dir, 'otelcol.yaml');
fs.writeFileSync(config, `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlpPort}
exporters:
  file:
    path: ${path.join(ws.dir, 'spans.jsonl')}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
`);
ws.children.add(spawn(collector, ['--config', config], { stdio: 'ignore' }));

const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}` };
const modes = {
  'tracing off': {},
  'tracing on, 100%': { ...endpoint },
  'tracing on, 10%': { ...endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
};
const servers = {};
let i = 0;
for (const [name, extra] of Object.entries(modes)) {
  const metricsPort = String(await freePort());
  const common = { ...env, ...extra, LOG_LEVEL: 'info', OTEL_EXPORTER_PROMETHEUS_PORT: metricsPort };
  if (starter === 'express') {
    if (i === 0) sh('npm', ['run', 'build'], project, env);
    const serverEnv = { ...common, NODE_ENV: 'production', RATE_LIMIT_READ_MAX: '1000000', PGLITE_DATA_DIR: path.join(ws.dir, `pglite-${i}`) };
    servers[name] = await startServer(ws, { cmd: 'node', args: ['dist/server.js'], cwd: project, env: serverEnv });
  } else {
    const databaseUrl = `sqlite+aiosqlite:///${path.join(ws.dir, `db-${i}.sqlite`)}`;
    sh('uv', ['run', 'alembic', 'upgrade', 'head'], project, { ...env, DATABASE_URL: databaseUrl });
    const serverEnv = { ...common, DATABASE_URL: databaseUrl, RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'INFO' };
    servers[name] = await startServer(ws, { cmd: path.join(project, '.venv/bin/python'), args: ['-m', 'app'], cwd: project, env: serverEnv });
  }
  i++;
}
// Targets: sampling a tenth must cost little; every request traced may cost more, but not half.
compareMany(`${starter} starter with the otel feature`, servers, opts, {
  urlPath: '/users',
  targets: { 'tracing on, 100%': 0.6, 'tracing on, 10%': 0.85 },
});
ws.stop();
