/**
 * One Python lock for every combination: for each starter and each combination of features on disk,
 * the planned uv.lock (the shared lock cut to the project's pyproject.toml) is exactly what uv would
 * write: `uv lock --locked` passes on the planned pair and `uv lock` leaves it byte for byte. A stale shared lock fails here too.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Answers } from '../generators/answers/schema.js';
import { questionsFor } from '../generators/features/choices.js';
import { chooseFeatures } from '../generators/features/choose.js';
import { featureManifests } from '../generators/features/discover.js';
import { TEMPLATES_DIR } from '../generators/package-root.js';
import { buildPlan } from '../generators/plan/plan.js';
import { pruneUvLock } from '../generators/plan/uv-lock.js';
import { availableTemplates, loadTemplate, type LoadedTemplate } from '../generators/templates/load.js';
import { makeTmp } from './helpers/tmp.js';

const roots = [{ dir: TEMPLATES_DIR }];
const catalog = featureManifests(roots);

function combinations(t: LoadedTemplate): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  for (const q of questionsFor(catalog, t.parts)) combos = combos.flatMap((c) => q.choices.map((ch) => ({ ...c, [q.name]: ch.value })));
  return combos;
}

const starters = await Promise.all(availableTemplates().map((id) => loadTemplate(id)));
const cases = starters.filter((t) => t.parts.some((p) => p.kind === 'python')).flatMap((t) => combinations(t).map((combo) => ({ t, combo, label: `${t.meta.id} ${JSON.stringify(combo)}` })));

describe('the planned uv.lock is what uv would write', () => {
  it('covers every Python starter', () => expect(cases.map((c) => c.t.meta.id)).toEqual(expect.arrayContaining(['fastapi', 'hybrid'])));

  it.each(cases)('$label: the planned uv.lock passes uv lock --locked and is what uv lock writes', async ({ t, combo }) => {
    const features = await chooseFeatures({ roots, parts: t.parts, starter: t.meta.id, flags: combo, ask: false, prompter: undefined });
    const answers = { directory: 'out', name: 'lock-probe', template: t.meta.id, packageManager: 'npm', install: false, git: false } as Answers;
    const plan = buildPlan(answers, t, { cwd: '/work', generatorName: 'x', generatorVersion: '0.0.0', nodeVersion: '24', templateSource: 'builtin', features });
    for (const part of t.parts.filter((p) => p.kind === 'python')) {
      const at = (f: string) => (part.dir === '.' ? f : `${part.dir}/${f}`);
      const file = (f: string) => plan.files.find((x) => x.path === at(f))?.content.toString('utf8');
      const lock = file('uv.lock')!;
      const pyproject = file('pyproject.toml')!;
      const { dir, cleanup } = makeTmp('cpb-lock-');
      try {
        fs.writeFileSync(path.join(dir, 'pyproject.toml'), pyproject);
        fs.writeFileSync(path.join(dir, 'uv.lock'), lock);
        fs.writeFileSync(path.join(dir, 'README.md'), '');
        const uv = (...args: string[]) => execFileSync('uv', ['lock', ...args], { cwd: dir, env: { ...process.env, UV_PYTHON_DOWNLOADS: 'never' }, stdio: 'pipe', timeout: 240_000 });
        uv('--locked');
        // And byte for byte what uv writes for it.
        uv();
        expect(fs.readFileSync(path.join(dir, 'uv.lock'), 'utf8')).toBe(lock);
      } finally {
        cleanup();
      }
      // Nothing a feature left out is installed.
      const names = new Set([...lock.matchAll(/^name = "([^"]+)"$/gm)].map((m) => m[1]));
      if (!pyproject.includes('"redis')) expect(names.has('redis')).toBe(false);
      if (!pyproject.includes('aio-pika')) expect([...names].filter((n) => ['aio-pika', 'aiormq', 'pamqp'].includes(n!))).toEqual([]);
    }
  }, 300_000);

  it('refuses a pyproject that needs what the lock does not hold', () => {
    const lock = fs.readFileSync(path.join(TEMPLATES_DIR, 'fastapi', 'uv.lock.ejs'), 'utf8');
    expect(() => pruneUvLock(lock, '[project]\nname = "x"\ndependencies = ["left-pad>=1"]\n')).toThrow(/needs left-pad.*does not hold/);
  });
});
