#!/usr/bin/env node
/**
 * Upgrade time, end to end through the built CLI (`node bin/create-polyglot-backend.js upgrade`), on:
 *   - the generated Express starter, upgraded to a next release of its template (version bump, a
 *     dependency bump, README and Dockerfile changes) over user edits (target: <= 0.5 s);
 *   - synthetic projects of 250, 500 and 1,000 files, where the release changes every 10th file and the
 *     user edited every 7th (so some files merge line by line) (target: linear, <= 5 s at 1,000).
 *
 *   node bench/upgrade.mjs [--runs 7] [--warmup 1]
 *
 * Each run starts from the same committed state (git reset --hard + clean), upgrades with --no-install
 * (no package manager in the measurement), and is timed from process start to exit. `node -e 0` is
 * timed alongside, since every Node start pays it. Prints a markdown table with the machine and date.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '7' }, warmup: { type: 'string', default: '1' } } });
const RUNS = Number(opts.runs);
const WARMUP = Number(opts.warmup);
const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = path.join(ROOT, 'bin', 'create-polyglot-backend.js');
const WORK = path.join(ROOT, '.bench-tmp', `upgrade-${process.pid}`);
const GIT = ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid'];

function cleanup() {
  fs.rmSync(WORK, { recursive: true, force: true });
  const parent = path.dirname(WORK);
  if (fs.existsSync(parent) && fs.readdirSync(parent).length === 0) fs.rmdirSync(parent);
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

function run(cmd, args, cwd) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  } catch (err) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}
const git = (cwd, ...args) => run('git', [...GIT, ...args], cwd);
const write = (file, text) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

/** Generates `name` from templates in `templates`, commits, applies `edit`, commits again. */
function prepareProject(name, templates, edit) {
  const args = [BIN, name, '--template', 'express', '--pm', 'npm', '--no-install', '--no-git'];
  if (templates) args.push('--templates', templates);
  run('node', args, WORK);
  const dir = path.join(WORK, name);
  git(dir, 'init', '--quiet', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'generated');
  edit(dir);
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'user edits');
  return dir;
}

function expressCase() {
  const next = path.join(WORK, 'express-next');
  const t = path.join(next, 'express');
  fs.cpSync(path.join(ROOT, 'templates', 'express'), t, { recursive: true });
  const meta = JSON.parse(fs.readFileSync(path.join(t, 'template.json'), 'utf8'));
  meta.version = '99.0.0';
  write(path.join(t, 'template.json'), JSON.stringify(meta));
  const pkgFile = path.join(t, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  pkg.devDependencies['@types/node'] = '22.20.5';
  write(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  fs.appendFileSync(path.join(t, 'README.md.ejs'), '\n## Upgrading\n\nRun `npx create-polyglot-backend@latest upgrade`.\n');
  fs.appendFileSync(path.join(t, 'Dockerfile'), '# release note\n');
  const dir = prepareProject('express-app', undefined, (d) => {
    const readme = fs.readFileSync(path.join(d, 'README.md'), 'utf8').split('\n');
    readme.splice(1, 0, '', '> Owned by the orders team.');
    write(path.join(d, 'README.md'), readme.join('\n'));
    const p = JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8'));
    p.dependencies['pino'] = '10.3.1';
    write(path.join(d, 'package.json'), `${JSON.stringify(p, null, 2)}\n`);
    write(path.join(d, 'src/modules/hello/hello.routes.ts'), 'export const hello = 1;\n');
  });
  return { name: 'Express starter', dir, templates: next, target: 0.5 };
}

const body = (i, version) =>
  Array.from({ length: 30 }, (_, l) => `export const value${l} = ${l === 5 && version > 1 && i % 10 === 0 ? `'changed in v${version}'` : l};\n`).join('');

function syntheticTemplates(n, version) {
  const root = path.join(WORK, `synthetic-${n}-v${version}`);
  const t = path.join(root, 'express');
  write(path.join(t, 'template.json'), JSON.stringify({ id: 'express', version: `${version}.0.0`, description: 'synthetic', install: 'none' }));
  write(path.join(t, 'package.json'), `${JSON.stringify({ name: 'synthetic', private: true, dependencies: { a: version === 1 ? '1.0.0' : '1.1.0' } }, null, 2)}\n`);
  for (let i = 0; i < n - 1; i++) write(path.join(t, 'src', `m${Math.floor(i / 50)}`, `f${i}.ts`), body(i, version));
  return root;
}

function syntheticCase(n) {
  const v1 = syntheticTemplates(n, 1);
  const v2 = syntheticTemplates(n, 2);
  const dir = prepareProject(`synthetic-${n}`, v1, (d) => {
    for (let i = 0; i < n - 1; i += 7) {
      const f = path.join(d, 'src', `m${Math.floor(i / 50)}`, `f${i}.ts`);
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('export const value20 = 20;', "export const value20 = 'user';"));
    }
  });
  return { name: `Synthetic, ${n} files`, dir, templates: v2, target: n === 1000 ? 5 : undefined, files: n };
}

function timeOnce(c) {
  git(c.dir, 'reset', '--hard', '--quiet');
  git(c.dir, 'clean', '-fdq');
  const start = performance.now();
  const r = spawnSync('node', [BIN, 'upgrade', '--templates', c.templates, '--no-install', '--json'], { cwd: c.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`upgrade failed (${r.status}) in ${c.dir}:\n${r.stderr}\n${r.stdout}`);
  const out = JSON.parse(r.stdout);
  return { ms, files: out.files.length, changed: out.files.filter((f) => f.outcome !== 'unchanged').length };
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { median: q(0.5), min: s[0], p90: q(0.9) };
}

try {
  fs.mkdirSync(WORK, { recursive: true });
  run('npm', ['run', 'build'], ROOT);
  const cases = [expressCase(), syntheticCase(250), syntheticCase(500), syntheticCase(1000)];
  const results = new Map(cases.map((c) => [c, []]));
  const baseline = [];
  let last = new Map();
  for (let round = 0; round < WARMUP + RUNS; round++) {
    for (const c of cases) {
      const r = timeOnce(c);
      last.set(c, r);
      if (round >= WARMUP) results.get(c).push(r.ms);
    }
    const t0 = performance.now();
    spawnSync('node', ['-e', '0']);
    if (round >= WARMUP) baseline.push(performance.now() - t0);
  }
  const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `Upgrade time, built CLI, ${RUNS} runs after ${WARMUP} warm-up (median, min, p90). ${cpu}, ${os.cpus().length} cores, ${os.type()} ${os.release()}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| project | files (changed) | median | min | p90 | per 1,000 files | target | met |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of cases) {
    const s = stats(results.get(c));
    const { files, changed } = last.get(c);
    const target = c.target === undefined ? '—' : `≤ ${c.target} s`;
    const met = c.target === undefined ? '—' : s.median / 1000 <= c.target ? 'yes' : 'NO';
    lines.push(`| ${c.name} | ${files} (${changed}) | ${fmt(s.median)} | ${fmt(s.min)} | ${fmt(s.p90)} | ${c.files ? fmt((s.median / files) * 1000) : '—'} | ${target} | ${met} |`);
  }
  const b = stats(baseline);
  lines.push(`| \`node -e 0\` (start-up baseline) | — | ${fmt(b.median)} | ${fmt(b.min)} | ${fmt(b.p90)} | — | — | — |`);
  const synth = cases.slice(1).map((c) => stats(results.get(c)).median - b.median);
  lines.push('', `Linearity (median minus Node start-up): 250 → 500 → 1,000 files: ${synth.map(fmt).join(' → ')} (ratio 1,000/500: ${(synth[2] / synth[1]).toFixed(2)}).`);
  console.log(lines.join('\n'));
} finally {
  cleanup();
}
