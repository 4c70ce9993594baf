import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baselineSchema, manifestSchema, sha256 } from '../generators/plan/manifest.js';
import { buildCli, REPO_ROOT, runCli } from './helpers/cli.js';
import { listTree, makeTmp } from './helpers/tmp.js';

beforeAll(buildCli, 60_000);
let tmp: ReturnType<typeof makeTmp>;
beforeEach(() => {
  tmp = makeTmp();
});
afterEach(() => tmp.cleanup());

const pkgVersion = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the built CLI without a terminal', () => {
  it('--version and --help exit 0', async () => {
    expect((await runCli(['--version'], { cwd: tmp.dir })).stdout.trim()).toBe(pkgVersion);
    const help = await runCli(['--help'], { cwd: tmp.dir });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--template <express|fastapi|hybrid>');
    expect(help.stdout).toContain('Examples:');
  });

  it('never waits for input: missing answers exit 2 naming the flags, nothing written', async () => {
    const r = await runCli([], { cwd: tmp.dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('[directory]');
    expect(r.stderr).toContain('--template');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(listTree(tmp.dir)).toEqual([]);
  });

  it('treats CI=true as non-interactive even when flags are missing', async () => {
    const r = await runCli(['x'], { cwd: tmp.dir, env: { CI: 'true' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--template');
  });

  it.each([
    [['CON', '-t', 'express'], /reserved device name/],
    [['ok', '-t', 'express', '--name', '../evil'], /"\.\."/],
    [['ok', '-t', 'express', '--pm', 'npx'], /npm, pnpm, yarn, bun/],
    [['ok', '-t', 'rails'], /express, fastapi, hybrid/],
    [['ok', '--templat', 'express'], /Unknown option --templat/],
  ])('bad input %j exits 2 with a clear message and writes nothing', async (args, message) => {
    const r = await runCli(args, { cwd: tmp.dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(listTree(tmp.dir)).toEqual([]);
  });

  it.each(['fastapi', 'hybrid'])('a %s project named like a locked Python dependency is refused with exit 2', async (t) => {
    const r = await runCli(['sqlalchemy', '--template', t, '--no-install', '--no-git'], { cwd: tmp.dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/one of the starter's Python dependencies/);
    expect(listTree(tmp.dir)).toEqual([]);
  });

  it('a name only a feature locks ("redis") is free without it and refused with it', async () => {
    const withCache = await runCli(['redis', '--template', 'fastapi', '--cache', 'redis', '--no-install', '--no-git'], { cwd: tmp.dir });
    expect(withCache.exitCode).toBe(2);
    expect(withCache.stderr).toMatch(/"redis" is the name of one of the starter's Python dependencies/);
    expect(listTree(tmp.dir)).toEqual([]);
    const without = await runCli(['redis', '--template', 'fastapi', '--no-install', '--no-git'], { cwd: tmp.dir });
    expect(without.exitCode, without.stderr).toBe(0);
    const lock = fs.readFileSync(path.join(tmp.dir, 'redis', 'uv.lock'), 'utf8');
    expect([...lock.matchAll(/^name = "redis"$/gm)]).toHaveLength(1);
  });

  it('hybrid --dry-run plans one install per part, prisma generate in the gateway, then git', async () => {
    const r = await runCli(['svc', '-t', 'hybrid', '--dry-run', '--json'], { cwd: tmp.dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { files: { path: string }[]; postSteps: { id: string }[] };
    expect(out.postSteps.map((s) => s.id)).toEqual(['install-gateway', 'install-service', 'prisma-generate', 'git']);
    const paths = out.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['gateway/package.json', 'service/pyproject.toml', '.github/workflows/ci.yml']));
    expect(paths.filter((p) => p.startsWith('gateway/.github') || p.startsWith('service/.github'))).toEqual([]);
    expect(listTree(tmp.dir)).toEqual([]);
  });

  it('--dry-run --json prints the plan and writes nothing', async () => {
    const r = await runCli(['svc', '-t', 'express', '--dry-run', '--json'], { cwd: tmp.dir });
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; dryRun: boolean; files: { path: string }[]; postSteps: { id: string; status: string }[] };
    expect(out).toMatchObject({ ok: true, dryRun: true });
    expect(out.files.map((f) => f.path)).toContain('package.json');
    expect(out.files.map((f) => f.path)).toContain('.polyglot/manifest.json');
    expect(out.postSteps.map((s) => s.id)).toEqual(['install', 'prisma-generate', 'git']);
    expect(listTree(tmp.dir)).toEqual([]);
  });

  it('refuses a non-empty directory with exit 3, listing entries, touching nothing', async () => {
    fs.mkdirSync(path.join(tmp.dir, 'svc'));
    fs.writeFileSync(path.join(tmp.dir, 'svc', 'important.txt'), 'do not lose');
    const r = await runCli(['svc', '-t', 'express', '--no-install', '--no-git'], { cwd: tmp.dir });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('important.txt');
    expect(listTree(tmp.dir)).toEqual(['svc', 'svc/important.txt']);
  });

  it('--json errors are JSON on stdout with phase and exit code', async () => {
    const r = await runCli(['CON', '-t', 'express', '--json'], { cwd: tmp.dir });
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { phase: 'answers', exitCode: 2 } });
  });
});

describe('a generated project (no install)', () => {
  it('has the renamed files, package name and a manifest whose baseline matches the files', async () => {
    const r = await runCli(['my-svc', '-t', 'express', '--pm', 'pnpm', '--no-install', '--no-git'], { cwd: tmp.dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const root = path.join(tmp.dir, 'my-svc');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-svc');
    expect(fs.existsSync(path.join(root, '.gitignore'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'template.json'))).toBe(false);

    const manifest = manifestSchema.parse(JSON.parse(fs.readFileSync(path.join(root, '.polyglot/manifest.json'), 'utf8')));
    expect(manifest.generator.version).toBe(pkgVersion);
    expect(manifest.template.id).toBe('express');
    expect(manifest.answers).toEqual({ name: 'my-svc', template: 'express', packageManager: 'pnpm', cache: 'none', observability: 'none' });
    const baselineBytes = fs.readFileSync(path.join(root, manifest.baseline.path));
    expect(sha256(baselineBytes)).toBe(manifest.baseline.sha256);
    const baseline = baselineSchema.parse(JSON.parse(gunzipSync(baselineBytes).toString('utf8')));

    const onDisk = listTree(root).filter((p) => fs.statSync(path.join(root, p)).isFile() && !p.startsWith('.polyglot/'));
    expect(Object.keys(manifest.files).sort()).toEqual(onDisk);
    for (const p of onDisk) {
      const bytes = fs.readFileSync(path.join(root, p));
      expect(manifest.files[p], p).toBe(sha256(bytes));
      expect(Buffer.from(baseline.files[p]!.base64, 'base64').equals(bytes), p).toBe(true);
    }
  });

  it('is byte-for-byte reproducible', async () => {
    await runCli(['a', '-t', 'express', '--no-install', '--no-git'], { cwd: tmp.dir });
    await runCli(['b', '-t', 'express', '--no-install', '--no-git', '--name', 'a'], { cwd: tmp.dir });
    for (const p of listTree(path.join(tmp.dir, 'a')).filter((f) => fs.statSync(path.join(tmp.dir, 'a', f)).isFile())) {
      expect(fs.readFileSync(path.join(tmp.dir, 'b', p)).equals(fs.readFileSync(path.join(tmp.dir, 'a', p))), p).toBe(true);
    }
  });

  it('a failing post-step keeps the project, says how to rerun, exits 5', async () => {
    // A pnpm that starts and fails (a missing one is refused before anything is written: exit 2).
    const bin = path.join(tmp.dir, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.writeFileSync(path.join(bin, 'pnpm'), '#!/bin/sh\necho "registry unreachable" >&2\nexit 1\n', { mode: 0o755 });
    const r = await runCli(['svc', '-t', 'express', '--no-git', '--pm', 'pnpm'], { cwd: tmp.dir, env: { PATH: bin } });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/Step "install" failed: .*exit code 1/);
    expect(r.stderr).toContain('pnpm install && pnpm db:generate');
    expect(fs.existsSync(path.join(tmp.dir, 'svc', 'package.json'))).toBe(true);
  });

  it('git step makes a first commit even without a git identity', async () => {
    const home = path.join(tmp.dir, 'home');
    fs.mkdirSync(home);
    const r = await runCli(['svc', '-t', 'express', '--no-install'], {
      cwd: tmp.dir,
      env: { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1' },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const { execa } = await import('execa');
    const log = await execa('git', ['log', '--format=%an|%s'], { cwd: path.join(tmp.dir, 'svc') });
    expect(log.stdout).toBe('create-polyglot-backend|Initial commit from create-polyglot-backend');
    const status = await execa('git', ['status', '--porcelain'], { cwd: path.join(tmp.dir, 'svc') });
    expect(status.stdout).toBe('');
  });
});
