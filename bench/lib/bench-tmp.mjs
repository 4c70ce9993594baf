// Shared by the packaging benchmarks: a per-run work dir under .bench-tmp/ (gitignored), removed on exit
// or Ctrl-C, a command runner that reports what failed, and the packed CLI tarball.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BENCH_TMP = path.join(ROOT, '.bench-tmp');

/** A fresh work dir `.bench-tmp/<name>-<pid>`; `cleanup` removes it (and .bench-tmp/ once empty). */
export function benchWorkDir(name) {
  const dir = path.join(BENCH_TMP, `${name}-${process.pid}`);
  const cleanup = () => {
    fs.rmSync(dir, { recursive: true, force: true });
    // Keep .bench-tmp/ while another bench script is using it.
    if (fs.existsSync(BENCH_TMP) && fs.readdirSync(BENCH_TMP).length === 0) fs.rmdirSync(BENCH_TMP);
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  return { dir, cleanup };
}

/** Runs a command; throws with its output if it fails (unless allowFailure, which returns stdout). */
export function run(cmd, args, cwd, { allowFailure = false } = {}) {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (allowFailure && typeof err.stdout === 'string') return err.stdout;
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

/** Builds and packs this repo as it would be published; returns the tarball's path and npm's pack record. */
export function packCli(into) {
  run('npm', ['run', 'build', '--silent'], ROOT);
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--loglevel=error', '--ignore-scripts', '--pack-destination', into], ROOT));
  return { tarball: path.join(into, packed.filename), packed };
}
