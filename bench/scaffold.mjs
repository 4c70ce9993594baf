#!/usr/bin/env node
/**
 * Scaffold time without install: create-polyglot-backend (the packed tarball, as published) against
 * create-vite, side by side in one run on this machine. Both CLIs are installed locally into
 * .bench-tmp/ first, so nothing touches the network while measuring.
 *
 *   node bench/scaffold.mjs [--runs 15] [--warmup 2]
 *   node bench/scaffold.mjs --against <built checkout> [--runs 15]
 *
 * --against compares this checkout's CLI with another built checkout of it (e.g. a `git worktree` of an
 * older commit after `npm run build`), per starter without features, interleaved; it fails when this
 * one's median is more than 5% slower for any starter. `--cache redis` runs are reported beside them.
 *
 * Runs are interleaved (the order rotates every round) so drift in machine load hits every command alike.
 * `node -e 0` is measured alongside: every Node process here pays that start-up cost.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchWorkDir, packCli, ROOT, run } from './lib/bench-tmp.mjs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const CREATE_VITE = 'create-vite@9.3.0'; // engines: ^20.19.0 || >=22.12.0
const RUN_TIMEOUT_MS = 60_000;

const { values: opts } = parseArgs({
  options: { runs: { type: 'string', default: '15' }, warmup: { type: 'string', default: '2' }, against: { type: 'string' } },
});
const RUNS = Number(opts.runs);
const WARMUP = Number(opts.warmup);

const { dir: WORK, cleanup } = benchWorkDir('scaffold');

const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

/** An empty npm project (a package.json stops npm from walking up into the repo) with `spec` installed. */
function installInto(dir, spec) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  run('npm', ['install', ...NPM_QUIET, spec], dir);
}

/** The file a package's bin points at, inside a prefix's node_modules. */
function binFile(prefix, pkgName, binName = pkgName) {
  const pkgDir = path.join(prefix, 'node_modules', pkgName);
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin[binName];
  return { file: path.join(pkgDir, bin), version: pkg.version };
}

function countFiles(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { median: percentile(s, 50), min: s[0], p90: percentile(s, 90) };
}

const ms = (v) => `${v.toFixed(0)} ms`;

function main() {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });

  // Build so the tarball holds the current dist/cli.js (npm pack does not build: no prepack script).
  console.error('Building, packing and installing both CLIs locally…');
  const { packed } = packCli(WORK);
  installInto(path.join(WORK, 'ours'), path.join(WORK, packed.filename));
  installInto(path.join(WORK, 'vite'), CREATE_VITE);

  const ours = binFile(path.join(WORK, 'ours'), 'create-polyglot-backend');
  const vite = binFile(path.join(WORK, 'vite'), 'create-vite');
  const contenders = [
    {
      label: 'node -e 0 (baseline)',
      args: () => ['-e', '0'],
    },
    {
      label: `create-vite ${vite.version} --template vanilla-ts`,
      args: (dir) => [vite.file, dir, '--template', 'vanilla-ts', '--no-interactive', '--no-immediate'],
      creates: true,
    },
    {
      label: `create-polyglot-backend ${ours.version} --template express --no-install --no-git`,
      args: (dir) => [ours.file, dir, '--template', 'express', '--no-install', '--no-git'],
      creates: true,
      ours: true,
    },
  ];

  const runsDir = path.join(WORK, 'runs');
  fs.mkdirSync(runsDir);
  let n = 0;
  /** One timed run in a fresh directory; the directory is removed afterwards (outside the timing). */
  function timeOnce(c) {
    const dir = `p${n++}`;
    const env = { ...process.env };
    delete env.npm_config_user_agent; // as if launched directly, not through `npm run`
    const t0 = performance.now();
    // stdin ignored: no TTY, so neither CLI may prompt; a hang would hit the timeout and fail the bench.
    const r = spawnSync(process.execPath, c.args(dir), { cwd: runsDir, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
    const elapsed = performance.now() - t0;
    const target = path.join(runsDir, dir);
    if (r.status !== 0 || (c.creates && !fs.existsSync(path.join(target, 'package.json')))) {
      throw new Error(`${c.label} failed (status ${r.status}, signal ${r.signal}, error ${r.error?.message ?? 'none'}):\n${r.stderr}${r.stdout}`);
    }
    if (c.creates && c.files === undefined) c.files = countFiles(target);
    fs.rmSync(target, { recursive: true, force: true });
    return elapsed;
  }

  for (let i = 0; i < WARMUP; i++) for (const c of contenders) timeOnce(c);
  for (const c of contenders) c.samples = [];
  console.error(`Measuring ${RUNS} interleaved runs of each…`);
  for (let i = 0; i < RUNS; i++) {
    const order = contenders.map((_, k) => contenders[(k + i) % contenders.length]);
    for (const c of order) c.samples.push(timeOnce(c));
  }

  const cpus = os.cpus();
  console.log('## Scaffold time, no install (wall clock per process, ms)\n');
  console.log(`Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${os.type()} ${os.release()}, Node ${process.version}, ${new Date().toISOString()}`);
  console.log(`Runs: ${RUNS} each, interleaved, after ${WARMUP} warm-up rounds. Both CLIs installed locally; ours from \`npm pack\` (${packed.filename}).\n`);
  console.log('| command | median | min | p90 | files written |');
  console.log('|---|---:|---:|---:|---:|');
  for (const c of contenders) {
    c.stats = stats(c.samples);
    console.log(`| \`${c.label}\` | ${ms(c.stats.median)} | ${ms(c.stats.min)} | ${ms(c.stats.p90)} | ${c.files ?? '–'} |`);
  }
  const [base, cv, cpb] = contenders.map((c) => c.stats.median);
  console.log(`\nRatio of medians, ours / create-vite: **${(cpb / cv).toFixed(2)}×**`);
  console.log(`Above the \`node -e 0\` baseline: ours ${ms(cpb - base)}, create-vite ${ms(cv - base)} (${((cpb - base) / (cv - base)).toFixed(2)}×).`);
}

const AGAINST_TARGET = 1.05;

/** This checkout against another built one, per starter, without and with a feature. */
function compareAgainst(otherDir) {
  const mine = path.join(ROOT, 'bin', 'create-polyglot-backend.js');
  const theirs = path.join(path.resolve(otherDir), 'bin', 'create-polyglot-backend.js');
  if (!fs.existsSync(theirs) || !fs.existsSync(path.join(path.resolve(otherDir), 'dist', 'cli.js'))) throw new Error(`${otherDir} is not a built checkout (no bin/ and dist/cli.js; run npm run build there)`);
  fs.rmSync(WORK, { recursive: true, force: true });
  const runsDir = path.join(WORK, 'runs');
  fs.mkdirSync(runsDir, { recursive: true });
  const contenders = [];
  for (const starter of ['express', 'fastapi', 'hybrid']) {
    const base = ['--template', starter, '--no-install', '--no-git'];
    contenders.push({ label: `${starter}: before (${otherDir})`, starter, role: 'before', args: (dir) => [theirs, dir, ...base] });
    contenders.push({ label: `${starter}: this checkout`, starter, role: 'after', args: (dir) => [mine, dir, ...base] });
    contenders.push({ label: `${starter}: this checkout --cache redis`, starter, role: 'feature', args: (dir) => [mine, dir, ...base, '--cache', 'redis'] });
  }
  let n = 0;
  const timeOnce = (c) => {
    const dir = `p${n++}`;
    const env = { ...process.env };
    delete env.npm_config_user_agent;
    const t0 = performance.now();
    const r = spawnSync(process.execPath, c.args(dir), { cwd: runsDir, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
    const elapsed = performance.now() - t0;
    const target = path.join(runsDir, dir);
    if (r.status !== 0 || !fs.existsSync(path.join(target, '.polyglot', 'manifest.json'))) throw new Error(`${c.label} failed (status ${r.status}):\n${r.stderr}${r.stdout}`);
    c.files ??= countFiles(target);
    fs.rmSync(target, { recursive: true, force: true });
    return elapsed;
  };
  const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadBefore = load();
  for (let i = 0; i < WARMUP; i++) for (const c of contenders) timeOnce(c);
  for (const c of contenders) c.samples = [];
  console.error(`Measuring ${RUNS} interleaved runs of each of ${contenders.length}…`);
  for (let i = 0; i < RUNS; i++) for (const c of contenders.map((_, k) => contenders[(k + i) % contenders.length])) c.samples.push(timeOnce(c));
  const cpus = os.cpus();
  console.log('## Scaffold time before/after, no install (wall clock per process, ms)\n');
  console.log(`Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}, ${new Date().toISOString()}; load (1/5/15 min) ${loadBefore} before, ${load()} after.`);
  console.log(`Runs: ${RUNS} each, interleaved, after ${WARMUP} warm-up rounds; both CLIs run from their checkouts.\n`);
  console.log('| command | median | min | p90 | files |');
  console.log('|---|---:|---:|---:|---:|');
  for (const c of contenders) {
    c.stats = stats(c.samples);
    console.log(`| ${c.label} | ${ms(c.stats.median)} | ${ms(c.stats.min)} | ${ms(c.stats.p90)} | ${c.files} |`);
  }
  let missed = false;
  console.log('');
  for (const starter of ['express', 'fastapi', 'hybrid']) {
    const pick = (role) => contenders.find((c) => c.starter === starter && c.role === role).stats.median;
    const ratio = pick('after') / pick('before');
    if (ratio > AGAINST_TARGET) missed = true;
    console.log(`- ${starter}: after/before ${ratio.toFixed(3)} (target ≤ ${AGAINST_TARGET}) ${ratio > AGAINST_TARGET ? 'MISSED' : 'ok'}; with --cache redis ${(pick('feature') / pick('before')).toFixed(3)}`);
  }
  if (missed) process.exitCode = 1;
}

try {
  if (opts.against !== undefined) compareAgainst(opts.against);
  else main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  cleanup();
}
