/**
 * Maintainer script: rewrites templates/fastapi/uv.lock.ejs, the one Python lock, for the union of every
 * Python dependency a starter layer or a feature can add. Each generated project's lock is that one cut
 * down to its own pyproject.toml (generators/plan/uv-lock.ts), so there is no lock per combination.
 *
 *   npx tsx scripts/lock-python.ts           relock (keeps the versions already locked where they fit)
 *   npx tsx scripts/lock-python.ts --check   exit 1 if the committed lock is not what uv writes now
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { overlayFile } from '../generators/plan/overlay.js';
import { renderEjs } from '../generators/plan/render.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TEMPLATES = path.join(ROOT, 'templates');
const LOCK = path.join(TEMPLATES, 'fastapi', 'uv.lock.ejs');
const PLACEHOLDER = '<%= pythonPackage %>';
const NAME = 'cpb-python-superset';

/** Every pyproject.toml overlay on disk (the starter's own is pyproject.toml.ejs). */
export function pythonOverlays(): string[] {
  return (fs.readdirSync(TEMPLATES, { recursive: true }) as string[])
    .map((p) => p.split(path.sep).join('/'))
    .filter((p) => path.posix.basename(p) === 'pyproject.toml' && !p.includes('node_modules/'))
    .sort();
}

/** The fastapi starter's pyproject with every overlay's dependencies merged in. */
export function supersetPyproject(name = NAME): string {
  const base = renderEjs('pyproject.toml.ejs', fs.readFileSync(path.join(TEMPLATES, 'fastapi', 'pyproject.toml.ejs'), 'utf8'), { pythonPackage: name, title: name });
  return pythonOverlays().reduce((acc, rel) => overlayFile('pyproject.toml', acc, fs.readFileSync(path.join(TEMPLATES, rel), 'utf8')), base);
}

function main(): number {
  const check = process.argv.includes('--check');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpb-lock-'));
  try {
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), supersetPyproject());
    fs.writeFileSync(path.join(dir, 'README.md'), '');
    const committed = fs.readFileSync(LOCK, 'utf8');
    fs.writeFileSync(path.join(dir, 'uv.lock'), committed.split(PLACEHOLDER).join(NAME));
    const env = { ...process.env, UV_PYTHON_DOWNLOADS: 'never' };
    try {
      execFileSync('uv', ['lock', ...(check ? ['--locked'] : [])], { cwd: dir, env, stdio: 'inherit' });
    } catch {
      if (check) console.error('templates/fastapi/uv.lock.ejs is out of date: run npx tsx scripts/lock-python.ts');
      return 1;
    }
    if (!check) {
      const lock = fs.readFileSync(path.join(dir, 'uv.lock'), 'utf8').split(`name = "${NAME}"`).join(`name = "${PLACEHOLDER}"`);
      fs.writeFileSync(LOCK, lock);
      console.log(`wrote ${path.relative(ROOT, LOCK)} (${pythonOverlays().join(', ')} merged in)`);
    }
    return 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main();
