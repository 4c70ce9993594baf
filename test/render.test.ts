import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_MANAGERS, type Answers } from '../generators/answers/schema.js';
import { CliError } from '../generators/errors.js';
import { TEMPLATES_DIR } from '../generators/package-root.js';
import { buildPlan, type PlanContext } from '../generators/plan/plan.js';
import { outputPath } from '../generators/plan/paths.js';
import { renderEjs } from '../generators/plan/render.js';
import { availableTemplates, loadTemplate } from '../generators/templates/load.js';
import { makeTmp, writeFixture } from './helpers/tmp.js';

const ctx: PlanContext = { cwd: '/work', generatorName: 'create-polyglot-backend', generatorVersion: '9.9.9', nodeVersion: '24', templateSource: 'builtin' };
const answersFor = (template: string, pm: Answers['packageManager'] = 'npm'): Answers =>
  ({ directory: 'out', name: 'my-api', template, packageManager: pm, install: true, git: true }) as Answers;

describe('outputPath', () => {
  it.each([
    ['dot_gitignore', '.gitignore'],
    ['dot_github/workflows/ci.yml', '.github/workflows/ci.yml'],
    ['app/__init__.py', 'app/__init__.py'],
    ['app/_private.py', 'app/_private.py'],
    ['.prettierrc.json', '.prettierrc.json'],
    ['README.md.ejs', 'README.md'],
    ['src/app.ts', 'src/app.ts'],
  ])('%s -> %s', (from, to) => {
    expect(outputPath(from)).toBe(to);
  });

  it.each(['dot_git/config', 'dot_git', '.git/hooks/x'])('refuses %s (would write into .git)', (p) => {
    expect(() => outputPath(p)).toThrow(CliError);
  });
});

describe('renderEjs (strict)', () => {
  it('renders known locals', () => {
    expect(renderEjs('x.ejs', 'name=<%= projectName %>', { projectName: 'a' })).toBe('name=a');
  });
  it('fails on an unknown variable instead of printing undefined', () => {
    expect(() => renderEjs('x.ejs', '<%= projectNme %>', { projectName: 'a' })).toThrow(/x\.ejs failed to render.*projectNme/);
  });
  it('does not let data act as options', () => {
    // ejs once read options such as `client`/`escapeFunction` from data; here data stays data.
    const out = renderEjs('x.ejs', '<%= projectName %>', { projectName: 'a', client: true, escapeFunction: 'process.exit' } as never);
    expect(out).toBe('a');
  });
  it('refuses include(), which would read arbitrary files at render time', () => {
    expect(() => renderEjs('x.ejs', "<%- include('/etc/passwd') %>", {})).toThrow(/failed to render/);
  });
});

describe('every built-in template renders', () => {
  const templates = availableTemplates();
  it('ships at least the express starter', () => {
    expect(templates).toContain('express');
  });
  for (const id of templates) {
    for (const pm of PACKAGE_MANAGERS) {
      it(`${id} with ${pm}`, async () => {
        const template = await loadTemplate(id);
        const plan = buildPlan(answersFor(id, pm), template, ctx);
        expect(plan.files.length).toBeGreaterThan(5);
        for (const file of template.files.filter((f) => f.path.endsWith('.ejs'))) {
          const out = plan.files.find((f) => f.path === outputPath(file.path));
          expect(out, file.path).toBeDefined();
          expect(out!.content.toString('utf8'), file.path).not.toMatch(/<%|%>/);
        }
        for (const file of plan.files.filter((f) => f.path.endsWith('package.json'))) {
          const pkg = JSON.parse(file.content.toString('utf8'));
          expect(pkg.name).toMatch(/^my-api/);
          // A package without install scripts to allow (the hybrid's dependency-free root) gets no allow-list.
          const allowed = Object.keys(pkg.allowScripts ?? {});
          if (pm === 'pnpm') expect(pkg.pnpm?.onlyBuiltDependencies ?? []).toEqual(allowed);
          if (pm === 'bun') expect(pkg.trustedDependencies ?? []).toEqual(allowed);
        }
        expect(plan.files.some((f) => f.path === '.gitignore')).toBe(true);
        expect(plan.files.some((f) => /(^|\/)dot_/.test(f.path))).toBe(false);
      });
    }
  }
});

describe('loadTemplate on untrusted templates', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  function fixture(files: Record<string, string>): string {
    const tmp = makeTmp();
    cleanup = tmp.cleanup;
    writeFixture(tmp.dir, files);
    return tmp.dir;
  }
  const meta = (extra: object = {}) => JSON.stringify({ id: 'kit', version: '1.0.0', description: 'd', ...extra });

  it('refuses a symbolic link', async () => {
    const root = fixture({ 'kit/template.json': meta() });
    fs.symlinkSync('/etc/passwd', path.join(root, 'kit', 'passwd'));
    await expect(loadTemplate('kit', root)).rejects.toThrow(/symbolic link/);
  });

  it('refuses a file that would land in .git', async () => {
    const root = fixture({ 'kit/template.json': meta(), 'kit/dot_git/hooks/post-checkout': 'evil' });
    const template = await loadTemplate('kit', root);
    expect(() => buildPlan(answersFor('kit'), template, ctx)).toThrow(/outside the project or into a \.git directory/);
  });

  it('refuses a .git directory anywhere, in any case (a nested .git/config can run commands)', async () => {
    for (const evil of ['kit/sub/dot_git/config', 'kit/a/b/dot_GIT/hooks/pre-commit']) {
      const root = fixture({ 'kit/template.json': meta(), [evil]: '[core]\n\tfsmonitor = touch /tmp/pwned\n' });
      const template = await loadTemplate('kit', root);
      expect(() => buildPlan(answersFor('kit'), template, ctx), evil).toThrow(/into a \.git directory/);
    }
  });

  it('refuses a file in the generator-owned .polyglot directory', async () => {
    const root = fixture({ 'kit/template.json': meta(), 'kit/dot_polyglot/manifest.json': '{}' });
    const template = await loadTemplate('kit', root);
    expect(() => buildPlan(answersFor('kit'), template, ctx)).toThrow(/belongs to the generator/);
  });

  it('refuses invalid template.json with the field named', async () => {
    const root = fixture({ 'kit/template.json': meta({ version: 'latest' }) });
    await expect(loadTemplate('kit', root)).rejects.toThrow(/version must be semver/);
  });

  it('refuses layer cycles', async () => {
    const root = fixture({
      'kit/template.json': meta({ layers: [{ template: 'other' }] }),
      'other/template.json': JSON.stringify({ id: 'other', version: '1.0.0', description: 'd', layers: [{ template: 'kit' }] }),
    });
    await expect(loadTemplate('kit', root)).rejects.toThrow(/cycle/);
  });

  it('layers files into sub-directories and lets later layers win', async () => {
    const root = fixture({
      'base/template.json': JSON.stringify({ id: 'base', version: '1.0.0', description: 'd', postSteps: [{ id: 'gen', title: 'Gen', script: 'gen' }] }),
      'base/a.txt': 'base',
      'kit/template.json': meta({ layers: [{ template: 'base' }, { template: 'base', into: 'sub' }] }),
      'kit/a.txt': 'kit',
    });
    const template = await loadTemplate('kit', root);
    const plan = buildPlan(answersFor('kit'), template, ctx);
    const text = (p: string) => plan.files.find((f) => f.path === p)?.content.toString();
    expect(text('a.txt')).toBe('kit');
    expect(text('sub/a.txt')).toBe('base');
    expect(plan.postSteps.filter((s) => s.id === 'gen').map((s) => s.cwd)).toEqual(['.', 'sub']);
  });

  it('excludes base paths, merges package.json and pyproject.toml overlays, and installs each part', async () => {
    const root = fixture({
      'node/template.json': JSON.stringify({ id: 'node', version: '1.0.0', description: 'd' }),
      'node/package.json': JSON.stringify({ name: 'x', scripts: { test: 'vitest' }, dependencies: { zod: '4.0.0', express: '5.0.0' } }),
      'node/dot_github/workflows/ci.yml': 'on: push\n',
      'node/docker-compose.yml': 'services: {}\n',
      'py/template.json': JSON.stringify({ id: 'py', version: '1.0.0', description: 'd', install: 'python' }),
      'py/pyproject.toml': '[project]\nname = "x"\ndependencies = [\n    # web\n    "fastapi>=0.1",\n    "uvicorn>=0.1",\n]\n\n[tool.ruff]\nline-length = 100\n',
      'kit/template.json': meta({
        install: 'none',
        layers: [
          { template: 'node', into: 'gateway', exclude: ['.github', 'docker-compose.yml'] },
          { template: 'py', into: 'service' },
        ],
      }),
      'kit/gateway/package.json': JSON.stringify({ name: 'ignored', scripts: { gen: 'x' }, dependencies: { amqplib: '2.3.1', zod: '4.1.0' } }),
      'kit/service/pyproject.toml': '[project]\ndependencies = ["aio-pika>=10", "FastAPI>=0.2"]\n',
    });
    const plan = buildPlan(answersFor('kit'), await loadTemplate('kit', root), ctx);
    const text = (p: string) => plan.files.find((f) => f.path === p)?.content.toString();
    expect(plan.files.map((f) => f.path).filter((p) => p.includes('.github') || p.includes('compose'))).toEqual([]);
    const pkg = JSON.parse(text('gateway/package.json')!) as { name: string; scripts: object; dependencies: object };
    expect(pkg.name).toBe('my-api-gateway');
    expect(pkg.scripts).toEqual({ test: 'vitest', gen: 'x' });
    expect(Object.entries(pkg.dependencies)).toEqual([['amqplib', '2.3.1'], ['express', '5.0.0'], ['zod', '4.1.0']]);
    expect(text('service/pyproject.toml')).toBe(
      '[project]\nname = "x"\ndependencies = [\n    "aio-pika>=10",\n    "FastAPI>=0.2",\n    "uvicorn>=0.1",\n]\n\n[tool.ruff]\nline-length = 100\n',
    );
    const installs = plan.postSteps.filter((s) => s.kind === 'install');
    expect(installs.map((s) => [s.id, s.command, s.cwd, s.rerun])).toEqual([
      ['install-gateway', 'npm', 'gateway', '(cd gateway && npm install)'],
      ['install-service', 'uv', 'service', '(cd service && uv sync)'],
    ]);
  });

  it('refuses a pyproject.toml overlay that sets anything but dependency arrays', async () => {
    const root = fixture({
      'py/template.json': JSON.stringify({ id: 'py', version: '1.0.0', description: 'd', install: 'python' }),
      'py/pyproject.toml': '[project]\nname = "x"\ndependencies = []\n',
      'kit/template.json': meta({ layers: [{ template: 'py' }] }),
      'kit/pyproject.toml': '[project]\nname = "evil"\n',
    });
    const template = await loadTemplate('kit', root);
    expect(() => buildPlan(answersFor('kit'), template, ctx)).toThrow(/may only add dependencies/);
  });
});

it('templates directory holds no stray build output', () => {
  for (const id of availableTemplates()) {
    for (const junk of ['node_modules', 'dist', 'package-lock.json', 'src/generated']) {
      expect(fs.existsSync(path.join(TEMPLATES_DIR, id, junk)), `${id}/${junk}`).toBe(false);
    }
  }
});

describe('renderTemplateFile: insert-only files skip EJS with the same output', () => {
  it.each([
    ['name = "<%= pythonPackage %>"\n', { pythonPackage: 'a&b' }],
    ['<%- title %> and <%= title %>\n', { title: `"quoted" <b>'x'</b>` }],
  ])('%j', async (source, data) => {
    const { renderTemplateFile } = await import('../generators/plan/render.js');
    expect(renderTemplateFile('f.ejs', source, data, false)).toBe(renderEjs('f.ejs', source, data));
  });
  it('code still goes through EJS', async () => {
    const { renderTemplateFile } = await import('../generators/plan/render.js');
    expect(renderTemplateFile('f.ejs', '<% if (x) { %>yes<% } %>', { x: true }, false)).toBe('yes');
  });
});
