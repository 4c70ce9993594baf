#!/usr/bin/env node
// The hybrid starter under load, side by side in one run:
//  1. jobs/s end to end (POST /jobs -> broker -> worker -> result -> GET shows it) for tiny jobs, next to
//     the bare broker's confirmed publish -> consume -> ack round trips per second (the ceiling);
//  2. POST /jobs latency (p50/p99) with an idle worker next to a worker saturated with CPU-heavy jobs:
//     the gateway must stay responsive while Python does the heavy work.
//   AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/postgres \
//     node bench/hybrid.mjs [--jobs 300] [--concurrency 32] [--rate 20] [--seconds 10] [--keep]
// Needs: RabbitMQ and PostgreSQL on loopback (see ../shared/env-recipes.md), uv, `npm run build`.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import pg from 'pg';
import { freePort, REPO_ROOT, sh, workspace } from './lib/rps.mjs';
import { spawn, spawnSync } from 'node:child_process';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '32' },
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
});
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
const ADMIN_URL = process.env.BENCH_DATABASE_URL;
if (!ADMIN_URL) {
  console.error('Set BENCH_DATABASE_URL to a PostgreSQL admin URL (e.g. postgresql://postgres@127.0.0.1:55432/postgres).');
  process.exit(2);
}
const ws = workspace('cpb-bench-hybrid-', values.keep);
const project = path.join(ws.dir, 'bench-hybrid');
const env = { ...process.env, CI: 'true', UV_PYTHON_DOWNLOADS: 'never', PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false' };
const ns = `bench${process.pid}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function admin(sql) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
const dbUrl = (name, protocol = 'postgresql:') => Object.assign(new URL(ADMIN_URL), { protocol, pathname: `/${name}` }).toString();
const dbs = [`bench_gw_${process.pid}`, `bench_svc_${process.pid}`];

console.error('Generating and installing the hybrid starter…');
sh('node', [path.join(REPO_ROOT, 'bin/create-polyglot-backend.js'), 'bench-hybrid', '--template', 'hybrid', '--no-git'], ws.dir, env);
sh('npm', ['run', 'build', '--silent'], path.join(project, 'gateway'), env);
for (const db of dbs) await admin(`CREATE DATABASE ${db}`);
let dropped = false;
process.on('exit', () => {
  // After a failure: best effort, synchronously (the databases are named per run).
  if (dropped) return;
  for (const db of dbs) spawnSync('psql', [ADMIN_URL, '-qc', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`], { stdio: 'ignore' });
});
const gatewayEnv = { ...env, DATABASE_URL: dbUrl(dbs[0]), AMQP_URL, AMQP_NAMESPACE: ns, NODE_ENV: 'production', HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000', RATE_LIMIT_READ_MAX: '1000000' };
const serviceEnv = { ...env, DATABASE_URL: dbUrl(dbs[1], 'postgresql+asyncpg:'), AMQP_URL, AMQP_NAMESPACE: ns, LOG_LEVEL: 'WARNING' };
sh('npm', ['run', 'db:migrate'], path.join(project, 'gateway'), gatewayEnv);
sh('uv', ['run', 'alembic', 'upgrade', 'head'], path.join(project, 'service'), serviceEnv);

async function waitReady(url) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${url} did not become ready`);
}

// Each server in its own process group, stopped by group: the worker's compute-pool processes (and
// anything else a server starts) go with it, whatever way this script ends.
const servers = new Set();
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}
function groupAlive(child) {
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}
process.on('exit', () => {
  for (const child of servers) killGroup(child, 'SIGKILL');
});

function start(cmd, args, cwd, extraEnv) {
  const child = spawn(cmd, args, { cwd, env: { ...extraEnv }, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  servers.add(child);
  return child;
}

/** SIGTERM (a graceful stop: the worker settles its messages), SIGKILL after 60 s; until no process of any group is left. */
async function stopServers() {
  for (const child of servers) killGroup(child, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while ([...servers].some(groupAlive)) {
    if (Date.now() > deadline) for (const child of servers) killGroup(child, 'SIGKILL');
    await sleep(100);
  }
  await Promise.all([...servers].map((child) => child.exited));
}

const gwPort = await freePort();
const workerPort = await freePort();
start('node', ['dist/server.js'], path.join(project, 'gateway'), { ...gatewayEnv, PORT: String(gwPort) });
const gateway = `http://127.0.0.1:${gwPort}`;
const python = path.join(project, 'service', '.venv', 'bin', 'python');
start(python, ['-m', 'app.worker'], path.join(project, 'service'), { ...serviceEnv, WORKER_HEALTH_PORT: String(workerPort), WORKER_PREFETCH: '32' });
await Promise.all([waitReady(gateway), waitReady(`http://127.0.0.1:${workerPort}`)]);

async function post(limit) {
  const t0 = performance.now();
  const res = await fetch(`${gateway}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'count-primes', input: { limit } }) });
  const ms = performance.now() - t0;
  if (res.status !== 202) throw new Error(`POST /jobs answered ${res.status}`);
  return { id: (await res.json()).id, ms };
}

async function waitDone(ids) {
  const pending = new Set(ids);
  while (pending.size) {
    await Promise.all(
      [...pending].slice(0, 64).map(async (id) => {
        const job = await (await fetch(`${gateway}/jobs/${id}`)).json();
        if (job.status === 'succeeded') pending.delete(id);
        else if (job.status === 'failed') throw new Error(`job ${id} failed: ${job.error}`);
      }),
    );
    if (pending.size) await sleep(20);
  }
}

async function pool(n, concurrency, task) {
  let next = 0;
  const out = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) out.push(await task(next++));
    }),
  );
  return out;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// 1a. End to end with tiny jobs: the pipeline's own overhead, not the CPU work.
const jobs = Number(values.jobs);
await pool(20, 4, () => post(100)).then((r) => waitDone(r.map((x) => x.id))); // warm-up
const t0 = performance.now();
const submitted = await pool(jobs, Number(values.concurrency), () => post(100));
await waitDone(submitted.map((s) => s.id));
const e2eSeconds = (performance.now() - t0) / 1000;

// 1b. The bare broker: confirmed publish -> consume -> ack -> confirmed reply, same message count.
const conn = await amqp.connect(AMQP_URL);
const ch = await conn.createConfirmChannel();
const q = `bench.bare.${randomUUID()}`;
const replies = `${q}.replies`;
await ch.assertQueue(q, { durable: true });
await ch.assertQueue(replies, { durable: true });
await ch.prefetch(32);
let replied = 0;
let resolveAll;
const allReplied = new Promise((r) => (resolveAll = r));
// A null delivery is the broker cancelling the consumer (the queue is deleted at the end).
await ch.consume(q, (msg) => {
  if (!msg) return;
  ch.sendToQueue(replies, msg.content, { persistent: true });
  ch.ack(msg);
});
await ch.consume(replies, (msg) => {
  if (!msg) return;
  ch.ack(msg);
  if (++replied === jobs) resolveAll();
});
const t1 = performance.now();
await pool(jobs, Number(values.concurrency), () => new Promise((res, rej) => ch.sendToQueue(q, Buffer.from(JSON.stringify({ n: 1 })), { persistent: true }, (err) => (err ? rej(err) : res()))));
await allReplied;
const bareSeconds = (performance.now() - t1) / 1000;
await ch.deleteQueue(q);
await ch.deleteQueue(replies);
await conn.close();

// 2. POST latency at a fixed rate, idle worker vs saturated worker: a deep queue of the contract's largest
//    jobs (~0.4 s of CPU each here), enough to keep every pool process busy through the measuring window.
async function latencyAtRate() {
  const rate = Number(values.rate);
  const total = rate * Number(values.seconds);
  const timings = [];
  const started = [];
  for (let i = 0; i < total; i++) {
    started.push(post(100).then((r) => timings.push(r.ms)));
    await sleep(1000 / rate);
  }
  await Promise.all(started);
  return { p50: pct(timings, 50), p99: pct(timings, 99), n: timings.length };
}
const idle = await latencyAtRate();
const HEAVY = 120;
const heavy = await pool(HEAVY, 8, () => post(50_000_000));
await sleep(1000); // let the worker pick them up
const saturated = await latencyAtRate();
const heavyStillRunning = await (async () => {
  const jobsNow = await Promise.all(heavy.map(async (h) => (await (await fetch(`${gateway}/jobs/${h.id}`)).json()).status));
  return jobsNow.filter((s) => s === 'queued').length;
})();

const f = (x) => x.toFixed(1);
console.log(`\n## Hybrid starter (${new Date().toISOString().slice(0, 10)})`);
console.log('| measure | value |');
console.log('|---|---|');
console.log(`| end-to-end jobs/s (${jobs} tiny jobs, ${values.concurrency} concurrent submitters) | ${f(jobs / e2eSeconds)} |`);
console.log(`| bare broker confirmed round trips/s (same count) | ${f(jobs / bareSeconds)} |`);
console.log(`| POST /jobs p50 / p99, idle worker (${idle.n} requests at ${values.rate}/s) | ${f(idle.p50)} / ${f(idle.p99)} ms |`);
console.log(`| POST /jobs p50 / p99, worker saturated (${heavyStillRunning} of ${HEAVY} heavy jobs still queued at the end) | ${f(saturated.p50)} / ${f(saturated.p99)} ms |`);
await stopServers();
for (const db of dbs) await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
dropped = true;
// The run's namespaced topology (contracts/topology.json) goes too.
const cleanup = await amqp.connect(AMQP_URL);
const cch = await cleanup.createChannel();
for (const name of ['jobs.requested', 'jobs.retry', 'jobs.finished', 'jobs.dead']) await cch.deleteQueue(`${ns}.${name}`);
for (const name of ['jobs', 'jobs.dlx']) await cch.deleteExchange(`${ns}.${name}`);
await cleanup.close();
process.exit(0);
