import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Answers } from '../generators/answers/schema.js';
import { CliError } from '../generators/errors.js';
import type { Plan } from '../generators/plan/plan.js';
import { realIo, writeProject, type WriteIo } from '../generators/write/writer.js';
import { listTree, makeTmp } from './helpers/tmp.js';

let tmp: ReturnType<typeof makeTmp>;
beforeEach(() => {
  tmp = makeTmp();
});
afterEach(() => tmp.cleanup());

function planFor(targetDir: string, count = 20): Plan {
  return {
    targetDir,
    devCommand: 'npm run dev', setupCommands: [],
    answers: { name: 'x' } as Answers,
    template: { id: 't', version: '1.0.0', source: 'test' },
    files: Array.from({ length: count }, (_, i) => ({
      path: `dir${i % 3}/file${i}.txt`,
      content: Buffer.from(`content ${i}\n`),
      executable: i === 1,
    })),
    postSteps: [],
    features: {},
  };
}

/** Real file operations, except that the nth file write fails. */
function failingAt(n: number): WriteIo {
  let count = 0;
  return {
    ...realIo,
    async writeFile(file, data, executable) {
      if (++count === n) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      await realIo.writeFile(file, data, executable);
    },
  };
}

describe('writeProject', () => {
  it('writes every file with its exec bit into a new directory', async () => {
    const target = path.join(tmp.dir, 'proj');
    await writeProject(planFor(target));
    expect(fs.readFileSync(path.join(target, 'dir1/file1.txt'), 'utf8')).toBe('content 1\n');
    expect(fs.statSync(path.join(target, 'dir1/file1.txt')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(target, 'dir0/file0.txt')).mode & 0o777).toBe(0o644);
    expect(listTree(tmp.dir).filter((p) => p.includes('staging'))).toEqual([]);
  });

  it('refuses a non-empty target, lists what is there, and changes nothing', async () => {
    const target = path.join(tmp.dir, 'proj');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'notes.txt'), 'mine');
    fs.mkdirSync(path.join(target, 'src'));
    const before = listTree(tmp.dir);
    const err = (await writeProject(planFor(target)).catch((e: unknown) => e)) as CliError;
    expect(err).toBeInstanceOf(CliError);
    expect(err.exitCode).toBe(3);
    expect(err.details).toEqual(['notes.txt', 'src']);
    expect(listTree(tmp.dir)).toEqual(before);
    expect(fs.readFileSync(path.join(target, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('accepts a directory holding only .git and keeps it', async () => {
    const target = path.join(tmp.dir, 'proj');
    fs.mkdirSync(path.join(target, '.git'), { recursive: true });
    fs.writeFileSync(path.join(target, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeProject(planFor(target));
    expect(fs.readFileSync(path.join(target, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(fs.existsSync(path.join(target, 'dir0/file0.txt'))).toBe(true);
  });

  it('leaves nothing behind when a write fails midway (new target, missing parents)', async () => {
    const target = path.join(tmp.dir, 'a', 'b', 'proj');
    const err = (await writeProject(planFor(target), failingAt(7)).catch((e: unknown) => e)) as CliError;
    expect(err.exitCode).toBe(4);
    expect(err.phase).toBe('write');
    expect(err.message).toContain('ENOSPC');
    expect(listTree(tmp.dir)).toEqual([]);
  });

  it('leaves an existing empty target empty when a write fails midway', async () => {
    const target = path.join(tmp.dir, 'proj');
    fs.mkdirSync(path.join(target, '.git'), { recursive: true });
    const before = listTree(tmp.dir);
    await expect(writeProject(planFor(target), failingAt(15))).rejects.toThrow(/ENOSPC/);
    expect(listTree(tmp.dir)).toEqual(before);
  });

  it('removes what it moved when moving into an existing directory fails halfway', async () => {
    const target = path.join(tmp.dir, 'proj');
    fs.mkdirSync(target);
    let moves = 0;
    const io: WriteIo = {
      ...realIo,
      async rename(from, to) {
        if (++moves === 2) throw new Error('EIO: i/o error');
        await realIo.rename(from, to);
      },
    };
    await expect(writeProject(planFor(target), io)).rejects.toThrow(/EIO/);
    expect(listTree(tmp.dir)).toEqual(['proj']);
  });

  it('never deletes a pre-existing parent directory on failure', async () => {
    const parent = path.join(tmp.dir, 'existing');
    fs.mkdirSync(parent);
    fs.writeFileSync(path.join(parent, 'keep.txt'), 'keep');
    await expect(writeProject(planFor(path.join(parent, 'proj')), failingAt(3))).rejects.toThrow();
    expect(listTree(tmp.dir)).toEqual(['existing', 'existing/keep.txt']);
  });

  it('on SIGINT midway removes the staging directory and exits 130', async () => {
    const target = path.join(tmp.dir, 'proj');
    const script = path.join(import.meta.dirname, 'helpers', 'interrupted-write.ts');
    const r = await execa('node', ['--import', 'tsx', script, target], { reject: false, timeout: 100_000 });
    expect(r.stderr).toContain('cancelled at file');
    expect(r.exitCode).toBe(130);
    expect(listTree(tmp.dir)).toEqual([]);
  });
});
