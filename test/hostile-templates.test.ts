/**
 * Hostile templates are refused before anything is written, the target stays untouched and the exit
 * code is non-zero. Archives are built by hand (test/helpers/tar.ts) and served from 127.0.0.1, so each
 * case runs through the real CLI path: --template <url> -> fetch -> unpack -> validate.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../generators/main.js';
import { checkEntryList, checkEntryPath } from '../generators/sources/entries.js';
import { untarGz } from '../generators/sources/untar.js';
import { renderEjs } from '../generators/plan/render.js';
import { startArchiveServer, type ArchiveServer } from './helpers/archive-server.js';
import { MINIMAL_TEMPLATE_JSON, tar, tgz, type TarEntry } from './helpers/tar.js';
import { makeTmp } from './helpers/tmp.js';
import { gzipSync } from 'node:zlib';

const tmp = makeTmp('cpb-hostile-');
let server: ArchiveServer;
beforeAll(async () => {
  server = await startArchiveServer();
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

const kit = (extra: TarEntry[]): TarEntry[] => [{ name: 'kit/template.json', content: MINIMAL_TEMPLATE_JSON }, ...extra];

async function generateFrom(name: string, archive: Buffer) {
  server.archives.set(`/${name}.tar.gz`, archive);
  const cwd = path.join(tmp.dir, name);
  fs.mkdirSync(cwd, { recursive: true });
  const reports: string[] = [];
  const env = { ...process.env, XDG_CACHE_HOME: path.join(tmp.dir, 'cache'), CPB_CONFIG: '' };
  try {
    await run([`app`, '--template', `${server.base}/${name}.tar.gz`, '--no-install', '--no-git', '--yes'], {
      launch: { interactive: false, launchedBy: 'npm', cwd },
      prompter: undefined,
      env,
      reporterFor: () => ({ intro() {}, info: (m) => reports.push(m), warn: (m) => reports.push(m), outro() {}, progress: () => ({ done() {}, fail() {} }) }),
    });
    return { exitCode: 0, message: '', written: fs.readdirSync(cwd) };
  } catch (err) {
    return { exitCode: (err as { exitCode?: number }).exitCode ?? 1, message: (err as Error).message, written: fs.readdirSync(cwd) };
  }
}

const cases: [string, TarEntry[], RegExp][] = [
  ['dot-dot', kit([{ name: 'kit/../../evil.txt', content: 'x' }]), /"\.\." segment/],
  ['absolute', kit([{ name: '/etc/evil', content: 'x' }]), /absolute|"\.\." segment/],
  ['windows-drive', kit([{ name: 'kit/C:\\evil.txt', content: 'x' }]), /backslash|absolute|portable/],
  ['unc', kit([{ name: '\\\\server\\share\\evil', content: 'x' }]), /backslash/],
  ['symlink-out', kit([{ name: 'kit/link', type: '2', linkname: '/etc/passwd' }]), /symbolic link/],
  ['symlink-in', kit([{ name: 'kit/link', type: '2', linkname: 'template.json' }]), /symbolic link/],
  ['hardlink', kit([{ name: 'kit/hard', type: '1', linkname: '/etc/passwd' }]), /hard link/],
  ['fifo', kit([{ name: 'kit/pipe', type: '6' }]), /not a regular file/],
  ['case-collision', kit([{ name: 'kit/README.md', content: 'a' }, { name: 'kit/readme.md', content: 'b' }]), /case-insensitive/],
  ['dir-case-collision', kit([{ name: 'kit/Src/a.ts', content: 'a' }, { name: 'kit/src/b.ts', content: 'b' }]), /case-insensitive/],
  ['unicode-collision', kit([{ name: 'kit/caf\u00e9.txt', content: 'a' }, { name: 'kit/cafe\u0301.txt', content: 'b' }]), /Unicode-normalising/],
  ['duplicate', kit([{ name: 'kit/a.txt', content: 'a' }, { name: 'kit/a.txt', content: 'b' }]), /appears twice/],
  ['pax-smuggled-path', kit([{ name: 'kit/innocent.txt', paxPath: '../../../tmp/evil', content: 'x' }]), /"\.\." segment/],
  ['git-dir', kit([{ name: 'kit/.git/hooks/post-checkout', content: '#!/bin/sh\n' }]), /writes into a \.git directory/],
  ['nested-git-dir', kit([{ name: 'kit/sub/dot_git/config', content: '[core]\n\tfsmonitor = touch /tmp/pwned\n' }]), /into a \.git directory/],
  ['deep', kit([{ name: `kit/${Array.from({ length: 30 }, (_, i) => `d${i}`).join('/')}/f`, content: 'x' }]), /nested deeper/],
  ['control-chars', kit([{ name: 'kit/a\u001b[31m.txt', content: 'x' }]), /control characters/],
  ['reserved-name', kit([{ name: 'kit/CON.txt', content: 'x' }]), /portable file name/],
];

describe('hostile template archives are refused, writing nothing', () => {
  it.each(cases)('%s', async (name, entries, message) => {
    const r = await generateFrom(name, tgz(entries));
    expect(r.message).toMatch(message);
    expect(r.exitCode).toBe(2);
    expect(r.written).toEqual([]);
  });

  it('too many entries', async () => {
    const many = Array.from({ length: 5_001 }, (_, i) => ({ name: `kit/f${i}`, content: '' }));
    const r = await generateFrom('many', tgz(kit(many)));
    expect(r.message).toMatch(/more than the limit of 5000|more than 5000 entries/);
    expect(r.written).toEqual([]);
  });

  it('a decompression bomb (over 100 MB unpacked) is stopped while unpacking', async () => {
    const bomb = gzipSync(Buffer.concat([tar(kit([])).subarray(0, 1024), Buffer.alloc(120 * 1024 * 1024)]));
    expect(bomb.length).toBeLessThan(1024 * 1024); // small on the wire
    const r = await generateFrom('bomb', bomb);
    expect(r.message).toMatch(/unpacks to more than 100 MB/);
    expect(r.written).toEqual([]);
  });

  it('corrupt archives (not gzip, bad checksum, truncated)', async () => {
    expect((await generateFrom('not-gzip', Buffer.from('hello'))).message).toMatch(/not valid gzip/);
    const bad = tar(kit([{ name: 'kit/a.txt', content: 'x' }]));
    bad[1024 + 10] = bad[1024 + 10]! ^ 0xff; // inside the second header (the first entry is 512 + 512 bytes)
    expect((await generateFrom('checksum', gzipSync(bad))).message).toMatch(/checksum/);
    const cut = tar(kit([{ name: 'kit/a.txt', content: 'x'.repeat(2000) }])).subarray(0, 1200);
    expect((await generateFrom('truncated', gzipSync(cut))).message).toMatch(/truncated/);
  });

  it('a pinned sha256 that does not match is refused', async () => {
    const good = tgz(kit([{ name: 'kit/a.txt', content: 'x' }]));
    server.archives.set('/pinned.tar.gz', good);
    const cwd = path.join(tmp.dir, 'pinned');
    fs.mkdirSync(cwd);
    const err = await run(['app', '--template', `${server.base}/pinned.tar.gz#sha256=${'0'.repeat(64)}`, '--no-install', '--no-git', '--yes'], {
      launch: { interactive: false, launchedBy: 'npm', cwd },
      prompter: undefined,
      env: { ...process.env, XDG_CACHE_HOME: path.join(tmp.dir, 'cache'), CPB_CONFIG: '' },
      reporterFor: () => ({ intro() {}, info() {}, warn() {}, outro() {}, progress: () => ({ done() {}, fail() {} }) }),
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/not the pinned/);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it('a well-formed archive is accepted (the checks are not refusing everything)', async () => {
    const r = await generateFrom('good', tgz(kit([{ name: 'kit/src/a.txt', content: 'hello' }, { name: 'kit/run.sh', content: '#!/bin/sh\n', mode: 0o755 }])));
    expect(r.message).toBe('');
    expect(r.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(tmp.dir, 'good', 'app', 'src', 'a.txt'), 'utf8')).toBe('hello');
    expect(fs.statSync(path.join(tmp.dir, 'good', 'app', 'run.sh')).mode & 0o111).not.toBe(0);
  });
});

describe('entry rules, directly', () => {
  it('accepts ordinary paths and refuses escaping ones', () => {
    for (const ok of ['a.txt', 'src/index.ts', 'dot_github/workflows/ci.yml', '.env.example']) expect(() => checkEntryPath(ok)).not.toThrow();
    for (const bad of ['', '../x', 'a/../../x', '/x', 'C:/x', 'C:\\x', '\\\\srv\\x', 'a//b', './a', 'a\0b', 'aux', 'x/nul.txt', 'a:b', 'trailing.']) {
      expect(() => checkEntryPath(bad), bad).toThrow();
    }
  });
  it('untarGz strips one common top directory only', () => {
    const files = untarGz(tgz([{ name: 'repo-abc123/template.json', content: '{}' }, { name: 'repo-abc123/src/a', content: 'x' }]));
    expect(files.map((f) => f.path).sort()).toEqual(['src/a', 'template.json']);
    const flat = untarGz(tgz([{ name: 'template.json', content: '{}' }, { name: 'src/a', content: 'x' }]));
    expect(flat.map((f) => f.path).sort()).toEqual(['src/a', 'template.json']);
  });
  it('checkEntryList caps the total size', () => {
    expect(() => checkEntryList([{ path: 'a', size: 60 * 1024 * 1024 }, { path: 'b', size: 60 * 1024 * 1024 }])).toThrow(/larger than 100 MB/);
  });
});

describe('answers cannot become code or options', () => {
  it('a value with EJS tags is output as text, never evaluated', () => {
    const out = renderEjs('x.ejs', 'team: <%= team %>', { team: '<%= process.exit(1) %>' });
    expect(out).toBe('team: &lt;%= process.exit(1) %&gt;');
  });
  it('EJS option names passed as data do not change rendering (opts are fixed)', () => {
    const out = renderEjs('x.ejs', '<%= a %>', { a: '1', delimiter: '?', client: true, escapeFunction: 'process.exit', outputFunctionName: 'x;process.exit(1);//' } as never);
    expect(out).toBe('1');
  });
});

describe('local-directory kits get the same checks, and untrusted kits run no code', () => {
  const quiet = () => ({ intro() {}, info() {}, warn() {}, outro() {}, progress: () => ({ done() {}, fail() {} }) });
  const kitDir = (name: string, files: Record<string, string>, meta: Record<string, unknown> = {}) => {
    const dir = path.join(tmp.dir, 'kits', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'template.json'), JSON.stringify({ id: 'kit', version: '1.0.0', description: 'x', install: 'none', ...meta }));
    for (const [p, c] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), c);
    }
    return dir;
  };
  async function gen(dir: string, extra: string[] = []) {
    const cwd = fs.mkdtempSync(path.join(tmp.dir, 'out-'));
    try {
      const r = await run(['app', '--template', dir, '--no-install', '--no-git', '--yes', ...extra], {
        launch: { interactive: false, launchedBy: 'npm', cwd },
        prompter: undefined,
        env: { ...process.env, XDG_CACHE_HOME: path.join(tmp.dir, 'cache'), CPB_CONFIG: '' },
        reporterFor: quiet,
      });
      return { exitCode: 0, message: '', cwd, written: fs.readdirSync(cwd), stdout: r.stdout ?? '' };
    } catch (err) {
      return { exitCode: (err as { exitCode?: number }).exitCode ?? 1, message: (err as Error).message, cwd, written: fs.readdirSync(cwd), stdout: '' };
    }
  }

  it('EJS code in an untrusted kit is refused, under --dry-run too, and never runs', async () => {
    const marker = path.join(tmp.dir, 'EJS-RAN');
    const code = `<% projectName.constructor.constructor("return process")().getBuiltinModule("fs").writeFileSync(${JSON.stringify(marker)}, "x") %>`;
    const dir = kitDir('ejs-code', { 'a.txt.ejs': code });
    for (const extra of [['--dry-run'], []]) {
      const r = await gen(dir, extra);
      expect(r.message).toMatch(/contains EJS code/);
      expect(r.exitCode).toBe(2);
      expect(r.written).toEqual([]);
      expect(fs.existsSync(marker)).toBe(false);
    }
    const loop = await gen(kitDir('ejs-loop', { 'b.txt.ejs': '<% for(;;){} %>' }), ['--dry-run']);
    expect(loop.message).toMatch(/contains EJS code/);
  });

  it('an untrusted kit may insert variables; with --trust its EJS is full EJS', async () => {
    const dir = kitDir('ejs-vars', { 'a.txt.ejs': 'name=<%= projectName %> raw=<%- projectName %><%# note %> lit=<%%\n', 'b.txt.ejs': '<%= projectName.toUpperCase() %>\n' });
    expect((await gen(dir)).message).toMatch(/b\.txt\.ejs contains EJS code/);
    fs.rmSync(path.join(dir, 'b.txt.ejs'));
    const ok = await gen(dir);
    expect(ok.message).toBe('');
    expect(fs.readFileSync(path.join(ok.cwd, 'app', 'a.txt'), 'utf8')).toBe('name=app raw=app lit=<%\n');
    fs.writeFileSync(path.join(dir, 'b.txt.ejs'), '<%= projectName.toUpperCase() %>\n');
    const trusted = await gen(dir, ['--trust']);
    expect(trusted.message).toBe('');
    expect(fs.readFileSync(path.join(trusted.cwd, 'app', 'b.txt'), 'utf8')).toBe('APP\n');
  });

  it.each([
    ['symlink', (d: string) => fs.symlinkSync('/etc/passwd', path.join(d, 'link')), /symbolic link/],
    ['hard link', (d: string) => fs.linkSync(path.join(d, 'template.json'), path.join(d, 'hard')), /hard link/],
    ['control characters', (d: string) => fs.writeFileSync(path.join(d, 'a\u001bb'), ''), /control characters/],
    ['reserved name', (d: string) => fs.writeFileSync(path.join(d, 'CON'), ''), /portable file name/],
    ['trailing dot (dot_..)', (d: string) => fs.writeFileSync(path.join(d, 'dot_..'), ''), /portable file name/],
    ['case collision', (d: string) => (fs.writeFileSync(path.join(d, 'README.md'), ''), fs.writeFileSync(path.join(d, 'readme.md'), '')), /case-insensitive/],
    ['collision after dot_', (d: string) => (fs.writeFileSync(path.join(d, 'dot_env'), ''), fs.writeFileSync(path.join(d, '.env'), '')), /appears twice/],
    ['nested .git', (d: string) => (fs.mkdirSync(path.join(d, 'sub', 'dot_git'), { recursive: true }), fs.writeFileSync(path.join(d, 'sub', 'dot_git', 'config'), '')), /\.git directory/],
    ['too deep', (d: string) => { const deep = path.join(d, ...Array.from({ length: 30 }, (_, i) => `d${i}`)); fs.mkdirSync(deep, { recursive: true }); fs.writeFileSync(path.join(deep, 'f'), ''); }, /deeper than/],
  ])('a local kit with a %s is refused, writing nothing', async (name, make, message) => {
    const dir = kitDir(`local-${name.replace(/\W+/g, '-')}`, {});
    make(dir);
    const r = await gen(dir);
    expect(r.message).toMatch(message);
    expect(r.exitCode).toBe(2);
    expect(r.written).toEqual([]);
  });

  it('a kit file colliding with its base starter’s by case is refused', async () => {
    const r = await gen(kitDir('collide-base', { 'Readme.md': 'x' }, { extends: 'express', install: 'node' }));
    expect(r.message).toMatch(/"README\.md" and "Readme\.md"|"Readme\.md" and "README\.md"/);
    expect(r.written).toEqual([]);
  });

  it('a catastrophic prompt pattern fails fast instead of hanging', async () => {
    const dir = kitDir('redos', {}, { prompts: [{ name: 'team', type: 'text', message: 'Team', pattern: '(a+)+$', default: `${'a'.repeat(40)}!` }] });
    const t0 = Date.now();
    const r = await gen(dir, ['--dry-run']);
    expect(r.message).toMatch(/took too long/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('prompt names like toString work (answers are not looked up on Object.prototype)', async () => {
    const dir = kitDir('proto-names', { 'a.txt.ejs': '<%= toString %>\n' }, { prompts: [{ name: 'toString', type: 'text', message: 'x', default: 'plain' }] });
    const r = await gen(dir);
    expect(r.message).toBe('');
    expect(fs.readFileSync(path.join(r.cwd, 'app', 'a.txt'), 'utf8')).toBe('plain\n');
  });

  it('an untrusted kit’s installs run no template code: npm without scripts or git, uv without any build', async () => {
    const node = await gen(kitDir('install-node', {}, { extends: 'express', install: 'node' }), ['--dry-run', '--json']);
    const nodeSteps = (JSON.parse(node.stdout) as { postSteps: { id: string; rerun: string; reason?: string }[] }).postSteps;
    expect(nodeSteps.find((s) => s.id === 'install')?.rerun).toBe('npm install --ignore-scripts --git=false');
    expect(nodeSteps.find((s) => s.id === 'prisma-generate')?.reason).toMatch(/untrusted/);
    const py = await gen(kitDir('install-py', {}, { extends: 'fastapi', install: 'python' }), ['--dry-run', '--json']);
    const pySteps = (JSON.parse(py.stdout) as { postSteps: { id: string; rerun: string }[] }).postSteps;
    expect(pySteps.find((s) => s.id === 'install')?.rerun).toBe('uv sync --no-build --no-install-project');
    const trusted = await gen(kitDir('install-trusted', {}, { extends: 'fastapi', install: 'python' }), ['--dry-run', '--json', '--trust']);
    expect((JSON.parse(trusted.stdout) as { postSteps: { id: string; rerun: string }[] }).postSteps.find((s) => s.id === 'install')?.rerun).toBe('uv sync');
  });
});
