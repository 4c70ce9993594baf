/**
 * Guard rails and modes: dirty trees, downgrades, up-to-date projects, broken manifests and baselines,
 * --check, --dry-run, --allow-dirty, --cwd, --templates, the `upgrade` subcommand, the confirmation prompt
 * and answers a newer version adds. Every refusal must leave the project byte for byte as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Prompter } from '../../generators/answers/collect.js';
import { manifestSchema } from '../../generators/plan/manifest.js';
import { makeTmp } from '../helpers/tmp.js';
import { commitAll, edit, generateProject, git, porcelain, read, runIn, snapshot, templatesOf, unmerged, write, type JsonResult } from './helpers.js';

let tmp: ReturnType<typeof makeTmp>;
let root: string;
beforeEach(async () => {
  tmp = makeTmp('cpb-upgrade-guards-');
  root = await generateProject(tmp.dir);
});
afterEach(() => tmp.cleanup());

const v2 = { templates: templatesOf('v2') };

async function expectUntouched(action: () => Promise<void>): Promise<void> {
  const before = snapshot(root);
  const status = await porcelain(root);
  await action();
  expect(snapshot(root)).toEqual(before);
  expect(await porcelain(root)).toEqual(status);
  expect(await unmerged(root)).toEqual([]);
}

describe('refusals change nothing', () => {
  it('refuses to write through a directory that is a symbolic link (exit 2), outside untouched', async () => {
    const outside = path.join(tmp.dir, 'outside-src');
    fs.renameSync(path.join(root, 'src'), outside);
    fs.symlinkSync(outside, path.join(root, 'src'));
    await commitAll(root, 'src is a link');
    const outsideBefore = fs.readdirSync(outside).sort().map((f) => [f, fs.readFileSync(path.join(outside, f), 'utf8')]);
    const manifestBefore = read(root, '.polyglot/manifest.json');
    const r = await runIn(root, ['--no-install'], v2);
    expect(r.exitCode).toBe(2);
    expect(r.error?.message).toMatch(/src is a symbolic link/);
    expect(fs.readdirSync(outside).sort().map((f) => [f, fs.readFileSync(path.join(outside, f), 'utf8')])).toEqual(outsideBefore);
    expect(read(root, '.polyglot/manifest.json')).toBe(manifestBefore);
    expect(await porcelain(root)).toEqual([]);
    expect(await unmerged(root)).toEqual([]);
  });

  it('refuses a dirty git tree (modified or untracked), exit 2, naming the files', async () => {
    edit(root, 'src/app.js', 'hello', 'hi');
    write(root, 'scratch.txt', 'wip\n');
    await expectUntouched(async () => {
      const r = await runIn(root, ['--no-install'], v2);
      expect(r.exitCode).toBe(2);
      expect(r.error?.message).toMatch(/uncommitted changes/);
      expect(r.error?.details).toEqual([' M src/app.js', '?? scratch.txt']);
      expect(r.error?.hint).toMatch(/--allow-dirty/);
    });
  });

  it('--allow-dirty upgrades over uncommitted edits and keeps them', async () => {
    edit(root, 'src/app.js', "return 'stopped';", "return 'bye';");
    const r = await runIn(root, ['--allow-dirty', '--no-install'], v2);
    expect(r.exitCode, r.log).toBe(0);
    expect(read(root, 'src/app.js')).toContain("return 'bye';");
    expect(read(root, 'src/app.js')).toContain('const port = 8080;');
  });

  it('refuses a downgrade (project from v2, templates of v1), exit 2', async () => {
    const tmp2 = makeTmp('cpb-upgrade-down-');
    try {
      root = await generateProject(tmp2.dir, 'v2');
      await expectUntouched(async () => {
        const r = await runIn(root, ['--no-install'], { templates: templatesOf('v1') });
        expect(r.exitCode).toBe(2);
        expect(r.error?.message).toMatch(/generated from express 1\.1\.0, newer than the 1\.0\.0 .* refusing to downgrade/);
      });
    } finally {
      tmp2.cleanup();
    }
  });

  it('same version: "already up to date", exit 0, nothing written', async () => {
    await expectUntouched(async () => {
      const r = await runIn(root, ['--no-install'], { templates: templatesOf('v1') });
      expect(r.exitCode).toBe(0);
      expect(r.log).toMatch(/express 1\.0\.0 is already up to date/);
      const j = await runIn(root, ['--json'], { templates: templatesOf('v1') });
      expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, upToDate: true, template: { from: '1.0.0', to: '1.0.0' } });
    });
  });

  it.each([
    ['bad JSON', (m: string) => m.slice(0, -5), /manifest\.json is not valid JSON/],
    ['a schema mismatch', (m: string) => m.replace('"manifestVersion": 1', '"manifestVersion": 7'), /does not match the manifest format/],
    ['a template version that is not semver', (m: string) => m.replace(/("id": "express",\s*"version": ")[^"]+/, '$1banana'), /not a semantic version/],
    ['a template id that contradicts the answers', (m: string) => m.replace(/"id": "express"/, '"id": "fastapi"'), /says template "fastapi" but its answers say "express"/],
    ['a file hash that does not match the baseline', (m: string) => m.replace(/("src\/app\.js": ")[0-9a-f]{64}/, `$1${'0'.repeat(64)}`), /disagree about 1 file/],
  ])('a manifest with %s is refused with exit 2', async (_what, corrupt, message) => {
    write(root, '.polyglot/manifest.json', corrupt(read(root, '.polyglot/manifest.json')));
    await commitAll(root, 'hand-edited manifest');
    await expectUntouched(async () => {
      const r = await runIn(root, ['--no-install'], v2);
      expect(r.exitCode).toBe(2);
      expect(r.error?.message).toMatch(message);
      expect(r.error?.message).toMatch(/refusing to upgrade/);
    });
  });

  it('a baseline whose sha256 does not match the manifest is refused with exit 2', async () => {
    write(root, '.polyglot/baseline.json.gz', gzipSync(JSON.stringify({ files: {} })));
    await commitAll(root, 'replaced baseline');
    await expectUntouched(async () => {
      const r = await runIn(root, ['--no-install'], v2);
      expect(r.exitCode).toBe(2);
      expect(r.error?.message).toMatch(/baseline\.json\.gz does not match the sha256 recorded/);
    });
  });

  it('`upgrade` outside a generated project, or with a directory, exits 2', async () => {
    const outside = await runIn(tmp.dir, ['upgrade'], v2);
    expect(outside.exitCode).toBe(2);
    expect(outside.error?.message).toMatch(/is not a project generated by create-polyglot-backend/);
    const withDir = await runIn(root, ['upgrade', 'elsewhere'], v2);
    expect(withDir.exitCode).toBe(2);
    expect((await runIn(tmp.dir, ['--check'], v2)).exitCode).toBe(2);
    expect((await runIn(root, ['--name', 'other'], v2)).error?.message).toMatch(/keeps the answers recorded/);
    // --template on an upgrade only says where the newer version of the same template is.
    const kit = path.join(tmp.dir, 'other-kit');
    fs.mkdirSync(kit, { recursive: true });
    fs.writeFileSync(path.join(kit, 'template.json'), JSON.stringify({ id: 'fastapi', version: '9.0.0', description: 'not this project', install: 'none' }));
    const other = await runIn(root, ['--template', kit], v2);
    expect(other.exitCode).toBe(2);
    expect(other.error?.message).toMatch(/is "fastapi", but this project was generated from "express"/);
  });
});

describe('--check and --dry-run', () => {
  it('--check exits 7 when an upgrade is available and 0 when not, changing nothing', async () => {
    await expectUntouched(async () => {
      const available = await runIn(root, ['--check'], v2);
      expect(available.exitCode).toBe(7);
      expect(available.log).toMatch(/upgrade is available: express 1\.0\.0 → 1\.1\.0/);
      const current = await runIn(root, ['--check'], { templates: templatesOf('v1') });
      expect(current.exitCode).toBe(0);
      const j = await runIn(root, ['--check', '--json'], v2);
      expect(JSON.parse(j.stdout)).toMatchObject({ upToDate: false, template: { from: '1.0.0', to: '1.1.0' } });
    });
  });

  it('--dry-run shows every outcome and writes nothing (even on a dirty tree)', async () => {
    edit(root, 'notes/unicode.md', 'draft', 'mine');
    await expectUntouched(async () => {
      const r = await runIn(root, ['--dry-run', '--json'], v2);
      expect(r.exitCode).toBe(0);
      const j = JSON.parse(r.stdout) as JsonResult;
      expect(j.dryRun).toBe(true);
      expect(j.files.find((f) => f.path === 'notes/unicode.md')?.outcome).toBe('conflict');
      expect(j.files.find((f) => f.path === 'src/untouched.js')?.outcome).toBe('updated');
      const human = await runIn(root, ['--dry-run'], v2);
      expect(human.log).toMatch(/Would upgrade express 1\.0\.0 → 1\.1\.0/);
      expect(human.log).toMatch(/Dry run: nothing was written/);
    });
  });
});

describe('ways in', () => {
  it('`upgrade --cwd <project>` from elsewhere, with --templates <dir> as the template source', async () => {
    const r = await runIn(tmp.dir, ['upgrade', '--cwd', 'app', '--templates', templatesOf('v2'), '--no-install'], { templates: templatesOf('v1') });
    expect(r.exitCode, r.error?.message).toBe(0);
    const manifest = manifestSchema.parse(JSON.parse(read(root, '.polyglot/manifest.json')));
    expect(manifest.template).toEqual({ id: 'express', version: '1.1.0', source: 'local' });
  });

  it('works outside git too: no dirty check, conflicts are left as markers, exit 7', async () => {
    fs.rmSync(path.join(root, '.git'), { recursive: true, force: true });
    edit(root, 'notes/unicode.md', 'draft', 'mine');
    const r = await runIn(root, ['--no-install'], v2);
    expect(r.exitCode).toBe(7);
    expect(read(root, 'notes/unicode.md')).toContain('<<<<<<< yours\nstatus: mine\n');
    expect(r.log).toMatch(/Resolve the conflict markers \(or pick a version\) in each file\./);
  });

  it('a project in a subdirectory of a repository (monorepo): index paths carry the prefix', async () => {
    const mono = makeTmp('cpb-upgrade-mono-');
    try {
      const r0 = await runIn(mono.dir, ['services/app', '-t', 'express', '--no-install', '--no-git'], { templates: templatesOf('v1') });
      expect(r0.exitCode).toBe(0);
      await git(mono.dir, 'init', '--quiet', '-b', 'main');
      const sub = path.join(mono.dir, 'services', 'app');
      edit(sub, 'notes/unicode.md', 'draft', 'mine');
      write(mono.dir, 'other/readme.txt', 'not part of the project\n');
      await commitAll(mono.dir, 'monorepo');
      write(mono.dir, 'other/wip.txt', 'uncommitted, outside the project\n');
      const r = await runIn(sub, ['--no-install'], v2);
      expect(r.exitCode, r.error?.message).toBe(7);
      expect(await unmerged(mono.dir)).toHaveLength(3);
      expect((await unmerged(mono.dir))[0]).toMatch(/\tservices\/app\/notes\/unicode\.md$/);
      expect(await porcelain(mono.dir)).toContain('UU services/app/notes/unicode.md');
    } finally {
      mono.cleanup();
    }
  });

  it('a directory argument inside a project still generates a new project there', async () => {
    const r = await runIn(root, ['sub', '-t', 'express', '--no-install', '--no-git'], v2);
    expect(r.exitCode).toBe(0);
    expect(fs.existsSync(path.join(root, 'sub', '.polyglot', 'manifest.json'))).toBe(true);
  });

  it('asks before writing when interactive; "no" cancels with nothing written', async () => {
    const asked: string[] = [];
    const prompter = (answer: boolean): Prompter => ({
      text: () => Promise.reject(new Error('unexpected text prompt')),
      select: () => Promise.reject(new Error('unexpected select prompt')),
      confirm: (o) => {
        asked.push(o.message);
        return Promise.resolve(answer);
      },
    });
    await expectUntouched(async () => {
      const r = await runIn(root, ['--no-install'], { ...v2, interactive: true, prompter: prompter(false) });
      expect(r.exitCode).toBe(130);
    });
    const r = await runIn(root, ['--no-install'], { ...v2, interactive: true, prompter: prompter(true) });
    expect(r.exitCode).toBe(0);
    expect(asked).toEqual(['Apply the upgrade?', 'Apply the upgrade?']);
    expect(read(root, 'src/untouched.js')).toBe('export const untouched = 2;\n');
  });

  it('an answer the manifest lacks (a question added later) takes its default and is recorded', async () => {
    const m = JSON.parse(read(root, '.polyglot/manifest.json')) as { answers: Record<string, unknown> };
    delete m.answers['packageManager'];
    write(root, '.polyglot/manifest.json', `${JSON.stringify(m, null, 2)}\n`);
    await commitAll(root, 'older manifest');
    const r = await runIn(root, ['--no-install'], v2);
    expect(r.exitCode, r.error?.message).toBe(0);
    expect(manifestSchema.parse(JSON.parse(read(root, '.polyglot/manifest.json'))).answers).toEqual({ name: 'app', template: 'express', packageManager: 'npm' });
  });
});
