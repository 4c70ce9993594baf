/**
 * Starters are found on disk (templates/ and --templates <dir>), in one place: a --templates directory can
 * add a starter, not only override one, and `extends` may name any starter found.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseArgv } from '../generators/answers/args.js';
import { collectAnswers, type Prompter } from '../generators/answers/collect.js';
import { discoverStarters } from '../generators/templates/starters.js';
import { buildCli, REPO_ROOT, runCli } from './helpers/cli.js';
import { listTree, makeTmp, writeFixture } from './helpers/tmp.js';

const meta = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, version: '1.0.0', description: `the ${id} starter`, install: 'none', ...extra });

let tmp: ReturnType<typeof makeTmp>;
let starters: string;
beforeEach(() => {
  tmp = makeTmp('cpb-starters-');
  starters = path.join(tmp.dir, 'starters');
  writeFixture(starters, {
    'go/template.json': meta('go'),
    'go/main.go.ejs': 'package main // <%= projectName %>\n',
    'go-plus/template.json': meta('go-plus', { extends: 'go' }),
    'go-plus/extra.txt': 'plus\n',
    'express-org/template.json': meta('express-org', { extends: 'express' }),
    'express-org/ORG.md': 'org\n',
  });
});
afterEach(() => tmp.cleanup());

describe('discoverStarters', () => {
  it('lists the built-ins and a --templates directory’s, sorted, the local ones marked', () => {
    const found = discoverStarters({ localDir: starters }).map((s) => `${s.id}:${s.origin}`);
    expect(found).toEqual(['express:builtin', 'express-org:local', 'fastapi:builtin', 'go:local', 'go-plus:local', 'hybrid:builtin']);
  });

  it('a --templates starter with a built-in id replaces it', () => {
    writeFixture(starters, { 'fastapi/template.json': meta('fastapi') });
    expect(discoverStarters({ localDir: starters }).find((s) => s.id === 'fastapi')).toMatchObject({ origin: 'local', dir: path.join(starters, 'fastapi') });
  });

  it('the prompt offers every starter found', async () => {
    const offered: string[] = [];
    const prompter: Prompter = {
      text: async (o) => o.initialValue ?? 'x',
      select: async (o) => (offered.push(...o.options.map((c) => c.value)), 'go'),
      confirm: async () => false,
    };
    const a = await collectAnswers(parseArgv(['app']), { interactive: true, launchedBy: 'npm', cwd: tmp.dir }, prompter, { starters: discoverStarters({ localDir: starters }) });
    expect(offered).toEqual(['express', 'express-org', 'fastapi', 'go', 'go-plus', 'hybrid']);
    expect(a.template).toBe('go');
  });
});

describe('no starter id list is kept by hand in generators/', () => {
  it('no source names two starter ids side by side', () => {
    const files = (fs.readdirSync(path.join(REPO_ROOT, 'generators'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    const list = /['"](express|fastapi|hybrid)['"]\s*,\s*['"](express|fastapi|hybrid)['"]/;
    expect(files.filter((f) => list.test(fs.readFileSync(path.join(REPO_ROOT, 'generators', f), 'utf8')))).toEqual([]);
  });
});

describe('the built CLI with --templates <dir>', () => {
  beforeAll(buildCli, 60_000);
  const gen = (args: string[]) => runCli(args, { cwd: tmp.dir, env: { CPB_CONFIG: '' } });

  it('generates a starter that only the directory has', async () => {
    const r = await gen(['app', '-t', 'go', '--templates', starters, '--no-install', '--no-git']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(tmp.dir, 'app', 'main.go'), 'utf8')).toBe('package main // app\n');
    const manifest = JSON.parse(fs.readFileSync(path.join(tmp.dir, 'app', '.polyglot', 'manifest.json'), 'utf8')) as { template: { id: string; source: string } };
    expect(manifest.template).toMatchObject({ id: 'go', source: 'local' });
  }, 60_000);

  it('`extends` may name a starter from the directory, or a built-in one', async () => {
    const plus = await gen(['plus', '-t', 'go-plus', '--templates', starters, '--no-install', '--no-git']);
    expect(plus.exitCode, plus.stderr).toBe(0);
    expect(listTree(path.join(tmp.dir, 'plus'))).toEqual(expect.arrayContaining(['main.go', 'extra.txt']));
    const org = await gen(['org', '-t', 'express-org', '--templates', starters, '--no-install', '--no-git']);
    expect(org.exitCode, org.stderr).toBe(0);
    expect(listTree(path.join(tmp.dir, 'org'))).toEqual(expect.arrayContaining(['ORG.md', 'package.json', 'src/app.ts']));
  }, 60_000);

  it('an org kit (a path) may extend a --templates starter', async () => {
    writeFixture(tmp.dir, { 'kit/template.json': meta('kit', { extends: 'go' }), 'kit/kit.txt': 'kit\n' });
    const r = await gen(['app', '-t', './kit', '--templates', starters, '--no-install', '--no-git', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(listTree(path.join(tmp.dir, 'app'))).toEqual(expect.arrayContaining(['main.go', 'kit.txt']));
  }, 60_000);

  it('--help lists the directory’s starters', async () => {
    const r = await gen(['--help', '--templates', starters]);
    expect(r.stdout).toMatch(/^ {2}go {8}the go starter \(--templates\)$/m);
    expect(r.stdout).toContain('--template <express|express-org|fastapi|go|go-plus|hybrid>');
  }, 60_000);

  it('without the directory, "go" is unknown (exit 2) and the message lists what there is', async () => {
    const r = await gen(['app', '-t', 'go', '--no-install', '--no-git']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/express, fastapi, hybrid/);
    expect(listTree(tmp.dir).filter((p) => p.startsWith('app'))).toEqual([]);
  }, 60_000);

  it('`extends` naming no starter found is refused, naming what there is', async () => {
    writeFixture(starters, { 'lost/template.json': meta('lost', { extends: 'rails' }) });
    const r = await gen(['app', '-t', 'lost', '--templates', starters, '--no-install', '--no-git']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/lost builds on "rails", which is not one of the starters here \(express, express-org, fastapi, go, go-plus, hybrid, lost\)/);
  }, 60_000);
});
