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
    await expectRefusedUntouched(/^src\/added\.js is a directory in the project, but template 1\.1\.0 puts a file there/);
    expect(read(root, 'src/added.js/keep.txt')).toBe('mine\n');
  });
});

interface Change {
  name: string;
  /** Files added to the v1 and v2 fixtures. */
  v1: Record<string, string>;
  v2: Record<string, string>;
  upgraded: (root: string) => void;
  /** A user edit that must block the change, and the refusal it gets. */
  userEdit: (root: string) => void;
  refusal: RegExp;
}

const changes: Change[] = [
  {
    name: 'a file `docs` into a directory (docs/guide.md)',
    v1: { docs: 'generated docs\n' },
    v2: {},
    upgraded: (root) => {
      expect(fs.statSync(path.join(root, 'docs')).isDirectory()).toBe(true);
      expect(read(root, 'docs/guide.md')).toBe(read(path.join(FIXTURES, 'v2', 'express'), 'docs/guide.md'));
    },
    userEdit: (root) => write(root, 'docs', 'my own docs\n'),
    refusal: /^docs is a file in the project, but template 1\.1\.0 puts a directory there \(docs\/guide\.md\)/,
  },
  {
    name: 'a directory `lib/` (lib/a.js, lib/sub/b.js) into a file `lib`',
    v1: { 'lib/a.js': 'a\n', 'lib/sub/b.js': 'b\n' },
    v2: { lib: 'one file now\n' },
    upgraded: (root) => expect(read(root, 'lib')).toBe('one file now\n'),
    userEdit: (root) => write(root, 'lib/mine.js', 'mine\n'),
    refusal: /^lib is a directory in the project, but template 1\.1\.0 puts a file there/,
  },
];

describe.each(changes)('the template turns its own $name', (change) => {
  let templates: { v1: string; v2: string };
  beforeEach(async () => {
    const copy = (version: 'v1' | 'v2', extra: Record<string, string>) => {
      const dir = path.join(tmp.dir, `templates-${version}`);
      fs.cpSync(path.join(FIXTURES, version), dir, { recursive: true });
      for (const [p, content] of Object.entries(extra)) write(path.join(dir, 'express'), p, content);
      return dir;
    };
    templates = { v1: copy('v1', change.v1), v2: copy('v2', change.v2) };
    fs.rmSync(root, { recursive: true });
    root = await generateProject(tmp.dir, { templates: templates.v1 });
  });

  const sweep = async () => {
    const reference = await generateProject(path.join(tmp.dir, 'reference'), { templates: templates.v1 });
    expect((await runIn(reference, ['--no-install'], { templates: templates.v2 })).exitCode).toBe(ExitCode.ok);
    return { root, scratch: tmp.dir, templates: templates.v2, before: snapshot(root), upgraded: snapshot(reference), finishedExit: ExitCode.ok };
  };

  it('unchanged by the user: the old one makes way for the new one', async () => {
    const r = await runIn(root, ['--no-install'], { templates: templates.v2 });
    expect(r.exitCode, r.error?.message).toBe(ExitCode.ok);
    change.upgraded(root);
    expect(await porcelain(root)).not.toEqual([]);
  });

  it('with something of the user in the way: refused before any write, naming it', async () => {
    change.userEdit(root);
    await commitAll(root, 'user edit');
    const before = snapshot(root);
    const r = await runIn(root, ['--no-install'], { templates: templates.v2 });
    expect(r.exitCode).toBe(ExitCode.usage);
    expect(r.error?.message).toMatch(change.refusal);
    expect(r.error?.hint).toMatch(/Nothing was changed/);
    expect(snapshot(root)).toEqual(before);
  });

  it('a failure at every step is undone byte for byte (or, past the commit, stands)', { timeout: 300_000 }, async () => {
    await failEveryStep(await sweep());
  });

  it('a power cut after every step is recovered', { timeout: 300_000 }, async () => {
    expect(await cutAfterEveryStep(await sweep())).toBeGreaterThan(10);
  });
});
