/**
 * Where the writer stages, on real mounts: an empty target that is a mount point (a rename from its parent
 * would fail with EXDEV), a full disk at every point, a target whose parent is read-only (EROFS) or not
 * writable by the user (EACCES), and a run killed with SIGKILL whose staging the next run removes, while
 * staging that this tool did not make, or that a live run owns, is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Answers } from '../generators/answers/schema.js';
import { ExitCode, type CliError } from '../generators/errors.js';
import { GENERATOR_NAME } from '../generators/package-root.js';
import type { Plan } from '../generators/plan/plan.js';
import { writeProject } from '../generators/write/writer.js';
import { canMount, fillLeaving, mountTmpfs, remountReadOnly, unmountAll } from './helpers/mount.js';
import { listTree, makeTmp } from './helpers/tmp.js';

const mountable = canMount();
// The child starts node + tsx: seconds on a busy machine; bounded, within the test's own timeout.
const SPAWN_BUDGET = 100_000;

let tmp: ReturnType<typeof makeTmp>;
beforeEach(() => {
  tmp = makeTmp('cpb-staging-');
});
afterEach(() => {
  unmountAll();
  tmp.cleanup();
});

function planFor(targetDir: string): Plan {
  return {
    targetDir,
    devCommand: 'npm run dev',
    setupCommands: [],
    answers: { name: 'x' } as Answers,
    template: { id: 't', version: '1.0.0', source: 'test' },
    files: [
      { path: 'package.json', content: Buffer.from('{}\n'), executable: false },
      { path: 'src/app.js', content: Buffer.from('app\n'), executable: false },
      { path: 'bin/run', content: Buffer.from('#!/bin/sh\n'), executable: true },
    ],
    postSteps: [],
    features: {},
  };
}

const expectProject = (target: string) => expect(listTree(target).filter((p) => p !== 'lost+found')).toEqual(['bin', 'bin/run', 'package.json', 'src', 'src/app.js']);
const stagingIn = (dir: string) => fs.readdirSync(dir).filter((e) => e.includes('staging'));

describe.skipIf(!mountable)('staging on real mounts', () => {
  it('an empty directory that is a mount point (EXDEV from its parent) is generated into', async () => {
    const target = path.join(tmp.dir, 'mnt');
    mountTmpfs(target, '4m');
    await writeProject(planFor(target));
    expectProject(target);
    expect(stagingIn(tmp.dir)).toEqual([]);
  });

  it('a full disk at any point leaves nothing behind (new target, and an existing empty one)', async () => {
    const disk = path.join(tmp.dir, 'disk');
    mountTmpfs(disk, '1m');
    const filler = path.join(disk, 'filler');
    const plan = { ...planFor(''), files: Array.from({ length: 12 }, (_, i) => ({ path: `d${i % 3}/f${i}.txt`, content: Buffer.alloc(3000, 97), executable: false })) };
    for (const existing of [false, true]) {
      const target = path.join(disk, existing ? 'existing' : 'fresh');
      if (existing) fs.mkdirSync(target);
      const before = listTree(disk);
      let failures = 0;
      for (let pages = 0; pages < 100; pages++) {
        fillLeaving(disk, filler, pages);
        const err = await writeProject({ ...plan, targetDir: target }).catch((e: unknown) => e as CliError);
        fs.rmSync(filler, { force: true });
        if (err === undefined) break;
        failures++;
        expect(err.exitCode, `${pages} pages free`).toBe(ExitCode.writeFailed);
        expect(listTree(disk), `${pages} pages free`).toEqual(before);
      }
      expect(failures).toBeGreaterThan(3);
      expect(listTree(target).filter((p) => p.endsWith('.txt'))).toHaveLength(12);
      expect(stagingIn(disk).concat(stagingIn(target))).toEqual([]);
    }
  });

  it('an empty directory whose parent is read-only (EROFS) is generated into', async () => {
    const parent = path.join(tmp.dir, 'ro');
    mountTmpfs(parent, '1m');
    const target = path.join(parent, 'proj');
    fs.mkdirSync(target);
    mountTmpfs(target, '4m');
    remountReadOnly(parent);
    expect(() => fs.mkdirSync(path.join(parent, 'probe'))).toThrow(/EROFS/);
    await writeProject(planFor(target));
    expectProject(target);
  });
});

const script = path.join(import.meta.dirname, 'helpers', 'interrupted-write.ts');

describe.skipIf(process.getuid?.() !== 0)('a parent the user may not write to (EACCES)', () => {
  it('an empty directory of theirs inside it is generated into (run as uid 65534)', async () => {
    fs.chmodSync(tmp.dir, 0o755);
    const parent = path.join(tmp.dir, 'shared');
    const target = path.join(parent, 'proj');
    fs.mkdirSync(target, { recursive: true });
    fs.chownSync(target, 65534, 65534);
    fs.chmodSync(parent, 0o555); // root's, read-only to everyone else
    const r = await execa('node', ['--import', 'tsx', script, target, 'none'], {
      reject: false,
      timeout: SPAWN_BUDGET,
      uid: 65534,
      gid: 65534,
      env: { ...process.env, HOME: tmp.dir },
    });
    expect(r.stderr).toContain('write completed');
    expect(r.exitCode).toBe(0);
    expect(fs.readdirSync(target).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `f${i}.txt`).sort());
    expect(fs.readdirSync(parent)).toEqual(['proj']);
  });
});

describe('a run killed with SIGKILL during the write', () => {
  const killedWrite = async (target: string) => {
    const r = await execa('node', ['--import', 'tsx', script, target, 'SIGKILL'], { reject: false, timeout: SPAWN_BUDGET });
    expect(r.signal).toBe('SIGKILL');
  };

  it('new target: the staging left beside it is removed by the next run, which succeeds', async () => {
    const target = path.join(tmp.dir, 'proj');
    await killedWrite(target);
    expect(stagingIn(tmp.dir)).toHaveLength(1);
    expect(fs.existsSync(target)).toBe(false);
    await writeProject(planFor(target));
    expectProject(target);
    expect(stagingIn(tmp.dir)).toEqual([]);
  });

  it('existing empty target: the staging left inside it does not make it "not empty"; the next run removes it', async () => {
    const target = path.join(tmp.dir, 'proj');
    fs.mkdirSync(path.join(target, '.git'), { recursive: true });
    await killedWrite(target);
    expect(stagingIn(target)).toHaveLength(1);
    await writeProject(planFor(target));
    expect(listTree(target).filter((p) => !p.startsWith('.git'))).toEqual(['bin', 'bin/run', 'package.json', 'src', 'src/app.js']);
    expect(stagingIn(target)).toEqual([]);
  });

  it('never removes staging-like directories it cannot prove are a dead run of its own', async () => {
    const target = path.join(tmp.dir, 'proj');
    const mark = (name: string, owner?: object) => {
      fs.mkdirSync(path.join(tmp.dir, name, 'tree'), { recursive: true });
      if (owner) fs.writeFileSync(path.join(tmp.dir, name, 'owner.json'), JSON.stringify(owner));
    };
    const host = (await import('node:os')).hostname();
    mark('.proj.staging-nomarker');
    mark('.proj.staging-othertool', { tool: 'something-else', pid: 999_999_999, host });
    mark('.proj.staging-live', { tool: GENERATOR_NAME, pid: 1, host }); // pid 1 is always alive
    mark('.proj.staging-otherhost', { tool: GENERATOR_NAME, pid: 999_999_999, host: `${host}-elsewhere` });
    mark('.proj.staging-dead', { tool: GENERATOR_NAME, pid: 999_999_999, host });
    await writeProject(planFor(target));
    expect(stagingIn(tmp.dir).sort()).toEqual(['.proj.staging-live', '.proj.staging-nomarker', '.proj.staging-otherhost', '.proj.staging-othertool']);
  });
});
