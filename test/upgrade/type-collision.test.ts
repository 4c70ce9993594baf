/**
 * A path that is a file on one side and a directory on the other (the user's `docs` file where the new
 * template brings `docs/new.md`, or the user's directory where it brings a file) is found while planning:
 * the upgrade refuses before writing anything, names the path and says what to do, and the next run works.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTmp } from '../helpers/tmp.js';
import { commitAll, generateProject, porcelain, read, runIn, snapshot, templatesOf, unmerged, write } from './helpers.js';

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
