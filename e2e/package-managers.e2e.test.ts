/**
 * `--pm pnpm|yarn|bun` for real: the pinned releases (generators/plan/package-manager.ts) are installed
 * from the npm registry into a temporary prefix put on PATH; the express starter is generated and
 * installed by the built CLI with each, then linted, type-checked, tested and built with that manager;
 * its Dockerfile and workflow name only that manager's lockfile and commands and pass the offline
 * linters, and the frozen install they run accepts the lockfile the CLI wrote. The hybrid's gateway
 * files are rendered and linted with each manager (no install). A manager missing from PATH exits 2
 * before anything is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINNED_VERSIONS, pmCommands } from '../generators/plan/package-manager.js';
import { buildCli, runCli } from '../test/helpers/cli.js';
import { makeTmp } from '../test/helpers/tmp.js';
import { lintDockerfile, lintWorkflows } from './helpers/lint-ci-files.js';
import { run } from './helpers/process.js';

const tmp = makeTmp('cpb-e2e-pm-');
const prefix = path.join(tmp.dir, 'managers');
const bin = path.join(prefix, 'node_modules', '.bin');
// Offline here: `prisma generate` must not try to download the schema engine (see env-recipes).
const baseEnv = {
  PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false',
  FORCE_COLOR: '0',
  PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`,
  // This machine runs Node 20; Prisma 7.10's CLI depends on @prisma/streams-local, which declares Node >= 22.
  // npm, pnpm and bun only warn (EBADENGINE); Yarn 1 refuses to install. The images and CI use Node 24.
  YARN_IGNORE_ENGINES: Number(process.versions.node.split('.')[0]) < 22 ? 'true' : '',
};
const MANAGERS = ['pnpm', 'yarn', 'bun'] as const;
/** npm's lockfile and commands; a project on another manager must not name them (npm -g installs the manager). */
const NPM_ONLY = /package-lock\.json|\bnpm ci\b|\bnpx\b|\bnpm run\b|\bnpm test\b|\bnpm audit\b|cache: npm/;

let installed: { exitCode: number | undefined; all: string } | undefined;

beforeAll(async () => {
  await buildCli();
  fs.mkdirSync(prefix, { recursive: true });
  // bun's registry package carries its binary in a platform package (@oven/bun-linux-x64): no download host.
  installed = await run('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', ...MANAGERS.map((pm) => `${pm}@${PINNED_VERSIONS[pm]}`)], {
    cwd: tmp.dir,
    timeout: 600_000,
  });
}, 660_000);
afterAll(() => tmp.cleanup());

it('installs the pinned pnpm, yarn and bun from the npm registry', async () => {
  expect(installed?.exitCode, installed?.all).toBe(0);
  for (const pm of MANAGERS) {
    const r = await run(pm, ['--version'], { cwd: tmp.dir, env: baseEnv, timeout: 60_000 });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all.trim()).toBe(PINNED_VERSIONS[pm]);
  }
});

for (const pm of MANAGERS) {
  describe.sequential(`express with --pm ${pm}`, () => {
    const project = path.join(tmp.dir, `api-${pm}`);
    const c = pmCommands(pm);

    it('generates and installs through the CLI (install + prisma generate post-steps)', async () => {
      const r = await runCli([`api-${pm}`, '--template', 'express', '--pm', pm, '--no-git', '--json'], { cwd: tmp.dir, env: baseEnv, timeout: 900_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { postSteps: { id: string; status: string }[] };
      expect(result.postSteps.map((s) => `${s.id}: ${s.status}`)).toEqual(['install: done', 'prisma-generate: done', 'git: skipped']);
      expect(fs.existsSync(path.join(project, c.pmLockfile)), c.pmLockfile).toBe(true);
      expect(fs.existsSync(path.join(project, 'package-lock.json'))).toBe(false);
      expect(fs.existsSync(path.join(project, 'src', 'generated', 'prisma'))).toBe(true);
      const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as { packageManager?: string };
      expect(pkg.packageManager).toBe(`${pm}@${PINNED_VERSIONS[pm]}`);
    }, 960_000);

    it.each(['lint', 'typecheck', 'test', 'build'])(`${pm} run %s passes`, async (script) => {
      const r = await run(pm, ['run', script], { cwd: project, env: baseEnv, timeout: 600_000 });
      expect(r.exitCode, r.all).toBe(0);
      expect(r.leftovers, 'processes left running').toEqual([]);
    }, 660_000);

    it(`the frozen install the Dockerfile and CI run accepts the lockfile (${c.pmInstallFrozen})`, async () => {
      const [command, ...args] = c.pmInstallFrozen.split(' ');
      const r = await run(command!, args, { cwd: project, env: baseEnv, timeout: 600_000 });
      expect(r.exitCode, r.all).toBe(0);
      expect(r.leftovers, 'processes left running').toEqual([]);
    }, 660_000);

    it('Dockerfile and workflow name only this manager, and pass the offline linters', async () => {
      const dockerfile = fs.readFileSync(path.join(project, 'Dockerfile'), 'utf8');
      const workflow = fs.readFileSync(path.join(project, '.github', 'workflows', 'ci.yml'), 'utf8');
      for (const text of [dockerfile, workflow]) {
        expect(text.match(NPM_ONLY)?.[0]).toBeUndefined();
        expect(text).toContain(c.pmInstallFrozen);
        expect(text).toContain(c.pmSetup);
      }
      expect(dockerfile).toContain(`COPY package.json ${c.pmLockfile} ./`);
      expect(lintDockerfile(path.join(project, 'Dockerfile'))).toEqual([]);
      expect(await lintWorkflows(project)).toEqual([]);
    }, 120_000);
  });
}

describe('the hybrid with each manager (no install)', () => {
  it.each(MANAGERS)('--pm %s: the gateway Dockerfile and the workflow name only that manager and pass the offline linters', async (pm) => {
    const r = await runCli([`hybrid-${pm}`, '--template', 'hybrid', '--pm', pm, '--no-install', '--no-git'], { cwd: tmp.dir, env: baseEnv, timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const project = path.join(tmp.dir, `hybrid-${pm}`);
    const c = pmCommands(pm);
    const dockerfile = fs.readFileSync(path.join(project, 'gateway', 'Dockerfile'), 'utf8');
    const workflow = fs.readFileSync(path.join(project, '.github', 'workflows', 'ci.yml'), 'utf8');
    for (const text of [dockerfile, workflow]) {
      expect(text.match(NPM_ONLY)?.[0]).toBeUndefined();
      expect(text).toContain(c.pmInstallFrozen);
    }
    expect(lintDockerfile(path.join(project, 'gateway', 'Dockerfile'))).toEqual([]);
    expect(await lintWorkflows(project)).toEqual([]);
    // The next steps say how to start it with this manager.
    expect(r.stdout + r.stderr).toContain(pm === 'bun' ? 'bun run dev' : `${pm} dev`);
  }, 180_000);
});

describe('a package manager missing from PATH', () => {
  it.each(MANAGERS)('--pm %s exits 2 before anything is written, saying how to get it', async (pm) => {
    // A PATH holding only node: no package manager at all.
    const onlyNode = fs.mkdtempSync(path.join(tmp.dir, 'only-node-'));
    fs.symlinkSync(process.execPath, path.join(onlyNode, 'node'));
    const r = await runCli([`missing-${pm}`, '--template', 'express', '--pm', pm, '--no-git'], { cwd: tmp.dir, env: { PATH: onlyNode }, timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${pm} is not on PATH`);
    expect(r.stderr).toContain(`npm install -g ${pm}@${PINNED_VERSIONS[pm]}`);
    expect(fs.existsSync(path.join(tmp.dir, `missing-${pm}`))).toBe(false);
    expect(fs.readdirSync(tmp.dir).filter((f) => f.includes(`missing-${pm}`))).toEqual([]);
  });
});
