/**
 * `dot_foo` and `.foo` (or `a.txt.ejs` and `a.txt`) are one file once rendered. Every template source
 * refuses such a pair the same way, before anything is cached or written: a local kit, a tarball served
 * from 127.0.0.1, and a git repository fetched over file://.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../generators/main.js';
import { untarGz } from '../generators/sources/untar.js';
import { startArchiveServer, type ArchiveServer } from './helpers/archive-server.js';
import { MINIMAL_TEMPLATE_JSON, tgz } from './helpers/tar.js';
import { makeTmp, writeFixture } from './helpers/tmp.js';

const tmp = makeTmp('cpb-rendered-');
let server: ArchiveServer;
beforeAll(async () => {
  server = await startArchiveServer();
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

const pairs: [string, Record<string, string>][] = [
  ['dot_foo and .foo', { dot_foo: 'a', '.foo': 'b' }],
  ['dot_env.ejs and .env', { 'dot_env.ejs': 'a', '.env': 'b' }],
  ['a nested dot_ directory and its dotted twin', { 'dot_config/x': 'a', '.config/x': 'b' }],
];

async function generate(name: string, template: string) {
  const cwd = path.join(tmp.dir, name);
  fs.mkdirSync(cwd, { recursive: true });
  const env = { ...process.env, XDG_CACHE_HOME: path.join(tmp.dir, `cache-${name}`), CPB_CONFIG: '' };
  try {
    await run(['app', '--template', template, '--no-install', '--no-git', '--yes'], {
      launch: { interactive: false, launchedBy: 'npm', cwd },
      prompter: undefined,
      env,
      reporterFor: () => ({ intro() {}, info() {}, warn() {}, outro() {}, progress: () => ({ done() {}, fail() {} }) }),
    });
    return { exitCode: 0, message: '', written: fs.readdirSync(cwd) };
  } catch (err) {
    return { exitCode: (err as { exitCode?: number }).exitCode ?? 1, message: (err as Error).message, written: fs.readdirSync(cwd) };
  }
}

describe.each(pairs)('%s', (label, files) => {
  const slug = label.replace(/\W+/g, '-');

  it('untarGz refuses the archive', () => {
    const entries = Object.entries(files).map(([name, content]) => ({ name: `kit/${name}`, content }));
    expect(() => untarGz(tgz([{ name: 'kit/template.json', content: MINIMAL_TEMPLATE_JSON }, ...entries]))).toThrow(/appears twice/);
  });

  it('a tarball template is refused with exit 2, nothing written', async () => {
    const entries = Object.entries(files).map(([name, content]) => ({ name: `kit/${name}`, content }));
    server.archives.set(`/${slug}.tar.gz`, tgz([{ name: 'kit/template.json', content: MINIMAL_TEMPLATE_JSON }, ...entries]));
    const r = await generate(`tar-${slug}`, `${server.base}/${slug}.tar.gz`);
    expect(r.message).toMatch(/appears twice/);
    expect(r.exitCode).toBe(2);
    expect(r.written).toEqual([]);
  });

  it('a local kit is refused the same way', async () => {
    const dir = path.join(tmp.dir, `local-kit-${slug}`);
    writeFixture(dir, { 'template.json': MINIMAL_TEMPLATE_JSON, ...files });
    const r = await generate(`local-${slug}`, dir);
    expect(r.message).toMatch(/appears twice/);
    expect(r.exitCode).toBe(2);
    expect(r.written).toEqual([]);
  });

  it('a git template is refused the same way', async () => {
    const repo = path.join(tmp.dir, `repo-${slug}`);
    writeFixture(repo, { 'template.json': MINIMAL_TEMPLATE_JSON, ...files });
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', ...args], { cwd: repo, timeout: 60_000 });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'kit');
    const r = await generate(`git-${slug}`, `file://${repo}#main`);
    expect(r.message).toMatch(/appears twice/);
    expect(r.exitCode).toBe(2);
    expect(r.written).toEqual([]);
  }, 60_000);
});
