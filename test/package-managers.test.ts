/**
 * --pm is carried through every generated Node file (one command map, generators/plan/package-manager.ts),
 * and a package manager missing from PATH is refused before anything is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_MANAGERS, type Answers, type PackageManager } from '../generators/answers/schema.js';
import { CliError } from '../generators/errors.js';
import { assertPackageManagerOnPath, findOnPath, packageManagerToRun } from '../generators/plan/check-package-manager.js';
import { packageManagerField, PINNED_VERSIONS, pmCommands } from '../generators/plan/package-manager.js';
import { buildPlan, type PlanContext } from '../generators/plan/plan.js';
import { loadTemplate } from '../generators/templates/load.js';
import { runCli } from './helpers/cli.js';
import { makeTmp } from './helpers/tmp.js';

const ctx: PlanContext = { cwd: '/work', generatorName: 'create-polyglot-backend', generatorVersion: '9.9.9', nodeVersion: '24', templateSource: 'builtin' };
const answersFor = (template: string, pm: PackageManager, install = true): Answers =>
  ({ directory: 'out', name: 'my-api', template, packageManager: pm, install, git: false }) as Answers;
const OTHERS = PACKAGE_MANAGERS.filter((pm) => pm !== 'npm');

/** What only npm's output may say: its lockfile and its commands. */
const NPM_ONLY = /package-lock\.json|\bnpm ci\b|\bnpx\b|\bnpm run\b|\bnpm test\b|\bnpm audit\b|cache: npm/;

async function rendered(template: string, pm: PackageManager): Promise<Map<string, string>> {
  const plan = buildPlan(answersFor(template, pm), await loadTemplate(template), ctx);
  return new Map(plan.files.map((f) => [f.path, f.content.toString('utf8')]));
}

describe('pmCommands', () => {
  it('keeps npm what the starters always said', () => {
    expect(pmCommands('npm')).toMatchObject({
      pmLockfile: 'package-lock.json',
      pmInstallFrozen: 'npm ci',
      pmInstallProd: 'npm ci --omit=dev --omit=optional --ignore-scripts',
      pmExec: 'npx',
      pmTest: 'npm test',
      pmSetup: '',
      pmCiCache: 'npm',
    });
  });

  it.each(OTHERS)('%s: its own lockfile, frozen install and commands, npm only to install it', (pm) => {
    const c = pmCommands(pm);
    expect(c.pmLockfile).toBe({ pnpm: 'pnpm-lock.yaml', yarn: 'yarn.lock', bun: 'bun.lock' }[pm]);
    expect(c.pmInstallFrozen).toBe(`${pm} install --frozen-lockfile`);
    expect(c.pmInstallProd).toMatch(new RegExp(`^${pm} install --frozen-lockfile .*--ignore-scripts`));
    expect(c.pmSetup).toMatch(new RegExp(`^npm install -g (--force )?${pm}@${PINNED_VERSIONS[pm].replace(/\./g, '\\.')}$`));
    for (const [key, value] of Object.entries(c)) if (key !== 'pmSetup') expect(value, key).not.toMatch(/\bnpm\b|\bnpx\b/);
    // `bun test` is bun's own test runner, not the project's test script.
    if (pm === 'bun') expect(c.pmTest).toBe('bun run test');
  });

  it('pins exact releases and writes them as packageManager (none for npm)', () => {
    expect(packageManagerField('npm')).toBeUndefined();
    for (const pm of OTHERS) {
      expect(PINNED_VERSIONS[pm]).toMatch(/^\d+\.\d+\.\d+$/);
      expect(packageManagerField(pm)).toBe(`${pm}@${PINNED_VERSIONS[pm]}`);
    }
  });
});

describe('generated files follow --pm', () => {
  it('npm: no package manager stage in the Dockerfile, no packageManager field', async () => {
    const files = await rendered('express', 'npm');
    expect(files.get('Dockerfile')).not.toMatch(/AS pm\b/);
    expect(files.get('Dockerfile')).toContain('COPY package.json package-lock.json ./\nRUN npm ci\n');
    expect(JSON.parse(files.get('package.json')!).packageManager).toBeUndefined();
  });

  it('the next steps name the manager: the hybrid starts with "pnpm dev", "npm run dev" …', async () => {
    const hybrid = await loadTemplate('hybrid');
    expect(buildPlan(answersFor('hybrid', 'pnpm'), hybrid, ctx).devCommand).toBe('pnpm dev');
    expect(buildPlan(answersFor('hybrid', 'bun'), hybrid, ctx).devCommand).toBe('bun run dev');
    expect(buildPlan(answersFor('hybrid', 'npm'), hybrid, ctx).devCommand).toBe('npm run dev');
  });

  for (const template of ['express', 'hybrid']) {
    it.each(OTHERS)(`${template} with %s: Dockerfile, workflow, README and package.json name only that manager`, async (pm) => {
      const files = await rendered(template, pm);
      const c = pmCommands(pm);
      const prefix = template === 'hybrid' ? 'gateway/' : '';
      const dockerfile = files.get(`${prefix}Dockerfile`)!;
      const workflow = files.get('.github/workflows/ci.yml')!;
      for (const [name, full] of [['Dockerfile', dockerfile], ['ci.yml', workflow], ['README.md', files.get('README.md')!], [`${prefix}README.md`, files.get(`${prefix}README.md`)!]] as const) {
        // A one-off download of a log viewer, not the project's install: npx comes with Node.
        const text = full.replace('`npx pino-pretty`', '');
        expect(text.match(NPM_ONLY)?.[0], `${name} mentions npm's ${text.match(NPM_ONLY)?.[0]}`).toBeUndefined();
      }
      expect(dockerfile).toContain(`FROM base AS pm\nRUN ${c.pmSetup}\n`);
      expect(dockerfile).toContain(`COPY package.json ${c.pmLockfile} ./\nRUN ${c.pmInstallFrozen}\n`);
      expect(dockerfile).toContain(`RUN ${c.pmInstallProd} && ${c.pmCacheClean}\n`);
      // The runtime stage starts from plain Node: the package manager stays in the build stages.
      expect(dockerfile).toMatch(/FROM base AS runtime\n/);
      expect(workflow).toContain(`- run: ${c.pmInstallFrozen}`);
      expect(workflow).toContain(`- run: ${c.pmSetup}`);
      expect(workflow).toContain(`- run: ${c.pmAudit}`);
      for (const [p, text] of files) {
        if (!p.endsWith('package.json')) continue;
        expect(JSON.parse(text).packageManager, p).toBe(`${pm}@${PINNED_VERSIONS[pm]}`);
      }
    });
  }
});

describe('the pre-write check', () => {
  const tmp = makeTmp();
  const fakeBin = (names: string[], mode = 0o755): string => {
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'bin-'));
    for (const n of names) fs.writeFileSync(path.join(dir, n), '#!/bin/sh\nexit 0\n', { mode });
    return dir;
  };

  it('finds an executable on PATH, not a plain file, not an empty PATH', () => {
    const dir = fakeBin(['pnpm']);
    expect(findOnPath('pnpm', { PATH: `/nonexistent:${dir}` }, 'linux')).toBe(path.join(dir, 'pnpm'));
    expect(findOnPath('pnpm', { PATH: fakeBin(['pnpm'], 0o644) }, 'linux')).toBeUndefined();
    expect(findOnPath('pnpm', { PATH: '' }, 'linux')).toBeUndefined();
    expect(findOnPath('pnpm', {}, 'linux')).toBeUndefined();
  });

  it('uses PATHEXT on Windows', () => {
    const dir = fakeBin(['yarn.CMD']);
    expect(findOnPath('yarn', { Path: dir, PATHEXT: '.EXE;.CMD' }, 'win32')).toBe(path.join(dir, 'yarn.CMD'));
  });

  it('asks for the manager only when it will run: not for npm, not with --no-install, not for fastapi', async () => {
    const express = await loadTemplate('express');
    expect(packageManagerToRun(buildPlan(answersFor('express', 'pnpm'), express, ctx))).toBe('pnpm');
    expect(packageManagerToRun(buildPlan(answersFor('express', 'npm'), express, ctx))).toBeUndefined();
    expect(packageManagerToRun(buildPlan(answersFor('express', 'yarn', false), express, ctx))).toBeUndefined();
    expect(packageManagerToRun(buildPlan(answersFor('fastapi', 'bun'), await loadTemplate('fastapi'), { ...ctx }))).toBeUndefined();
  });

  it.each(OTHERS)('%s missing: CliError in phase plan, exit 2, says how to get it', async (pm) => {
    const plan = buildPlan(answersFor('express', pm), await loadTemplate('express'), ctx);
    let err: unknown;
    try {
      assertPackageManagerOnPath(plan, { PATH: fakeBin([]) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ phase: 'plan', exitCode: 2 });
    expect((err as CliError).message).toContain(`${pm} is not on PATH`);
    expect((err as CliError).hint).toContain(`npm install -g ${pm}@${PINNED_VERSIONS[pm]}`);
    if (pm !== 'bun') expect((err as CliError).hint).toContain('corepack enable');
    expect(() => assertPackageManagerOnPath(plan, { PATH: fakeBin([pm]) })).not.toThrow();
  });

  it('the CLI exits 2 before writing anything; --no-install needs no manager', async () => {
    const bin = fakeBin([]);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = await runCli(['svc', '-t', 'express', '--no-git', '--pm', 'yarn'], { cwd: tmp.dir, env: { PATH: bin } });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('yarn is not on PATH');
    expect(r.stderr).toContain('npm install -g yarn@');
    expect(fs.existsSync(path.join(tmp.dir, 'svc'))).toBe(false);
    expect(fs.readdirSync(tmp.dir).filter((f) => f.includes('staging'))).toEqual([]);

    const ok = await runCli(['svc', '-t', 'express', '--no-git', '--no-install', '--pm', 'yarn'], { cwd: tmp.dir, env: { PATH: bin } });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout + ok.stderr).toContain('yarn install');
  });
});
