/**
 * A target that holds only an existing git repository is generated into, but the git step leaves that
 * repository alone: no commit on the user's branch, nothing staged (least of all the deletion of the
 * files the user had committed there), and the step says it was skipped and why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildCli, runCli } from './helpers/cli.js';
import { makeTmp } from './helpers/tmp.js';

beforeAll(buildCli, 60_000);
let tmp: ReturnType<typeof makeTmp>;
beforeEach(() => {
  tmp = makeTmp('cpb-gitrepo-');
});
afterEach(() => tmp.cleanup());

const git = async (cwd: string, ...args: string[]) =>
  (await execa('git', ['-c', 'user.name=User', '-c', 'user.email=user@example.invalid', ...args], { cwd, timeout: 60_000 })).stdout;

interface Result {
  postSteps: { id: string; status: string; reason?: string }[];
}

async function generateInto(dir: string): Promise<Result> {
  const r = await runCli([path.basename(dir), '-t', 'express', '--no-install', '--json'], { cwd: path.dirname(dir) });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Result;
}

describe('the git step in a target that already holds a repository', () => {
  it('a repository with history and pending deletions: no commit, nothing staged, status skipped with the reason', async () => {
    const dir = path.join(tmp.dir, 'svc');
    fs.mkdirSync(dir);
    await git(dir, 'init', '-q', '-b', 'work');
    fs.writeFileSync(path.join(dir, 'mine.txt'), 'the user’s file\n');
    await git(dir, 'add', 'mine.txt');
    await git(dir, 'commit', '-q', '-m', 'mine');
    const head = await git(dir, 'rev-parse', 'HEAD');
    fs.rmSync(path.join(dir, 'mine.txt')); // only .git is left: the target is accepted

    const out = await generateInto(dir);
    expect(out.postSteps.find((s) => s.id === 'git')).toEqual(expect.objectContaining({ status: 'skipped', reason: expect.stringMatching(/already holds a git repository/) }));
    expect(await git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(await git(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('work');
    expect(await git(dir, 'diff', '--cached', '--name-status')).toBe('');
    expect(fs.existsSync(path.join(dir, 'package.json'))).toBe(true);
  }, 60_000);

  it('a freshly initialised repository gets no first commit either', async () => {
    const dir = path.join(tmp.dir, 'fresh');
    fs.mkdirSync(dir);
    await git(dir, 'init', '-q');
    const out = await generateInto(dir);
    expect(out.postSteps.find((s) => s.id === 'git')?.status).toBe('skipped');
    const log = await execa('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: dir, reject: false });
    expect(log.exitCode).not.toBe(0); // still no commit
    expect(await git(dir, 'diff', '--cached', '--name-only')).toBe('');
  }, 60_000);

  it('a new directory still gets git init and a first commit', async () => {
    const out = await generateInto(path.join(tmp.dir, 'new'));
    expect(out.postSteps.find((s) => s.id === 'git')?.status).toBe('done');
    expect(await git(path.join(tmp.dir, 'new'), 'log', '--format=%s')).toBe('Initial commit from create-polyglot-backend');
  }, 60_000);
});
