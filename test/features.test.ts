/**
 * The feature mechanism: every valid combination of starter and features found on disk is planned and
 * checked (the list comes from the manifests, not from this file), invalid ones are refused, and the
 * slot and YAML merges keep what they do not change byte for byte.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../generators/answers/schema.js';
import { CliError, ExitCode } from '../generators/errors.js';
import { questionsFor, resolveFeatureAnswers } from '../generators/features/choices.js';
import { chooseFeatures } from '../generators/features/choose.js';
import { featureManifests, type LoadedFeature } from '../generators/features/discover.js';
import { TEMPLATES_DIR } from '../generators/package-root.js';
import { outputPath, slotContribution } from '../generators/plan/paths.js';
import { buildPlan, type Plan, type PlanContext } from '../generators/plan/plan.js';
import { applySlot, slotMarkers } from '../generators/plan/slots.js';
import { mergeYaml } from '../generators/plan/yaml-blocks.js';
import { availableTemplates, loadTemplate, type LoadedTemplate } from '../generators/templates/load.js';
import { buildCli, runCli } from './helpers/cli.js';
import { listTree, makeTmp, writeFixture } from './helpers/tmp.js';

const ctx: PlanContext = { cwd: '/work', generatorName: 'create-polyglot-backend', generatorVersion: '9.9.9', nodeVersion: '24', templateSource: 'builtin' };
const answers = (template: string): Answers => ({ directory: 'out', name: 'my-api', template, packageManager: 'npm', install: true, git: true }) as Answers;
const roots = [{ dir: TEMPLATES_DIR }];
const catalog = featureManifests(roots);

/** Every assignment of the starter's questions (none or one of each question's features). */
function combinations(template: LoadedTemplate): Record<string, string>[] {
  let combos: Record<string, string>[] = [{}];
  for (const q of questionsFor(catalog, template.parts)) combos = combos.flatMap((c) => q.choices.map((choice) => ({ ...c, [q.name]: choice.value })));
  return combos;
}

async function plan(template: LoadedTemplate, flags: Record<string, string>): Promise<{ plan: Plan; loaded: LoadedFeature[] }> {
  const features = await chooseFeatures({ roots, parts: template.parts, starter: template.meta.id, flags, ask: false, prompter: undefined });
  return { plan: buildPlan(answers(template.meta.id), template, { ...ctx, features }), loaded: features.loaded };
}

const text = (p: Plan, file: string) => p.files.find((f) => f.path === file)?.content.toString('utf8');

describe('every combination of starter and features on disk', async () => {
  const starters = await Promise.all(availableTemplates().map((id) => loadTemplate(id)));
  const cases = starters.flatMap((t) => combinations(t).map((combo) => ({ t, combo, label: `${t.meta.id} ${JSON.stringify(combo)}` })));

  it('has more than one combination per starter that takes features', () => {
    for (const t of starters) if (questionsFor(catalog, t.parts).length) expect(combinations(t).length).toBeGreaterThan(1);
    expect(cases.some((c) => Object.values(c.combo).includes('redis'))).toBe(true);
  });

  it.each(cases)('$label: plans, lays every overlay file over each part, fills every slot', async ({ t, combo }) => {
    let result;
    try {
      result = await plan(t, combo);
    } catch (err) {
      // Only requires/conflicts may refuse a combination, as a usage error.
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(ExitCode.usage);
      expect(() => resolveFeatureAnswers(combo, catalog, t.parts, t.meta.id)).toThrow(/needs|cannot be combined/);
      return;
    }
    const { plan: p, loaded } = result;
    expect(p.features).toEqual({ ...Object.fromEntries(questionsFor(catalog, t.parts).map((q) => [q.name, 'none'])), ...combo });
    const manifest = JSON.parse(text(p, '.polyglot/manifest.json')!) as { answers: Record<string, string> };
    for (const [q, v] of Object.entries(p.features)) expect(manifest.answers[q]).toBe(v);
    for (const feature of loaded) {
      for (const part of t.parts.filter((x) => feature.meta.parts.includes(x.kind))) {
        for (const file of feature.files.filter((f) => f.path.startsWith(`${part.kind}/`))) {
          const rel = outputPath(file.path.slice(part.kind.length + 1));
          const out = part.dir === '.' ? rel : `${part.dir}/${rel}`;
          const slot = slotContribution(out);
          if (slot) {
            const target = text(p, slot.target);
            expect(target, `${slot.target} (slot ${slot.slot})`).toBeDefined();
            const first = file.content.toString('utf8').split('\n').find((l) => l.trim() !== '' && !l.includes('<%'));
            if (first) expect(target).toContain(first.trim());
          } else {
            expect(p.files.some((f) => f.path === out), out).toBe(true);
          }
        }
      }
    }
    for (const f of p.files) {
      expect(f.path).not.toContain('@');
      if (f.path.endsWith('package.json')) expect(() => JSON.parse(f.content.toString('utf8'))).not.toThrow();
      if (/\.ya?ml$/.test(f.path)) expect(() => parseYaml(f.content.toString('utf8'))).not.toThrow();
      // Every marker is still there once, for the next contribution.
      const names = slotMarkers(f.content.toString('utf8')).map((m) => m.name);
      expect(new Set(names).size, f.path).toBe(names.length);
    }
  });

  it.each(starters.map((t) => ({ t, id: t.meta.id })))('$id without features: no file, dependency or service of any feature', async ({ t }) => {
    const { plan: bare } = await plan(t, {});
    // Each feature the starter can take adds files of its own; none of them is in the bare project.
    for (const { meta } of catalog.values()) {
      if (!questionsFor(catalog, t.parts).some((q) => q.choices.some((c) => c.value === meta.id))) continue;
      const { plan: full } = await plan(t, { [meta.question]: meta.id });
      expect(full.files.filter((f) => !bare.files.some((b) => b.path === f.path)).length, meta.id).toBeGreaterThan(0);
    }
    const compose = text(bare, 'docker-compose.yml');
    if (compose) expect(compose).not.toMatch(/redis/i);
    for (const f of bare.files.filter((x) => /(package\.json|pyproject\.toml|uv\.lock|\.env\.example)$/.test(x.path))) {
      expect(f.content.toString('utf8'), f.path).not.toMatch(/redis/i);
    }
  });
});

describe('refusals name the choices (exit 2)', () => {
  const parts = [{ kind: 'node' as const, dir: '.', compose: [], ci: [] }];
  const refusal = (given: Record<string, string>, p = parts) => {
    try {
      resolveFeatureAnswers(given, catalog, p, 'express');
    } catch (err) {
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(ExitCode.usage);
      return `${(err as CliError).message} ${(err as CliError).hint ?? ''}`;
    }
    throw new Error('not refused');
  };
  it('an unknown value', () => expect(refusal({ cache: 'memcached' })).toMatch(/Unknown cache "memcached".*none, redis/));
  it('a feature the starter has no part for', () => {
    expect(refusal({ cache: 'redis' }, [])).toMatch(/cannot take --cache redis.*none of its parts/);
  });
  it('requires and conflicts', () => {
    const { dir, cleanup } = makeTmp();
    try {
      const feature = (id: string, extra: object) => ({ [`_features/${id}/feature.json`]: JSON.stringify({ id, question: id, label: id, parts: ['node'], ...extra }) });
      writeFixture(dir, { ...feature('alpha', { requires: ['beta'] }), ...feature('beta', {}), ...feature('gamma', { conflicts: ['beta'] }) });
      const own = featureManifests([{ dir }]);
      expect(() => resolveFeatureAnswers({ alpha: 'alpha' }, own, parts, 'x')).toThrow(/alpha needs beta/);
      expect(() => resolveFeatureAnswers({ beta: 'beta', gamma: 'gamma' }, own, parts, 'x')).toThrow(/cannot be combined/);
      expect(resolveFeatureAnswers({ alpha: 'alpha', beta: 'beta' }, own, parts, 'x').chosen).toEqual(['alpha', 'beta']);
    } finally {
      cleanup();
    }
  });
  it('a reserved question name', () => {
    const { dir, cleanup } = makeTmp();
    try {
      writeFixture(dir, { '_features/x/feature.json': JSON.stringify({ id: 'x', question: 'template', label: 'x', parts: ['node'] }) });
      expect(() => featureManifests([{ dir }])).toThrow(/reserved/);
    } finally {
      cleanup();
    }
  });
});

describe('the prompt asks only what flags and presets left open', () => {
  const parts = [{ kind: 'python' as const, dir: '.', compose: [], ci: [] }];
  const asked: { message: string; values: string[] }[] = [];
  const prompter = {
    text: () => Promise.resolve(undefined),
    confirm: () => Promise.resolve(undefined),
    // Picks the last choice of each question (the feature, not none).
    select: (o: { message: string; options: readonly { value: string }[] }) => {
      asked.push({ message: o.message, values: o.options.map((x) => x.value) });
      return Promise.resolve(o.options.at(-1)?.value);
    },
  };
  afterEach(() => void asked.splice(0));
  it('asks each open question with none first', async () => {
    const chosen = await chooseFeatures({ roots, parts, starter: 'fastapi', flags: {}, ask: true, prompter });
    expect(asked).toEqual([
      { message: 'Add a cache?', values: ['none', 'redis'] },
      { message: 'Add observability?', values: ['none', 'otel'] },
    ]);
    expect(chosen.answers).toEqual({ cache: 'redis', observability: 'otel' });
    expect(chosen.loaded.map((f) => f.meta.id)).toEqual(['otel', 'redis']);
  });
  it('a flag or a preset answers it; without asking the answer is none', async () => {
    const given = { cache: 'none', observability: 'otel' };
    expect((await chooseFeatures({ roots, parts, starter: 'fastapi', flags: given, ask: true, prompter })).answers).toEqual(given);
    expect((await chooseFeatures({ roots, parts, starter: 'fastapi', flags: {}, defaults: { cache: 'redis', observability: 'none' }, ask: true, prompter })).answers).toEqual({ cache: 'redis', observability: 'none' });
    expect((await chooseFeatures({ roots, parts, starter: 'fastapi', flags: {}, ask: false, prompter })).answers).toEqual({ cache: 'none', observability: 'none' });
    expect(asked).toEqual([]);
  });
});

describe('slots', () => {
  const c = (slot: string, t: string) => ({ target: 'f', slot, text: t, from: 'The test' });
  it('inserts above the marker, indented like it, and keeps the marker', () => {
    const src = 'const a = [\n  // slot: items (explained)\n];\n';
    const once = applySlot(src, c('items', 'one(),\n'));
    expect(once).toBe('const a = [\n  one(),\n  // slot: items (explained)\n];\n');
    expect(applySlot(once, c('items', 'two(),'))).toBe('const a = [\n  one(),\n  two(),\n  // slot: items (explained)\n];\n');
  });
  it('keeps a sorted block sorted', () => {
    const src = 'from app.core import A\nfrom app.x import B\n# slot: imports, sorted\n\nX = 1\n';
    expect(applySlot(src, c('imports', 'from app.cache import C\n'))).toBe('from app.cache import C\nfrom app.core import A\nfrom app.x import B\n# slot: imports, sorted\n\nX = 1\n');
  });
  it('adds to the sorted block above across the blank lines between, which stay', () => {
    const src = 'from app.core import A\n\n# slot: imports, sorted\n\nX = 1\n';
    const once = applySlot(src, c('imports', 'from app.x import B\n'));
    expect(once).toBe('from app.core import A\nfrom app.x import B\n\n# slot: imports, sorted\n\nX = 1\n');
    expect(applySlot(once, c('imports', 'from app.cache import C'))).toBe('from app.cache import C\nfrom app.core import A\nfrom app.x import B\n\n# slot: imports, sorted\n\nX = 1\n');
  });
  it('end appends', () => expect(applySlot('A=1\n', c('end', '\nB=2\n'))).toBe('A=1\n\nB=2\n'));
  it('a missing slot names the file and the slots it has', () => {
    expect(() => applySlot('# slot: a\n', c('b', 'x'))).toThrow(/slot "b" of f, which has no such slot/);
  });
});

describe('mergeYaml keeps every byte it does not add, and adds the fragment\'s own lines', () => {
  const compose = "# local stack\nservices:\n  db:\n    image: postgres:17\n    healthcheck:\n      test: ['CMD-SHELL', 'pg_isready']\n\n  app:\n    environment:\n      A: '1' # kept\n    depends_on:\n      db:\n        condition: service_healthy\n\nvolumes:\n  db-data:\n";
  const frag = (text: string, at: string[]) => ({ text, path: at, name: 'the fragment' });
  const fragment = "# top comment, not copied\nservices:\n  # the cache\n  redis:\n    image: redis:8-alpine\n    command: ['redis-server', '--appendonly', 'no']\npart:\n  environment:\n    REDIS_URL: redis://redis:6379/0\n  depends_on:\n    redis:\n      condition: service_healthy\n";
  it('adds a service and merges into a service', () => {
    let out = mergeYaml(compose, ['services'], frag(fragment, ['services']), 'c.yml');
    out = mergeYaml(out, ['services', 'app'], frag(fragment, ['part']), 'c.yml');
    expect(out).toBe(
      "# local stack\nservices:\n  db:\n    image: postgres:17\n    healthcheck:\n      test: ['CMD-SHELL', 'pg_isready']\n\n  app:\n    environment:\n      A: '1' # kept\n      REDIS_URL: redis://redis:6379/0\n    depends_on:\n      db:\n        condition: service_healthy\n      redis:\n        condition: service_healthy\n\n  # the cache\n  redis:\n    image: redis:8-alpine\n    command: ['redis-server', '--appendonly', 'no']\n\nvolumes:\n  db-data:\n",
    );
    expect((parseYaml(out) as { services: { redis: { command: string[] } } }).services.redis.command).toEqual(['redis-server', '--appendonly', 'no']);
  });
  it('keeps the starter value for a key both have', () => {
    expect(mergeYaml(compose, ['services', 'db'], frag('image: other\n', []), 'c.yml')).toBe(compose);
  });
  it('refuses a flow mapping and a missing path', () => {
    expect(() => mergeYaml('a:\n  b: {}\n', ['a'], frag('b:\n  c: 1\n', []), 'c.yml')).toThrow(/flow mapping/);
    expect(() => mergeYaml(compose, ['services', 'nope'], frag('x: 1\n', []), 'c.yml')).toThrow(/no services.nope/);
  });
});

describe('the CLI: --cache, add and remove', () => {
  beforeAll(buildCli, 120_000);
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('--cache bogus exits 2 naming the choices and writes nothing', async () => {
    const tmp = makeTmp();
    cleanup = tmp.cleanup;
    const r = await runCli(['p', '-t', 'express', '--cache', 'bogus', '--no-install', '--no-git'], { cwd: tmp.dir, timeout: 120_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Unknown cache "bogus".*\n?.*none, redis/);
    expect(listTree(tmp.dir)).toEqual([]);
  });

  it('add redis merges into files the user edited, remove redis takes only the feature out', async () => {
    const tmp = makeTmp();
    cleanup = tmp.cleanup;
    const cwd = path.join(tmp.dir, 'p');
    const created = await runCli(['p', '-t', 'express', '--no-install', '--no-git'], { cwd: tmp.dir, timeout: 120_000 });
    expect(created.exitCode, created.stderr).toBe(0);
    const read = (f: string) => fs.readFileSync(path.join(cwd, f), 'utf8');
    const edit = (f: string, change: (s: string) => string) => fs.writeFileSync(path.join(cwd, f), change(read(f)));
    edit('.env.example', (s) => s.replace(/^(PORT=.*)$/m, '$1\n# my note about ports'));
    edit('src/features.ts', (s) => `// my header\n${s}`);
    edit('README.md', (s) => `${s}\n## My section\n`);

    const dry = await runCli(['add', 'redis', '--dry-run', '--json'], { cwd, timeout: 120_000 });
    expect(dry.exitCode, dry.stderr).toBe(0);
    const summary = JSON.parse(dry.stdout) as { change: string; features: Record<string, string>; files: { path: string; outcome: string }[] };
    expect(summary.change).toBe('add redis');
    expect(summary.features).toEqual({ cache: 'redis', observability: 'none' });
    expect(summary.files.find((f) => f.path === 'src/features.ts')?.outcome).toBe('merged');
    expect(read('src/features.ts')).not.toMatch(/redis|cache/i); // a dry run writes nothing

    const added = await runCli(['add', 'redis', '--no-install'], { cwd, timeout: 120_000 });
    expect(added.exitCode, added.stderr + added.stdout).toBe(0);
    expect(JSON.parse(read('.polyglot/manifest.json')).answers.cache).toBe('redis');
    expect(read('src/features.ts')).toMatch(/^\/\/ my header/);
    expect(read('src/features.ts')).toMatch(/Feature\(\),\n\s*\/\/ slot: features/);
    expect(read('.env.example')).toContain('# my note about ports');
    expect(read('.env.example')).toMatch(/REDIS_URL=/);
    expect(read('README.md')).toContain('## My section');
    expect(read('docker-compose.yml')).toMatch(/^ {2}redis:/m);
    expect(JSON.parse(read('package.json')).dependencies).toHaveProperty(Object.keys(JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, '_features/redis/node/package.json'), 'utf8')).dependencies)[0]!);

    const again = await runCli(['add', 'redis', '--no-install'], { cwd, timeout: 120_000 });
    expect(again.exitCode).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/already has redis/);

    const removed = await runCli(['remove', 'redis', '--no-install'], { cwd, timeout: 120_000 });
    expect(removed.exitCode, removed.stderr + removed.stdout).toBe(0);
    expect(JSON.parse(read('.polyglot/manifest.json')).answers.cache).toBe('none');
    expect(read('src/features.ts')).toMatch(/^\/\/ my header/);
    expect(read('src/features.ts')).not.toMatch(/cache/i);
    expect(read('.env.example')).toContain('# my note about ports');
    expect(read('.env.example')).not.toMatch(/REDIS_URL/);
    expect(read('README.md')).toContain('## My section');
    expect(read('docker-compose.yml')).not.toMatch(/redis/);
  }, 400_000);

  it('an upgrade of a project with the feature keeps it', async () => {
    const tmp = makeTmp();
    cleanup = tmp.cleanup;
    const templates = path.join(tmp.dir, 'templates');
    fs.cpSync(TEMPLATES_DIR, templates, { recursive: true });
    const created = await runCli(['p', '-t', 'fastapi', '--cache', 'redis', '--templates', templates, '--no-install', '--no-git'], { cwd: tmp.dir, timeout: 120_000 });
    expect(created.exitCode, created.stderr).toBe(0);
    const cwd = path.join(tmp.dir, 'p');
    const features = () => fs.readFileSync(path.join(cwd, 'app/features.py'), 'utf8');
    const before = features();
    expect(before).toMatch(/\(\n\s+[A-Z_]+,\n\s+# slot: features/);
    const meta = path.join(templates, 'fastapi/template.json');
    fs.writeFileSync(meta, fs.readFileSync(meta, 'utf8').replace(/"version": "[^"]+"/, '"version": "9.0.0"'));
    const up = await runCli(['upgrade', '--templates', templates, '--no-install', '--json'], { cwd, timeout: 120_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(cwd, '.polyglot/manifest.json'), 'utf8')) as { answers: Record<string, string>; template: { version: string } };
    expect(manifest.template.version).toBe('9.0.0');
    expect(manifest.answers.cache).toBe('redis');
    expect(features()).toBe(before);
    expect(fs.readFileSync(path.join(cwd, 'pyproject.toml'), 'utf8')).toMatch(/"redis>=/);
  }, 300_000);

  it("an org kit declares a feature of its own and extends a built-in one", async () => {
    const tmp = makeTmp();
    cleanup = tmp.cleanup;
    const kit = path.join(tmp.dir, 'kit');
    writeFixture(kit, {
      'template.json': JSON.stringify({ id: 'acme', version: '1.0.0', description: 'acme', extends: 'express' }),
      '_features/audit/feature.json': JSON.stringify({ id: 'audit', question: 'audit', label: 'Audit log', parts: ['node'] }),
      '_features/audit/node/src/audit.ts': 'export const audit = true;\n',
      '_features/audit/node/src/features.ts@imports': "import './audit.js';\n",
      '_features/redis/node/README.md@features': '## Cache (Redis), the ACME way\n',
    });
    const r = await runCli(['p', '-t', kit, '--set', 'audit=audit', '--cache', 'redis', '--no-install', '--no-git', '--json'], { cwd: tmp.dir, timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { features: unknown }).features).toEqual({ audit: 'audit', cache: 'redis', observability: 'none' });
    const cwd = path.join(tmp.dir, 'p');
    expect(fs.readFileSync(path.join(cwd, 'src/audit.ts'), 'utf8')).toBe('export const audit = true;\n');
    expect(fs.readFileSync(path.join(cwd, 'src/features.ts'), 'utf8')).toMatch(/^import '\.\/audit\.js';\n(import .*\n)*\/\/ slot: imports/m);
    const readme = fs.readFileSync(path.join(cwd, 'README.md'), 'utf8');
    expect(readme).toContain('## Cache (Redis), the ACME way');
    expect(readme.match(/^## Cache/gm)).toHaveLength(1); // the kit's section replaced the built-in one
    expect(fs.existsSync(path.join(cwd, '_features'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(cwd, '.polyglot/manifest.json'), 'utf8')).answers).toMatchObject({ audit: 'audit', cache: 'redis' });
  }, 300_000);

  it('add outside a project, and of an unknown feature, are usage errors', async () => {
    const tmp = makeTmp();
    cleanup = tmp.cleanup;
    const outside = await runCli(['add', 'redis'], { cwd: tmp.dir });
    expect(outside.exitCode).toBe(2);
    expect(outside.stderr).toMatch(/not a project generated by/);
    const created = await runCli(['p', '-t', 'fastapi', '--no-install', '--no-git'], { cwd: tmp.dir, timeout: 120_000 });
    expect(created.exitCode, created.stderr).toBe(0);
    const unknown = await runCli(['add', 'kafka'], { cwd: path.join(tmp.dir, 'p') });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/no feature "kafka".*\n?.*redis/);
  }, 300_000);
});
