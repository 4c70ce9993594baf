#!/usr/bin/env node
// Req/s of the generated Express starter vs a bare Express 5 app on GET /healthz, side by side in one run.
// Both run from the same generated project (same express, same node), on 127.0.0.1, under the same wrk
// load, interleaved round by round so machine noise hits both alike. Target: starter >= 0.80 of bare.
//   node bench/express-rps.mjs [--rounds 3] [--duration 10] [--connections 50]
// Needs: wrk (apt-get install wrk), npm run build, network access to the npm registry for the install.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, keep: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
const root = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cpb-bench-rps-'));
const project = path.join(work, 'bench-api');
const env = { ...process.env, CI: 'true', PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false' };
const children = new Set();

function cleanup() {
  for (const c of children) c.kill('SIGKILL');
  if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function sh(cmd, args, cwd) {
  execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitUp(port) {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not come up`);
}

function wrk(port) {
  const out = execFileSync('wrk', ['-t2', `-c${values.connections}`, `-d${values.duration}s`, '--latency', `http://127.0.0.1:${port}/healthz`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1];
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (non2xx > 0) throw new Error(`port ${port}: ${non2xx} non-2xx responses — the benchmark would measure errors`);
  return { rps, p99 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.error('Generating and building the starter…');
sh('node', [path.join(root, 'bin/create-polyglot-backend.js'), 'bench-api', '--template', 'express', '--no-git'], work);
sh('npm', ['run', 'build'], project);
fs.writeFileSync(
  path.join(project, 'bare.mjs'),
  "import express from 'express';\nconst app = express();\napp.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });\napp.listen(Number(process.env.PORT), '127.0.0.1');\n",
);

const servers = {
  bare: { cmd: ['node', 'bare.mjs'] },
  starter: { cmd: ['node', 'dist/server.js'] },
};
for (const s of Object.values(servers)) {
  s.port = await freePort();
  const child = spawn(s.cmd[0], s.cmd.slice(1), {
    cwd: project,
    env: { ...env, NODE_ENV: 'production', LOG_LEVEL: 'info', PORT: String(s.port), HOST: '127.0.0.1', PGLITE_DATA_DIR: path.join(work, 'pglite'), RATE_LIMIT_MAX: '1000000' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  await waitUp(s.port);
}

wrk(servers.bare.port); // warm-up, discarded
wrk(servers.starter.port);
const results = { bare: [], starter: [] };
for (let i = 0; i < rounds; i++) {
  for (const name of i % 2 ? ['starter', 'bare'] : ['bare', 'starter']) {
    const r = wrk(servers[name].port);
    results[name].push(r);
    console.error(`round ${i + 1} ${name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99}`);
  }
}
const bare = median(results.bare.map((r) => r.rps));
const starter = median(results.starter.map((r) => r.rps));
const ratio = starter / bare;
console.log(`
GET /healthz, wrk -t2 -c${values.connections} -d${values.duration}s, ${rounds} interleaved rounds, median — ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}

| server | req/s (median) | p99 (last round) |
|---|---|---|
| bare Express 5 | ${bare.toFixed(0)} | ${results.bare.at(-1).p99} |
| generated starter | ${starter.toFixed(0)} | ${results.starter.at(-1).p99} |
| **ratio** | **${ratio.toFixed(2)}** (target >= 0.80) | |
`);
for (const c of children) c.kill('SIGTERM');
process.exitCode = ratio >= 0.8 ? 0 : 1;
