/** The default package name is the resolved target directory's name, wherever the CLI was started. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseArgv } from '../generators/answers/args.js';
import { collectAnswers, type Prompter } from '../generators/answers/collect.js';
import { buildCli, runCli } from './helpers/cli.js';
import { makeTmp } from './helpers/tmp.js';

const noPrompts: Prompter = {
  text: () => Promise.reject(new Error('must not prompt')),
  select: () => Promise.reject(new Error('must not prompt')),
  confirm: () => Promise.reject(new Error('must not prompt')),
};

describe('the default name follows the run directory (--cwd), not the process directory', () => {
  it.each([
    ['.', 'svc'],
    ['api', 'api'],
    ['../other', 'other'],
  ])('directory %j in /work/x/svc is named %j', async (directory, name) => {
    const launch = { interactive: false, launchedBy: 'npm' as const, cwd: '/work/x/svc' };
    const a = await collectAnswers(parseArgv([directory, '-t', 'express']), launch, noPrompts);
    expect(a.name).toBe(name);
  });
});

describe('the built CLI', () => {
  beforeAll(buildCli, 60_000);
  let tmp: ReturnType<typeof makeTmp>;
  beforeEach(() => {
    tmp = makeTmp('cpb-cwd-');
  });
  afterEach(() => tmp.cleanup());

  it('`. --cwd ../svc` from a directory called "launcher" names the package "svc"', async () => {
    fs.mkdirSync(path.join(tmp.dir, 'launcher'));
    fs.mkdirSync(path.join(tmp.dir, 'svc'));
    const r = await runCli(['.', '--cwd', '../svc', '-t', 'express', '--dry-run', '--json'], { cwd: path.join(tmp.dir, 'launcher') });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { directory: string; answers: { name: string } };
    expect(out.directory).toBe(path.join(tmp.dir, 'svc'));
    expect(out.answers.name).toBe('svc');
  }, 60_000);
});
