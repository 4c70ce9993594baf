// Shared by the req/s benchmarks: run a generated starter and a bare app of the same framework on
// 127.0.0.1, hit GET /healthz with wrk in interleaved rounds, report medians and the ratio.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The common options, plus a script's own (`extra`, parseArgs options; returned under `values`). */
export function benchOptions(extra = {}) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      keep: { type: 'boolean', default: false },
      ...extra,
    },
  });
  return { rounds: Number(values.rounds), duration: Number(values.duration), connections: Number(values.connections), keep: values.keep, values };
}

/** A temp work dir and a registry of child processes, all removed/killed on exit. */
export function workspace(prefix, keep) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const children = new Set();
  process.on('exit', () => {
    for (const c of children) c.kill('SIGKILL');
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  });
  process.on('SIGINT', () => process.exit(130));
  // Servers keep the event loop alive: stop them once the measurement is done.
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  return { dir, children, stop };
}

export function sh(cmd, args, cwd, env = process.env) {
  execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitUp(port) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not come up`);
}

/** Starts `cmd` with PORT set; resolves once /healthz answers. */
export async function startServer(ws, { cmd, args, cwd, env }) {
  const port = await freePort();
  const child = spawn(cmd, args, { cwd, env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'inherit'] });
  ws.children.add(child);
  await waitUp(port);
  return { port, child };
}

function wrk(port, opts, urlPath = '/healthz') {
  const out = execFileSync('wrk', ['-t2', `-c${opts.connections}`, `-d${opts.duration}s`, '--latency', `http://127.0.0.1:${port}${urlPath}`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1];
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (non2xx > 0) throw new Error(`port ${port}: ${non2xx} non-2xx responses; the benchmark would measure errors`);
  return { rps, p99 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** servers: { bare: {port}, starter: {port} }. Prints a markdown table; exit code 1 below the target. */
export function compare(title, servers, opts, target = 0.8) {
  wrk(servers.bare.port, { ...opts, duration: 3 }); // warm-up, discarded
  wrk(servers.starter.port, { ...opts, duration: 3 });
  const results = { bare: [], starter: [] };
  for (let i = 0; i < opts.rounds; i++) {
    for (const name of i % 2 ? ['starter', 'bare'] : ['bare', 'starter']) {
      const r = wrk(servers[name].port, opts);
      results[name].push(r);
      console.error(`round ${i + 1} ${name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99}`);
    }
  }
  const bare = median(results.bare.map((r) => r.rps));
  const starter = median(results.starter.map((r) => r.rps));
  const ratio = starter / bare;
  console.log(`
${title}: GET /healthz, wrk -t2 -c${opts.connections} -d${opts.duration}s, ${opts.rounds} interleaved rounds, median. ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}

| server | req/s (median) | p99 (last round) |
|---|---|---|
| bare | ${bare.toFixed(0)} | ${results.bare.at(-1).p99} |
| generated starter | ${starter.toFixed(0)} | ${results.starter.at(-1).p99} |
| **ratio** | **${ratio.toFixed(2)}** (target >= ${target.toFixed(2)}) | |
`);
  process.exitCode = ratio >= target ? 0 : 1;
}

/**
 * Several servers against the first one (the baseline), on `urlPath`, in interleaved rounds (the order
 * rotates every round). targets: { name: lowest ratio to the baseline }. Prints a markdown table; exit
 * code 1 when a ratio is below its target.
 */
export function compareMany(title, servers, opts, { urlPath, targets }) {
  const names = Object.keys(servers);
  for (const name of names) wrk(servers[name].port, { ...opts, duration: 3 }, urlPath); // warm-up, discarded
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < opts.rounds; i++) {
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const name of order) {
      const r = wrk(servers[name].port, opts, urlPath);
      results[name].push(r);
      console.error(`round ${i + 1} ${name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99}`);
    }
  }
  const medians = Object.fromEntries(names.map((n) => [n, median(results[n].map((r) => r.rps))]));
  const base = medians[names[0]];
  let missed = false;
  const rows = names.map((n) => {
    const ratio = medians[n] / base;
    const target = targets[n];
    if (target !== undefined && ratio < target) missed = true;
    const spread = `${Math.min(...results[n].map((r) => r.rps)).toFixed(0)}–${Math.max(...results[n].map((r) => r.rps)).toFixed(0)}`;
    return `| ${n} | ${medians[n].toFixed(0)} | ${spread} | ${results[n].at(-1).p99} | ${ratio.toFixed(2)}${target === undefined ? '' : ` (target >= ${target.toFixed(2)})`} |`;
  });
  console.log(`
${title}: GET ${urlPath}, wrk -t2 -c${opts.connections} -d${opts.duration}s, ${opts.rounds} interleaved rounds, median. ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0].model}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}

| server | req/s (median) | min–max | p99 (last round) | ratio to ${names[0]} |
|---|---|---|---|---|
${rows.join('\n')}
`);
  process.exitCode = missed ? 1 : 0;
}
