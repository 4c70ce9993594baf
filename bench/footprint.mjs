#!/usr/bin/env node
/**
 * Install footprint of the CLI as published: `npm pack`, then `npm install --omit=dev <tarball>` into an
 * empty project, then count what landed in node_modules. Exits 1 when a target is missed, so CI can run it.
 *
 *   node bench/footprint.mjs
 */
import fs from 'node:fs';
import path from 'node:path';
import { benchWorkDir, packCli, ROOT, run } from './lib/bench-tmp.mjs';

const MAX_PACKAGES = 3;
const MAX_BYTES = 3_000_000; // 3 MB (decimal, as npm reports sizes)

const { dir: WORK, cleanup } = benchWorkDir('footprint');

/** Every package directory under node_modules, nested ones included (node_modules/x, node_modules/@s/x). */
function packageDirs(nodeModules) {
  if (!fs.existsSync(nodeModules)) return [];
  const found = [];
  for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || !entry.isDirectory()) continue; // .bin, .package-lock.json
    const dirs = entry.name.startsWith('@')
      ? fs.readdirSync(path.join(nodeModules, entry.name)).map((n) => path.join(nodeModules, entry.name, n))
      : [path.join(nodeModules, entry.name)];
    for (const dir of dirs) found.push(dir, ...packageDirs(path.join(dir, 'node_modules')));
  }
  return found;
}

/** Apparent size (sum of file lengths) and disk usage (allocated blocks), symlinks not followed. */
function treeSize(dir) {
  let bytes = 0;
  let disk = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const st = fs.lstatSync(path.join(entry.parentPath, entry.name));
    if (!st.isDirectory()) bytes += st.size;
    disk += st.blocks * 512;
  }
  return { bytes, disk };
}

const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

function main() {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });

  // Build so the tarball holds the current dist/cli.js (npm pack does not build: no prepack script).
  const { packed } = packCli(WORK);
  const tarball = path.join(WORK, packed.filename);

  const project = path.join(WORK, 'project');
  fs.mkdirSync(project);
  // A package.json of its own, so npm installs here instead of walking up into the repository.
  fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "footprint-probe", "private": true }\n');
  run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error', tarball], project);

  const nodeModules = path.join(project, 'node_modules');
  // First line of --parseable is the probe project itself. npm ls exits 1 on problems but still lists.
  const listed = run('npm', ['ls', '--all', '--parseable', '--omit=dev'], project, { allowFailure: true })
    .split('\n')
    .filter((l) => l.trim() !== '' && path.resolve(l) !== project);
  const onDisk = packageDirs(nodeModules);
  const size = treeSize(nodeModules);
  const bytesChecked = Math.max(size.bytes, size.disk);

  const rows = [
    ['packages installed (`npm ls --all`)', String(listed.length), `≤ ${MAX_PACKAGES}`, listed.length <= MAX_PACKAGES],
    ['package dirs in node_modules', String(onDisk.length), '', undefined],
    ['node_modules, file bytes', mb(size.bytes), `≤ ${mb(MAX_BYTES)}`, size.bytes <= MAX_BYTES],
    ['node_modules, disk usage (blocks)', mb(size.disk), `≤ ${mb(MAX_BYTES)}`, size.disk <= MAX_BYTES],
    ['tarball size', mb(packed.size), '', undefined],
    ['unpacked size', mb(packed.unpackedSize), '', undefined],
    ['files in tarball', String(packed.entryCount), '', undefined],
  ];
  console.log(`## Install footprint: ${packed.name}@${packed.version} (npm install --omit=dev <tarball>)\n`);
  console.log('| metric | value | target | met |');
  console.log('|---|---:|---:|:---:|');
  for (const [metric, value, target, ok] of rows) console.log(`| ${metric} | ${value} | ${target} | ${ok === undefined ? '' : ok ? 'yes' : '**NO**'} |`);
  console.log(`\nInstalled: ${onDisk.map((d) => path.relative(nodeModules, d)).join(', ') || '(nothing)'}`);
  if (onDisk.length !== listed.length) console.log(`Note: npm ls lists ${listed.length} packages but node_modules holds ${onDisk.length}.`);

  const failed = listed.length > MAX_PACKAGES || onDisk.length > MAX_PACKAGES || bytesChecked > MAX_BYTES;
  console.log(failed ? '\nFAIL: footprint targets missed.' : '\nOK: footprint targets met.');
  return failed ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  cleanup();
}
