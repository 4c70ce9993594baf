import { describe, expect, it } from 'vitest';
import { parseArgv } from '../generators/answers/args.js';
import { collectAnswers, type Prompter } from '../generators/answers/collect.js';
import type { LaunchContext } from '../generators/env/launch.js';
import { isInteractive, packageManagerFromUserAgent } from '../generators/env/launch.js';
import { CancelledError, CliError } from '../generators/errors.js';

const plain: LaunchContext = { interactive: false, launchedBy: 'npm', cwd: '/tmp' };
const tty: LaunchContext = { ...plain, interactive: true };

/** A prompter that answers from a script and records what it was asked. */
function scripted(answers: (string | boolean | undefined)[]) {
  const asked: string[] = [];
  const next = () => answers.shift();
  const prompter: Prompter = {
    text: async (o) => {
      asked.push(o.message);
      const a = next() as string | undefined;
      if (a !== undefined) {
        const problem = o.validate(a);
        if (problem) throw new Error(`validation refused scripted answer: ${problem}`);
      }
      return a;
    },
    select: async (o) => (asked.push(o.message), next() as string | undefined),
    confirm: async (o) => (asked.push(o.message), next() as boolean | undefined),
  };
  return { prompter, asked };
}

const throwingPrompter: Prompter = {
  text: () => Promise.reject(new Error('must not prompt')),
  select: () => Promise.reject(new Error('must not prompt')),
  confirm: () => Promise.reject(new Error('must not prompt')),
};

describe('collectAnswers without a terminal', () => {
  it('never prompts and names every missing flag (exit 2)', async () => {
    const err = await collectAnswers(parseArgv([]), plain, throwingPrompter).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).message).toContain('[directory]');
    expect((err as CliError).message).toContain('--template');
  });

  it('names only what is missing', async () => {
    const err = (await collectAnswers(parseArgv(['x']), plain, throwingPrompter).catch((e: unknown) => e)) as CliError;
    expect(err.message).toContain('--template');
    expect(err.message).not.toContain('[directory]');
  });

  it('uses flags and defaults', async () => {
    const a = await collectAnswers(parseArgv(['svc', '--template', 'express']), { ...plain, launchedBy: 'pnpm' }, throwingPrompter);
    expect(a).toEqual({ directory: 'svc', name: 'svc', template: 'express', packageManager: 'pnpm', install: true, git: true });
  });

  it('--yes accepts defaults for everything', async () => {
    const a = await collectAnswers(parseArgv(['--yes']), plain, throwingPrompter);
    expect(a).toMatchObject({ directory: 'my-backend', name: 'my-backend', template: 'express' });
  });

  it('derives the name from the directory and explains a bad one', async () => {
    const err = (await collectAnswers(parseArgv(['Bad Dir', '-t', 'express']), plain, throwingPrompter).catch((e: unknown) => e)) as CliError;
    expect(err.exitCode).toBe(2);
    expect(err.hint).toMatch(/--name/);
    const ok = await collectAnswers(parseArgv(['Bad Dir', '-t', 'express', '--name', 'good-name']), plain, throwingPrompter);
    expect(ok.name).toBe('good-name');
  });

  it('rejects an unknown template listing the choices', async () => {
    const err = (await collectAnswers(parseArgv(['x', '-t', 'django']), plain, throwingPrompter).catch((e: unknown) => e)) as CliError;
    expect(err.message).toMatch(/express, fastapi, hybrid/);
    expect(err.exitCode).toBe(2);
  });
});

describe('collectAnswers with a terminal', () => {
  it('asks only what flags did not give', async () => {
    const { prompter, asked } = scripted(['api', false]);
    const a = await collectAnswers(parseArgv(['--template', 'express']), tty, prompter);
    expect(asked).toEqual(['Where should the project be created?', 'Install dependencies now?']);
    expect(a).toMatchObject({ directory: 'api', name: 'api', template: 'express', install: false });
  });

  it('asks for a package name when the directory name cannot be one', async () => {
    const { prompter, asked } = scripted(['My Service', 'my-service', 'express', true]);
    const a = await collectAnswers(parseArgv([]), tty, prompter);
    expect(asked).toContain('Package name');
    expect(a.name).toBe('my-service');
  });

  it('turns a cancelled prompt into exit 130', async () => {
    const { prompter } = scripted(['api', undefined]);
    const err = await collectAnswers(parseArgv([]), tty, prompter).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CliError).exitCode).toBe(130);
  });
});

describe('launch context', () => {
  it.each([
    [{ isTTY: true }, { isTTY: true }, {}, true],
    [{ isTTY: true }, { isTTY: true }, { CI: 'true' }, false],
    [{ isTTY: true }, { isTTY: true }, { CI: '1' }, false],
    [{ isTTY: true }, { isTTY: true }, { CI: 'false' }, true],
    [{ isTTY: false }, { isTTY: true }, {}, false],
    [{ isTTY: true }, {}, {}, false],
  ])('isInteractive(%j, %j, %j) = %s', (stdin, stdout, env, expected) => {
    expect(isInteractive(stdin, stdout, env)).toBe(expected);
  });

  it.each([
    ['pnpm/9.1.0 npm/? node/v20.19.0 linux x64', 'pnpm'],
    ['yarn/4.1.0 npm/? node/v20.19.0', 'yarn'],
    ['bun/1.1.0 npm/? node/v22', 'bun'],
    ['npm/11.0.0 node/v20', 'npm'],
    [undefined, 'npm'],
    ['deno/2', 'npm'],
  ])('user agent %s -> %s', (ua, pm) => {
    expect(packageManagerFromUserAgent(ua)).toBe(pm);
  });
});

describe('collectAnswers with a terminal but --json', () => {
  it('does not silently default required answers', async () => {
    const err = (await collectAnswers(parseArgv(['x', '--json']), tty, undefined).catch((e: unknown) => e)) as CliError;
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/--json never prompts: --template/);
  });
});
