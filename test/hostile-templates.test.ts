/**
 * Hostile templates are refused before anything is written, the target stays untouched and the exit
 * code is non-zero. Archives are built by hand (test/helpers/tar.ts) and served from 127.0.0.1, so each
 * case runs through the real CLI path: --template <url> -> fetch -> unpack -> validate.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../generators/main.js';
import { checkEntryList, checkEntryPath } from '../generators/sources/entries.js';
import { untarGz } from '../generators/sources/untar.js';
import { renderEjs } from '../generators/plan/render.js';
import { MINIMAL_TEMPLATE_JSON, tar, tgz, type TarEntry } from './helpers/tar.js';
import { makeTmp } from './helpers/tmp.js';
import { gzipSync } from 'node:zlib';

const tmp = makeTmp('cpb-hostile-');
const archives = new Map<string, Buffer>();
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const body = archives.get(req.url ?? '');
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  tmp.cleanup();
});

const kit = (extra: TarEntry[]): TarEntry[] => [{ name: 'kit/template.json', content: MINIMAL_TEMPLATE_JSON }, ...extra];

async function generateFrom(name: string, archive: Buffer) {
  archives.set(`/${name}.tar.gz`, archive);
  const cwd = path.join(tmp.dir, name);
  fs.mkdirSync(cwd, { recursive: true });
  const reports: string[] = [];
  const env = { ...process.env, XDG_CACHE_HOME: path.join(tmp.dir, 'cache'), CPB_CONFIG: '' };
  try {
    await run([`app`, '--template', `${base}/${name}.tar.gz`, '--no-install', '--no-git', '--yes'], {
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
  ['git-dir', kit([{ name: 'kit/.git/hooks/post-checkout', content: '#!/bin/sh\n' }]), /writes into \.git/],
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
    archives.set('/pinned.tar.gz', good);
    const cwd = path.join(tmp.dir, 'pinned');
    fs.mkdirSync(cwd);
    const err = await run(['app', '--template', `${base}/pinned.tar.gz#sha256=${'0'.repeat(64)}`, '--no-install', '--no-git', '--yes'], {
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
