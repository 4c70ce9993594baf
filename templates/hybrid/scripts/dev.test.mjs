// `npm run dev` for real: with AMQP_URL set and both parts installed, it migrates both databases,
// serves on the ports it is given, and leaves no process behind when stopped or when a part dies.
// Skipped otherwise (the contracts CI job has neither). Linux only: it reads /proc to find every
// process of the tree, and kills all of them in every outcome.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..');
const AMQP_URL = process.env.AMQP_URL;
const installed = existsSync(path.join(ROOT, 'gateway', 'node_modules')) && existsSync(path.join(ROOT, 'service', '.venv'));
const skip = !AMQP_URL ? 'AMQP_URL is not set' : !installed ? 'the parts are not installed' : process.platform !== 'linux' ? 'reads /proc' : false;
// Polled, so a fast machine does not wait: a cold start of three processes on a busy 2-core CI
// runner takes a minute or more. Each test's own timeout is above it.
const START_BUDGET_MS = 240_000;
const TEST_TIMEOUT_MS = 420_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** pid -> { ppid, pgid } of every live process (zombies count as gone). */
function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && state !== 'X') table.set(Number(name), { ppid: Number(ppid), pgid: Number(pgid) });
    } catch {
      // exited while we looked
    }
  }
  return table;
}

function descendants(root) {
  const table = processTable();
  const found = new Set();
  let frontier = new Set([root]);
  while (frontier.size) {
    frontier = new Set([...table].filter(([pid, p]) => frontier.has(p.ppid) && !found.has(pid)).map(([pid]) => pid));
    for (const pid of frontier) found.add(pid);
  }
  return found;
}

/** Live processes that are one of `pids` or in one of `groups`. */
function leftovers(pids, groups) {
  return [...processTable()].filter(([pid, p]) => pids.has(pid) || groups.has(p.pgid)).map(([pid]) => pid);
}

class Dev {
  constructor(env) {
    this.output = '';
    this.seen = new Set();
    this.child = spawn(process.execPath, ['scripts/dev.mjs'], {
      cwd: ROOT,
      env: { ...process.env, ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own group, so the clean-up can reach whatever it leaves
    });
    for (const stream of [this.child.stdout, this.child.stderr]) stream.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Every process of the tree so far, and their groups (each part runs in its own). */
  snapshot() {
    for (const pid of descendants(this.child.pid)) this.seen.add(pid);
    const table = processTable();
    return { pids: new Set(this.seen), groups: new Set([...this.seen].map((pid) => table.get(pid)?.pgid).filter(Boolean)) };
  }

  tail() {
    return this.output.slice(-4000);
  }

  async kill() {
    const { pids, groups } = this.snapshot();
    groups.add(this.child.pid);
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const pid of leftovers(pids, new Set())) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await Promise.race([this.exited, sleep(10_000)]);
  }
}

async function ready(url, dev, deadline) {
  for (;;) {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready in time:\n${dev.tail()}`);
    if (dev.child.exitCode !== null) throw new Error(`dev.mjs exited:\n${dev.tail()}`);
    await sleep(500);
  }
}

async function startDev(tmp) {
  const ports = { gateway: await freePort(), service: await freePort(), worker: await freePort() };
  const namespace = `dev-test-${randomUUID().slice(0, 8)}`;
  namespaces.push(namespace);
  const dev = new Dev({
    AMQP_URL,
    AMQP_NAMESPACE: namespace,
    GATEWAY_PORT: String(ports.gateway),
    SERVICE_PORT: String(ports.service),
    WORKER_HEALTH_PORT: String(ports.worker),
    // Fresh databases, never migrated: dev.mjs must migrate them (and leaves the real ones alone).
    PGLITE_DATA_DIR: path.join(tmp, 'pglite'),
    SERVICE_DATABASE_URL: `sqlite+aiosqlite:///${path.join(tmp, 'service.db')}`,
    WORKER_PROCESSES: '1',
    RATE_LIMIT_MAX: '100000',
    RATE_LIMIT_READ_MAX: '100000',
  });
  const urls = {
    gateway: `http://127.0.0.1:${ports.gateway}`,
    service: `http://127.0.0.1:${ports.service}`,
    worker: `http://127.0.0.1:${ports.worker}`,
  };
  const deadline = Date.now() + START_BUDGET_MS;
  await Promise.all(Object.values(urls).map((url) => ready(`${url}/readyz`, dev, deadline)));
  return { dev, urls };
}

async function expectTreeGone(dev, { pids, groups }) {
  const deadline = Date.now() + 60_000;
  while (leftovers(pids, groups).length && Date.now() < deadline) await sleep(200);
  assert.deepEqual(leftovers(pids, groups), [], `processes left running:\n${dev.tail()}`);
}

const namespaces = [];
after(async () => {
  if (skip || !namespaces.length) return;
  // The queues and exchanges the runs declared (amqplib comes with the gateway).
  const amqp = createRequire(path.join(ROOT, 'gateway', 'package.json'))('amqplib');
  const topology = JSON.parse(readFileSync(path.join(ROOT, 'contracts', 'topology.json'), 'utf8'));
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const ns of namespaces) {
    for (const queue of topology.queues) await channel.deleteQueue(`${ns}.${queue.name}`);
    for (const exchange of topology.exchanges) await channel.deleteExchange(`${ns}.${exchange.name}`);
  }
  await connection.close();
});

describe('npm run dev', { skip }, () => {
  it('migrates both parts, serves on the given ports, finishes a job; Ctrl-C stops every process', { timeout: TEST_TIMEOUT_MS }, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'dev-test-'));
    let dev;
    try {
      const started = await startDev(tmp);
      dev = started.dev;
      const { urls } = started;
      const res = await fetch(`${urls.gateway}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'count-primes', input: { limit: 100 } }),
      });
      assert.equal(res.status, 202, await res.clone().text());
      const { id } = await res.json();
      let job;
      for (const until = Date.now() + 120_000; Date.now() < until; await sleep(250)) {
        job = await (await fetch(`${urls.gateway}/jobs/${id}`)).json();
        if (job.status !== 'queued') break;
      }
      assert.equal(job?.status, 'succeeded', `${JSON.stringify(job)}\n${dev.tail()}`);
      assert.deepEqual(job.result, { count: 25, largest: 97 });
      assert.equal((await fetch(`${urls.service}/results/${id}`)).status, 200);

      const tree = dev.snapshot();
      assert.ok(tree.groups.size >= 3, `each part in its own process group: ${[...tree.groups]}`);
      process.kill(dev.child.pid, 'SIGINT'); // what the terminal sends on Ctrl-C
      const { code } = await dev.exited;
      assert.equal(code, 130, dev.tail());
      await expectTreeGone(dev, tree);
    } finally {
      await dev?.kill();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('when one part dies, the others are stopped, their children included', { timeout: TEST_TIMEOUT_MS }, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'dev-test-'));
    let dev;
    try {
      ({ dev } = await startDev(tmp));
      const tree = dev.snapshot();
      // The Python process itself (under `uv run`), as the OOM killer would pick it.
      const worker = [...tree.pids].find((pid) => {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return /python[\d.]*$/.test(argv[0]) && argv.includes('app.worker');
      });
      assert.ok(worker, `the worker process among ${[...tree.pids]}`);
      process.kill(worker, 'SIGKILL');
      const { code } = await dev.exited;
      assert.notEqual(code, 0, dev.tail());
      assert.match(dev.output, /\[worker *\] exited/);
      await expectTreeGone(dev, tree);
    } finally {
      await dev?.kill();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses to start when a port is taken, naming the variable to change', { timeout: 60_000 }, async () => {
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const dev = new Dev({ AMQP_URL, SERVICE_PORT: String(blocker.address().port), GATEWAY_PORT: String(await freePort()), WORKER_HEALTH_PORT: String(await freePort()) });
    try {
      const { code } = await dev.exited;
      assert.equal(code, 1);
      assert.match(dev.output, /in use.*SERVICE_PORT/);
      assert.deepEqual([...descendants(dev.child.pid)], []);
    } finally {
      await dev.kill();
      blocker.close();
    }
  });
});
