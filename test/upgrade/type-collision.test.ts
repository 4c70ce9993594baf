/**
 * A path that is a file on one side and a directory on the other (the user's `docs` file where the new
 * template brings `docs/new.md`, or the user's directory where it brings a file) is found while planning:
 * the upgrade refuses before writing anything, names the path and says what to do, and the next run works.
 * When the template itself turns its own file into a directory and the user never changed the file, the
 * upgrade does it, and undoes it from every step.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTmp } from '../helpers/tmp.js';
import { ExitCode } from '../../generators/errors.js';
import { cutAfterEveryStep, failEveryStep } from './every-step.js';
import { commitAll, FIXTURES, generateProject, porcelain, read, runIn, snapshot, templatesOf, unmerged, write } from './helpers.js';

let tmp: ReturnType<typeof makeTmp>;
let root: string;
beforeEach(async () => {
  tmp = makeTmp('cpb-upgrade-kinds-');
  root = await generateProject(tmp.dir);
});
afterEach(() => tmp.cleanup());

const v2 = { templates: templatesOf('v2') };

async function expectRefusedUntouched(pattern: RegExp): Promise<void> {
  const before = snapshot(root);
  const r = await runIn(root, ['--no-install'], v2);
  expect([r.error?.message, ...(r.error?.details ?? [])].join('\n')).toMatch(pattern);
  expect(r.exitCode).toBe(2);
  expect(r.error?.hint).toMatch(/Nothing was changed/);
  expect(snapshot(root)).toEqual(before);
  expect(await porcelain(root)).toEqual([]);
  expect(await unmerged(root)).toEqual([]);
}

describe('file where the template now has a directory, and the reverse', () => {
  it('a user file `docs` where v2 adds docs/guide.md: refused before any write, then works once moved', async () => {
    write(root, 'docs', 'my notes\n');
    await commitAll(root, 'a docs file');
    await expectRefusedUntouched(/^docs is a file in the project, but template 1\.1\.0 puts a directory there \(docs\/guide\.md\)/);
    // --dry-run says the same, and --json too (a refusal is an error, not a plan).
    expect((await runIn(root, ['--dry-run'], v2)).error?.message).toMatch(/^docs is a file/);
    // Every later run says the same (no half-applied state), until the user moves the file.
    await expectRefusedUntouched(/docs.*docs\/guide\.md/s);
    fs.renameSync(path.join(root, 'docs'), path.join(root, 'my-docs'));
    await commitAll(root, 'moved aside');
    const r = await runIn(root, ['--no-install'], v2);
    expect([0, 1]).toContain(r.exitCode);
    expect(fs.existsSync(path.join(root, 'docs/guide.md'))).toBe(true);
    expect(read(root, 'my-docs')).toBe('my notes\n');
  });

  it('a user directory `src/added.js/` where v2 adds the file src/added.js: refused before any write', async () => {
    write(root, 'src/added.js/keep.txt', 'mine\n');
    await commitAll(root, 'a directory');
    await expectRefusedUntouched(/directory or a symbolic link[^]*\nsrc\/added\.js$/);
    expect(read(root, 'src/added.js/keep.txt')).toBe('mine\n');
  });
});

describe('the template turns its own file `docs` into a directory (docs/guide.md)', () => {
  let templates: { v1: string; v2: string };
  beforeEach(async () => {
    // v1 with a file `docs`; v2 as it is (docs/guide.md, no `docs` file).
    const v1 = path.join(tmp.dir, 'templates-v1');
    fs.cpSync(path.join(FIXTURES, 'v1'), v1, { recursive: true });
    fs.writeFileSync(path.join(v1, 'express', 'docs'), 'generated docs\n');
    templates = { v1, v2: templatesOf('v2') };
    fs.rmSync(root, { recursive: true });
    root = await generateProject(tmp.dir, { templates: v1 });
  });

  const sweep = async () => {
    const reference = await generateProject(path.join(tmp.dir, 'reference'), { templates: templates.v1 });
    expect((await runIn(reference, ['--no-install'], { templates: templates.v2 })).exitCode).toBe(ExitCode.ok);
    return { root, scratch: tmp.dir, templates: templates.v2, before: snapshot(root), upgraded: snapshot(reference), finishedExit: ExitCode.ok };
  };

  it('unchanged by the user: the file makes way for the directory', async () => {
    const r = await runIn(root, ['--no-install'], { templates: templates.v2 });
    expect(r.exitCode, r.error?.message).toBe(ExitCode.ok);
    expect(fs.statSync(path.join(root, 'docs')).isDirectory()).toBe(true);
    expect(read(root, 'docs/guide.md')).toBe(read(path.join(FIXTURES, 'v2', 'express'), 'docs/guide.md'));
  });

  it('changed by the user: refused before any write, naming it', async () => {
    write(root, 'docs', 'my own docs\n');
    await commitAll(root, 'edited docs');
    const before = snapshot(root);
    const r = await runIn(root, ['--no-install'], { templates: templates.v2 });
    expect(r.exitCode).toBe(ExitCode.usage);
    expect(r.error?.message).toMatch(/^docs is a file in the project, but template 1\.1\.0 puts a directory there/);
    expect(snapshot(root)).toEqual(before);
  });

  it('a failure at every step is undone byte for byte (or, past the commit, stands)', { timeout: 300_000 }, async () => {
    await failEveryStep(await sweep());
  });

  it('a power cut after every step is recovered', { timeout: 300_000 }, async () => {
    expect(await cutAfterEveryStep(await sweep())).toBeGreaterThan(10);
  });
});
