#!/usr/bin/env node
/**
 * Runs the generated starters' own test suites at the same time, beside CPU hogs, for several rounds,
 * and fails if any suite fails or leaves a process behind. This is how we prove the generated tests
 * hold on a busy 2-core CI runner (fixed start-up budgets used to fail there and leak servers).
 *
 *   node bench/loaded-suites.mjs [--rounds 3] [--hogs 2] [--keep]
 *
 * Generates express, fastapi and hybrid (installed) into .bench-tmp/loaded/, then per round starts
 * `--hogs` busy loops and runs, all at once: express `npm test`, fastapi `uv run pytest`, hybrid
 * gateway `npm test` and hybrid service `uv run pytest` (the RabbitMQ integration tests skip without
 * AMQP_URL; the e2e runs them). Every suite runs in a process group of its own; after it exits, any
 * member of that group still alive is listed and killed. Exit 1 on any failure or leftover.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, hogs: { type: 'string', default: '2' }, keep: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
const work = path.join(ROOT, '.bench-tmp', 'loaded');
const env = { ...process.env, CI: 'true', FORCE_COLOR: '0', PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', UV_PYTHON_DOWNLOADS: 'never' };
delete env.DATABASE_URL;
delete env.AMQP_URL;

function groupMembers(pgid) {
  const out = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(`${entry} ${fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`);
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** Runs a command in its own process group; resolves with exit code, seconds, output and leftovers. */
function runSuite(name, cmd, args, cwd) {
  const started = Date.now();
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      // Give a just-exited suite's children a moment to go, then list what is still there.
      setTimeout(() => {
        const leftovers = groupMembers(child.pid);
        if (leftovers.length) process.kill(-child.pid, 'SIGKILL');
        resolve({ name, code, seconds: (Date.now() - started) / 1000, output, leftovers });
      }, 500);
    });
  });
}

function startHogs(n) {
  const code = 'for(;;){}';
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', code], { stdio: 'ignore' }));
}

function generate() {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  for (const t of ['express', 'fastapi', 'hybrid']) {
    const pm = t === 'fastapi' ? [] : ['--pm', 'npm'];
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'create-polyglot-backend.js'), `${t}-app`, '--template', t, '--no-git', ...pm], { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 900_000 });
  }
}

const suites = () => [
  ['express npm test', 'npm', ['test'], path.join(work, 'express-app')],
  ['fastapi pytest', 'uv', ['run', 'pytest', '-q', '-p', 'no:cacheprovider'], path.join(work, 'fastapi-app')],
  ['hybrid gateway npm test', 'npm', ['test'], path.join(work, 'hybrid-app', 'gateway')],
  ['hybrid service pytest', 'uv', ['run', 'pytest', '-q', '-p', 'no:cacheprovider'], path.join(work, 'hybrid-app', 'service')],
];

async function main() {
  generate();
  let failed = false;
  console.log(`| round | suite | exit | seconds | left running | load (1 min) |\n|---|---|---|---|---|---|`);
  for (let round = 1; round <= rounds; round++) {
    const hogs = startHogs(Number(values.hogs));
    try {
      const results = await Promise.all(suites().map(([n, c, a, d]) => runSuite(n, c, a, d)));
      const load = os.loadavg()[0].toFixed(1);
      for (const r of results) {
        console.log(`| ${round} | ${r.name} | ${r.code} | ${r.seconds.toFixed(0)} | ${r.leftovers.length ? r.leftovers.join('; ') : 'none'} | ${load} |`);
        if (r.code !== 0 || r.leftovers.length) {
          failed = true;
          console.error(`--- ${r.name} (round ${round}) ---\n${r.output.slice(-4000)}`);
        }
      }
    } finally {
      hogs.forEach((h) => h.kill('SIGKILL'));
    }
  }
  console.log(`\n${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}`);
  if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

await main();
