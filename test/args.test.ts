import { describe, expect, it } from 'vitest';
import { parseArgv } from '../generators/answers/args.js';
import { CliError } from '../generators/errors.js';

describe('parseArgv', () => {
  it('maps flags onto answer keys', () => {
    const { given, options } = parseArgv(['my-api', '--template', 'express', '--pm', 'pnpm', '--no-install', '--git', '--json', '-y']);
    expect(given).toEqual({ directory: 'my-api', template: 'express', packageManager: 'pnpm', install: false, git: true });
    expect(options).toMatchObject({ json: true, yes: true, dryRun: false });
  });

  it('reads the upgrade subcommand and the upgrade/run options', () => {
    const { given, options, upgradeCommand } = parseArgv(['upgrade', '--cwd', 'svc', '--templates', './tpl', '--check', '--allow-dirty']);
    expect(upgradeCommand).toBe(true);
    expect(given).toEqual({});
    expect(options).toMatchObject({ cwd: 'svc', templates: './tpl', check: true, allowDirty: true });
    expect(parseArgv(['./upgrade']).given.directory).toBe('./upgrade');
    expect(() => parseArgv(['upgrade', 'somewhere'])).toThrow(/takes no directory/);
    expect(() => parseArgv(['--cwd'])).toThrow(/needs a value/);
  });

  it('takes -t as --template', () => {
    expect(parseArgv(['-t', 'express']).given.template).toBe('express');
  });

  it.each([
    [['--bogus'], /Unknown option --bogus/],
    [['--template'], /needs a value/],
    [['a', 'b'], /at most one directory/],
    [['--install', '--no-install'], /contradict/],
  ])('rejects %j with exit code 2', (argv, message) => {
    let caught: unknown;
    try {
      parseArgv(argv);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CliError);
    expect((caught as CliError).message).toMatch(message);
    expect((caught as CliError).exitCode).toBe(2);
  });
});
