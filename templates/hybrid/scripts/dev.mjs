// `npm run dev`: the gateway, the service API and the worker in one terminal, each line prefixed with
// its part. Ctrl-C stops all three; if one exits, the others are stopped too. No dependencies on purpose.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
// The gateway runs under the project's package manager: package.json "packageManager", else npm.
const pm = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).packageManager?.split('@')[0] ?? 'npm';
const parts = [
  { name: 'gateway', cwd: 'gateway', command: pm, args: ['run', 'dev'] },
  { name: 'service', cwd: 'service', command: 'uv', args: ['run', 'fastapi', 'dev', '--port', '8000'] },
  { name: 'worker', cwd: 'service', command: 'uv', args: ['run', 'python', '-m', 'app.worker'] },
];

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

if (!(await brokerReachable(AMQP_URL))) {
  console.error(`RabbitMQ is not reachable at ${new URL(AMQP_URL).host}.`);
  console.error('Start it first, e.g.: docker compose up -d rabbitmq   (or set AMQP_URL)');
  process.exit(1);
}

const width = Math.max(...parts.map((p) => p.name.length));
const children = new Map();
let stopping = false;
let exitCode = 0;

function stopAll(signal = 'SIGTERM') {
  stopping = true;
  for (const child of children.values()) child.kill(signal);
}

for (const part of parts) {
  const child = spawn(part.command, part.args, {
    cwd: part.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' },
    shell: process.platform === 'win32',
  });
  children.set(part.name, child);
  const prefix = `[${part.name.padEnd(width)}] `;
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
  child.on('error', (err) => {
    console.error(`${prefix}could not start ${part.command}: ${err.message}`);
    exitCode = 1;
    children.delete(part.name);
    stopAll();
  });
  child.on('exit', (code, signal) => {
    children.delete(part.name);
    if (!stopping) {
      console.error(`${prefix}exited (${signal ?? code}); stopping the others`);
      exitCode = code || 1;
      stopAll();
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(signal));
