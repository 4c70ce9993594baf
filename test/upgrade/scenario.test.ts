/**
 * The whole decision table in one upgrade, as a user would meet it: a project generated from fixture
 * v1, edited and committed in a real git repository, then upgraded to v2. Each case asserts the exact
 * file it leaves, and the index/exit code are asserted for the whole run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineSchema, manifestSchema, sha256 } from '../../generators/plan/manifest.js';
import { makeTmp } from '../helpers/tmp.js';
import {
  commitAll,
  edit,
  exists,
  generateProject,
  git,
  isExecutable,
  porcelain,
  read,
  readBytes,
  runIn,
  templatesOf,
  unmerged,
  write,
  type JsonResult,
  type Outcome,
} from './helpers.js';

const tmp = makeTmp('cpb-upgrade-');
let root: string;
let result: Outcome;
let json: JsonResult;
const USER_LOGO = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 7, 7, 7]);
let userLock: Buffer;

beforeAll(async () => {
  root = await generateProject(tmp.dir);
  // What users do between releases.
  edit(root, 'README.md', 'Run `npm install`.', 'Run `npm ci`, then read docs/.');
  edit(root, 'src/app.js', "return 'stopped';", "return 'bye';");
  fs.rmSync(path.join(root, 'src/user-deletes.js'));
  edit(root, 'src/dropped-modified.js', '= 1', '= 42');
  edit(root, 'src/old-name.js', 'return 2;', 'return 20;');
  fs.chmodSync(path.join(root, 'scripts/user-chmod.sh'), 0o755);
  edit(root, 'notes/windows.txt', 'line one', 'LINE ONE');
  edit(root, 'notes/crlf-conflict.txt', 'beta', 'beta (yours)');
  edit(root, 'notes/unicode.md', 'status: draft', 'status: 完成');
  write(root, 'assets/logo.png', USER_LOGO);
  edit(root, 'docker-compose.yml', "      - '3000:3000'\n", "      - '3000:3000'\n      # debugger\n      - '9229:9229'\n");
  edit(root, '.github/workflows/ci.yml', '      - run: npm test\n', '      - run: npm test\n      # Coverage report\n      - name: Coverage\n        run: npm run coverage\n');
  edit(root, 'pyproject.toml', '    "sqlalchemy', '    "httpx>=0.27",  # for tests\n    "sqlalchemy');
  const pkg = JSON.parse(read(root, 'package.json')) as { dependencies: Record<string, string> };
  pkg.dependencies['left-pad'] = '1.3.0';
  pkg.dependencies['zod'] = '4.1.0';
  write(root, 'package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  edit(root, 'package-lock.json', '"lockfileVersion": 3', '"lockfileVersion": 3,\n  "requires": true');
  userLock = readBytes(root, 'package-lock.json');
  write(root, 'docs/guide.md', '# My guide\n');
  write(root, 'src/mine.js', 'export const mine = 1;\n');
  await commitAll(root, 'user edits');

  result = await runIn(root, ['--json', '--no-install'], { templates: templatesOf('v2') });
  json = JSON.parse(result.stdout) as JsonResult;
}, 60_000);
afterAll(() => tmp.cleanup());

const outcome = (p: string) => json.files.find((f) => f.path === p);

describe('upgrade v1 -> v2 over user edits (plain command inside the project)', () => {
  it('exits 7 because conflicts remain, and lists exactly those files', () => {
    expect(result.error).toBeUndefined();
    expect(result.exitCode).toBe(7);
    expect(json.template).toEqual({ id: 'express', from: '1.0.0', to: '1.1.0' });
    expect(json.conflicts).toEqual(['assets/logo.png', 'docs/guide.md', 'notes/crlf-conflict.txt', 'notes/unicode.md']);
  });

  it('--json reports every file of base and template with its outcome', () => {
    expect(json.files.map((f) => [f.path, f.outcome])).toEqual([
      ['.github/workflows/ci.yml', 'merged'],
      ['README.md', 'merged'],
      ['assets/logo.png', 'binary-conflict'],
      ['docker-compose.yml', 'merged'],
      ['docs/guide.md', 'conflict'],
      ['notes/crlf-conflict.txt', 'conflict'],
      ['notes/unicode.md', 'conflict'],
      ['notes/windows.txt', 'merged'],
      ['package-lock.json', 'lockfile-regenerate'],
      ['package.json', 'merged'],
      ['pyproject.toml', 'merged'],
      ['scripts/run.sh', 'updated'],
      ['scripts/tool.sh', 'updated'],
      ['scripts/user-chmod.sh', 'merged'],
      ['src/added.js', 'added'],
      ['src/app.js', 'merged'],
      ['src/dropped-clean.js', 'removed'],
      ['src/dropped-modified.js', 'kept-modified-deleted-by-template'],
      ['src/new-name.js', 'renamed'],
      ['src/untouched.js', 'updated'],
      ['src/user-deletes.js', 'kept-deleted'],
    ]);
    expect(outcome('src/new-name.js')).toMatchObject({ from: 'src/old-name.js' });
    expect(json.postSteps).toEqual([{ id: 'regenerate-lockfile', status: 'skipped', reason: '--no-install', rerun: 'npm install' }]);
  });

  it('git sees conflicts as unmerged (stages 1/2/3; add/add without a base) and everything else as plain changes', async () => {
    expect(await porcelain(root)).toEqual([
      ' D src/dropped-clean.js',
      ' D src/old-name.js',
      ' M .github/workflows/ci.yml',
      ' M .polyglot/baseline.json.gz',
      ' M .polyglot/manifest.json',
      ' M README.md',
      ' M docker-compose.yml',
      ' M notes/windows.txt',
      ' M package.json',
      ' M pyproject.toml',
      ' M scripts/run.sh',
      ' M scripts/tool.sh',
      ' M scripts/user-chmod.sh',
      ' M src/app.js',
      ' M src/untouched.js',
      '?? assets/logo.png.template-new',
      '?? src/added.js',
      '?? src/new-name.js',
      'AA docs/guide.md',
      'UU assets/logo.png',
      'UU notes/crlf-conflict.txt',
      'UU notes/unicode.md',
    ]);
    const stages = (await unmerged(root)).map((l) => l.replace(/ [0-9a-f]{40} /, ' <sha> '));
    expect(stages).toEqual([
      '100644 <sha> 1\tassets/logo.png',
      '100644 <sha> 2\tassets/logo.png',
      '100644 <sha> 3\tassets/logo.png',
      '100644 <sha> 2\tdocs/guide.md',
      '100644 <sha> 3\tdocs/guide.md',
      '100644 <sha> 1\tnotes/crlf-conflict.txt',
      '100644 <sha> 2\tnotes/crlf-conflict.txt',
      '100644 <sha> 3\tnotes/crlf-conflict.txt',
      '100644 <sha> 1\tnotes/unicode.md',
      '100644 <sha> 2\tnotes/unicode.md',
      '100644 <sha> 3\tnotes/unicode.md',
    ]);
    // Stage 2 is the user's file, stage 3 the template's: `git checkout --ours/--theirs` work.
    expect(await git(root, 'show', ':2:notes/unicode.md')).toBe('Grüße from 東京\nstatus: 完成\nend\n');
    expect(await git(root, 'show', ':3:notes/unicode.md')).toBe('Grüße from 東京\nstatus: final ✓\nend\n');
  });

  it('untouched file -> updated to the new template', () => {
    expect(read(root, 'src/untouched.js')).toBe('export const untouched = 2;\n');
  });

  it('changed on both sides, apart -> line merge keeps both', () => {
    expect(read(root, 'src/app.js')).toBe(
      "const greeting = 'hello';\nconst port = 8080;\n\nexport function start() {\n  return `${greeting} on ${port}`;\n}\n\nexport function stop() {\n  return 'bye';\n}\n",
    );
    expect(read(root, 'README.md')).toBe(
      '# app\n\nA fixture project.\n\n## Setup\n\nRun `npm ci`, then read docs/.\n\n## Usage\n\nRun `npm run dev` (watches files).\n\n## License\n\nMIT\n',
    );
  });

  it('overlapping unicode change -> conflict markers with the base section', () => {
    expect(read(root, 'notes/unicode.md')).toBe(
      'Grüße from 東京\n<<<<<<< yours\nstatus: 完成\n||||||| base\nstatus: draft\n=======\nstatus: final ✓\n>>>>>>> template 1.1.0\nend\n',
    );
  });

  it('CRLF file merged cleanly keeps CRLF (even though the template switched to LF), never \\r\\r\\n', () => {
    const text = read(root, 'notes/windows.txt');
    expect(text).toBe('LINE ONE\r\nline two\r\nline three\r\nline four\r\nline five!\r\n');
    expect(text).not.toContain('\r\r\n');
  });

  it('CRLF file with a conflict: markers in CRLF too', () => {
    const text = read(root, 'notes/crlf-conflict.txt');
    expect(text).toBe('alpha\r\n<<<<<<< yours\r\nbeta (yours)\r\n||||||| base\r\nbeta\r\n=======\r\nbeta (template)\r\n>>>>>>> template 1.1.0\r\ngamma\r\n');
    expect(text).not.toContain('\r\r\n');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('both added the same path -> add/add conflict against an empty base', () => {
    expect(read(root, 'docs/guide.md')).toBe('<<<<<<< yours\n# My guide\n||||||| base\n=======\n# Guide\n\nFrom the template.\n>>>>>>> template 1.1.0\n');
  });

  it('deleted by the user -> stays deleted (though the template changed it)', () => {
    expect(exists(root, 'src/user-deletes.js')).toBe(false);
  });

  it('deleted by the template -> removed if untouched, kept if the user changed it', () => {
    expect(exists(root, 'src/dropped-clean.js')).toBe(false);
    expect(read(root, 'src/dropped-modified.js')).toBe('export const droppedModified = 42;\n');
  });

  it('renamed by the template (declared in template.json) -> moved with the user edit and the template change', () => {
    expect(exists(root, 'src/old-name.js')).toBe(false);
    expect(read(root, 'src/new-name.js')).toBe('// helpers\nexport function a() {\n  return 10;\n}\n\nexport function b() {\n  return 20;\n}\n');
  });

  it('binary changed on both sides -> the user keeps theirs, the template version is written beside it', () => {
    expect(readBytes(root, 'assets/logo.png').equals(USER_LOGO)).toBe(true);
    expect(readBytes(root, 'assets/logo.png.template-new').equals(readBytes(templatesOf('v2'), 'express/assets/logo.png'))).toBe(true);
    expect(outcome('assets/logo.png')?.templateCopy).toBe('assets/logo.png.template-new');
  });

  it('executable bits: kept when untouched, the template +x applies, the user chmod +x wins over the template', () => {
    expect(isExecutable(root, 'scripts/run.sh')).toBe(true);
    expect(read(root, 'scripts/run.sh')).toBe('#!/bin/sh\necho run v2\n');
    expect(isExecutable(root, 'scripts/tool.sh')).toBe(true);
    expect(isExecutable(root, 'scripts/user-chmod.sh')).toBe(true);
    expect(read(root, 'scripts/user-chmod.sh')).toBe('#!/bin/sh\necho chmod v2\n');
  });

  it('package.json merged by key: template bumps and additions apply, the user bump and added dependency stay', () => {
    expect(read(root, 'package.json')).toBe(`{
  "name": "app",
  "version": "0.1.0",
  "private": true,
  "scripts": {
    "dev": "node src/app.js",
    "test": "node --test",
    "lint": "eslint ."
  },
  "dependencies": {
    "express": "5.1.0",
    "helmet": "8.0.0",
    "zod": "4.1.0",
    "left-pad": "1.3.0"
  }
}
`);
    expect(outcome('package.json')?.mergedBy).toBe('json');
  });

  it('docker-compose.yml merged by key with the user comment kept', () => {
    expect(read(root, 'docker-compose.yml')).toBe(`# Local stack for development.
services:
  db:
    image: postgres:17
    environment:
      POSTGRES_USER: app # local only
  app:
    build: .
    ports:
      - '3000:3000'
      # debugger
      - '9229:9229'
    restart: unless-stopped
`);
  });

  it('workflow merged by step: the template step (with its comment) and action bump apply, the user step stays', () => {
    expect(read(root, '.github/workflows/ci.yml')).toBe(`name: CI
on:
  push:
    branches: [main]

jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - run: npm ci
      # Lint first
      - run: npm run lint
      # Unit tests
      - run: npm test
      # Coverage report
      - name: Coverage
        run: npm run coverage
`);
  });

  it('pyproject.toml dependencies merged by package name', () => {
    expect(read(root, 'pyproject.toml')).toBe(`[project]
name = "fixture"
version = "0.1.0"
# Runtime dependencies
dependencies = [
    "fastapi>=0.115",
    "httpx>=0.27",  # for tests
    "sqlalchemy>=2.0",
]
`);
  });

  it('the lockfile is never merged: the user copy stays, to be regenerated', () => {
    expect(readBytes(root, 'package-lock.json').equals(userLock)).toBe(true);
    expect(read(root, 'package-lock.json')).not.toContain('<<<<<<<');
  });

  it('files the template never had are not touched', () => {
    expect(read(root, 'src/mine.js')).toBe('export const mine = 1;\n');
  });

  it('manifest and baseline advance to the new render (even with conflicts)', () => {
    const manifest = manifestSchema.parse(JSON.parse(read(root, '.polyglot/manifest.json')));
    expect(manifest.template.version).toBe('1.1.0');
    const gz = readBytes(root, '.polyglot/baseline.json.gz');
    expect(sha256(gz)).toBe(manifest.baseline.sha256);
    const baseline = baselineSchema.parse(JSON.parse(gunzipSync(gz).toString('utf8')));
    expect(Object.keys(baseline.files)).toContain('src/new-name.js');
    expect(Object.keys(baseline.files)).not.toContain('src/old-name.js');
    const base = (p: string) => Buffer.from(baseline.files[p]!.base64, 'base64').toString('utf8');
    // The new baseline is the template's render, not the merge result.
    expect(base('notes/unicode.md')).toBe('Grüße from 東京\nstatus: final ✓\nend\n');
    expect(base('src/untouched.js')).toBe('export const untouched = 2;\n');
    for (const [p, f] of Object.entries(baseline.files)) expect(manifest.files[p]).toBe(sha256(Buffer.from(f.base64, 'base64')));
  });

  it('leaves no staging area or journal behind', () => {
    expect(fs.readdirSync(path.join(root, '.polyglot')).sort()).toEqual(['baseline.json.gz', 'manifest.json']);
  });
});
