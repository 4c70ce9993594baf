// `npm run dev`: migrates both parts' databases, then runs the gateway, the service API and the
// worker in one terminal, each line prefixed with its part. Ctrl-C (or SIGTERM) stops all of them;
// if one exits, the others are stopped too. No dependencies on purpose.
//
// Ports: GATEWAY_PORT, SERVICE_PORT and WORKER_HEALTH_PORT, else PORT / WORKER_HEALTH_PORT from
// gateway/.env and service/.env, else 3000, 8000 and 8001. A bare PORT is not used here: both parts
// read it. Databases: GATEWAY_DATABASE_URL and SERVICE_DATABASE_URL (or each part's .env); unset,
// the gateway uses embedded PGlite and the service SQLite.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseEnv } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
// A second Ctrl-C, or this long after the first stop signal, kills what is still running.
const STOP_GRACE_MS = Number(process.env.DEV_STOP_GRACE_MS ?? 20_000);
const WINDOWS = process.platform === 'win32';

function dotenv(part) {
  const file = path.join(ROOT, part, '.env');
  return existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
}

function port(name, value, fallback) {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    console.error(`${name} must be a port number (1-65535), not ${JSON.stringify(value)}.`);
    process.exit(2);
  }
  return n;
}

const gatewayEnv = dotenv('gateway');
const serviceEnv = dotenv('service');
const ports = {
  gateway: port('GATEWAY_PORT', process.env.GATEWAY_PORT ?? gatewayEnv.PORT, 3000),
  service: port('SERVICE_PORT', process.env.SERVICE_PORT ?? serviceEnv.PORT, 8000),
  worker: port('WORKER_HEALTH_PORT', process.env.WORKER_HEALTH_PORT ?? serviceEnv.WORKER_HEALTH_PORT, 8001),
};
const AMQP_URL = process.env.AMQP_URL ?? serviceEnv.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';

// What every part gets: the shell's environment without the variables that mean different things
// to the two parts; each part gets its own value below (or reads its own .env).
const shared = { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' };
for (const name of ['PORT', 'DATABASE_URL', 'GATEWAY_DATABASE_URL', 'SERVICE_DATABASE_URL']) delete shared[name];
if (process.env.PORT) console.warn(`PORT=${process.env.PORT} is ignored here (both parts read it): set GATEWAY_PORT or SERVICE_PORT.`);
if (process.env.DATABASE_URL) console.warn('DATABASE_URL is ignored here (each part has its own database): set GATEWAY_DATABASE_URL or SERVICE_DATABASE_URL.');
const withDatabase = (env, url) => (url ? { ...env, DATABASE_URL: url } : env);
const gateway = withDatabase({ ...shared, PORT: String(ports.gateway) }, process.env.GATEWAY_DATABASE_URL);
const service = withDatabase({ ...shared, PORT: String(ports.service), WORKER_HEALTH_PORT: String(ports.worker) }, process.env.SERVICE_DATABASE_URL);

// The gateway runs under the project's package manager: package.json "packageManager", else npm.
const pm = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).packageManager?.split('@')[0] ?? 'npm';
const migrations = [
  // The gateway's migration runner (prisma/migrations, applied with the driver; PGlite or PostgreSQL).
  { name: 'gateway', cwd: 'gateway', command: pm, args: ['run', '--silent', 'db:migrate'], env: gateway },
  { name: 'service', cwd: 'service', command: 'uv', args: ['run', 'alembic', 'upgrade', 'head'], env: service },
];
const parts = [
  { name: 'gateway', cwd: 'gateway', command: pm, args: ['run', 'dev'], env: gateway },
  { name: 'service', cwd: 'service', command: 'uv', args: ['run', 'fastapi', 'dev', '--host', '127.0.0.1', '--port', String(ports.service)], env: service },
  { name: 'worker', cwd: 'service', command: 'uv', args: ['run', 'python', '-m', 'app.worker'], env: service },
];
const width = Math.max(...parts.map((p) => p.name.length));

/** Resolves when something listens at the broker's host:port, so a missing RabbitMQ is named at once. */
function brokerReachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 5672), timeout: 2000 });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Every process started, by process group: a child's own children (tsx watch, uvicorn's reloader,
 * the worker's pool) are in its group, so signalling the group reaches all of them. */
const running = new Map();
let stopping = false;

function signalTree(child, signal) {
  if (WINDOWS) {
    spawnSync('taskkill', ['/pid', String(child.pid), '/t', '/f'], { stdio: 'ignore' });
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the whole group is gone already
  }
}

function groupAlive(child) {
  if (WINDOWS) return child.exitCode === null && child.signalCode === null;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function start({ name, cwd, command, args, env }) {
  const child = spawn(command, args, {
    cwd: path.join(ROOT, cwd),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group (not ours): the terminal's Ctrl-C reaches only this script, which then
    // stops each tree in order instead of every process dying at once mid-write.
    detached: !WINDOWS,
    shell: WINDOWS,
  });
  running.set(child, name);
  const prefix = `[${name.padEnd(width)}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
    stream.on('end', () => rest && process.stdout.write(prefix + rest + '\n'));
  }
  const exited = new Promise((resolve) => {
    child.once('error', (err) => {
      console.error(`${prefix}could not start ${command}: ${err.message}`);
      resolve({ code: 1, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, name, prefix, exited };
}

/** SIGTERM to every tree, SIGKILL to what is left after the grace period (or at a second Ctrl-C);
 * exits once every process of every tree is gone. */
let forceKill = false;
async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  for (const child of running.keys()) signalTree(child, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while ([...running.keys()].some(groupAlive)) {
    if (Date.now() > deadline || forceKill) {
      for (const [child, name] of running) {
        if (!groupAlive(child)) continue;
        console.error(`[${name.padEnd(width)}] still running: killing it`);
        signalTree(child, 'SIGKILL');
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.exit(exitCode);
}

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (++signals > 1) forceKill = true;
    void stopAll(signal === 'SIGINT' ? 130 : 143);
  });
}

async function main() {
  if (!(await brokerReachable(AMQP_URL))) {
    console.error(`RabbitMQ is not reachable at ${new URL(AMQP_URL).host}.`);
    console.error('Start it first (README.md: "RabbitMQ without Docker", or docker compose up -d rabbitmq), or set AMQP_URL.');
    return 1;
  }
  for (const [name, variable] of [['gateway', 'GATEWAY_PORT'], ['service', 'SERVICE_PORT'], ['worker', 'WORKER_HEALTH_PORT']]) {
    if (!(await portFree(ports[name]))) {
      console.error(`Port ${ports[name]} (${name}) is in use: stop what uses it, or set ${variable} to another port.`);
      return 1;
    }
  }

  // Migrations first, both parts at once: a part started on an old schema fails every request.
  const migrating = migrations.map(start);
  const outcomes = await Promise.all(migrating.map((m) => m.exited));
  if (stopping) return undefined; // a signal came meanwhile: stopAll() exits
  for (const [i, { code, signal }] of outcomes.entries()) {
    running.delete(migrating[i].child);
    if (code !== 0) {
      console.error(`${migrating[i].prefix}migration failed (${signal ?? code}); nothing was started`);
      return 1;
    }
  }

  console.log(`gateway http://127.0.0.1:${ports.gateway} · service http://127.0.0.1:${ports.service} · worker probes http://127.0.0.1:${ports.worker}/readyz`);
  for (const part of parts) {
    const { prefix, exited } = start(part);
    void exited.then(({ code, signal }) => {
      if (stopping) return;
      console.error(`${prefix}exited (${signal ?? code}); stopping the others`);
      // Its group may still hold processes (npm exits before tsx watch does): stopAll() signals it too.
      void stopAll(code || 1);
    });
  }
  return undefined; // runs until a part exits or a signal arrives
}

const failed = await main();
if (failed !== undefined) await stopAll(failed);
