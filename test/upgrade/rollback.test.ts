/**
 * The undo, from every step. Each file operation of an upgrade (stage, journal, swap, commit, tidy-up)
 * fails in turn: before the commit point the project must be byte for byte as it was, after it the
 * upgrade must stand and say so. A power cut after each step (the tree copied at that instant) must be
 * recovered by the next run to either the old project or the finished upgrade; an undo that itself fails
 * must say so precisely and leave what the next run needs to finish it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../../generators/errors.js';
import { applyUpgrade, JOURNAL_PATH, realApplyIo, STAGING_PATH, type ApplyIo } from '../../generators/upgrade/apply.js';
import { cutAfterEveryStep, failEveryStep } from './every-step.js';
import { makeTmp } from '../helpers/tmp.js';
import { commitAll, generateEditedProject, read, runIn, snapshot, templatesOf, write } from './helpers.js';

let tmp: ReturnType<typeof makeTmp>;
let root: string;
let before: Map<string, string>;
beforeEach(async () => {
  tmp = makeTmp('cpb-upgrade-rollback-');
  root = await generateEditedProject(tmp.dir);
  before = snapshot(root);
});
afterEach(() => tmp.cleanup());

const v2 = { templates: templatesOf('v2') };
async function upgradedReference(): Promise<Map<string, string>> {
  const other = await generateEditedProject(path.join(tmp.dir, 'reference'));
  expect((await runIn(other, ['--no-install'], v2)).exitCode).toBe(ExitCode.upgradeNeedsAttention);
  return snapshot(other);
}

describe('rollback from every step', () => {
  const sweep = async () => ({ root, scratch: tmp.dir, templates: templatesOf('v2'), before, upgraded: await upgradedReference(), finishedExit: ExitCode.upgradeNeedsAttention });

  it('a failure at each file operation in turn: byte-identical before the commit point, upgraded after it', { timeout: 300_000 }, async () => {
    await failEveryStep(await sweep());
  });

  it('a power cut after each step is recovered by the next run: the old project, or the whole upgrade', { timeout: 300_000 }, async () => {
    expect(await cutAfterEveryStep(await sweep())).toBeGreaterThan(60);
  });

  it('an undo that itself fails names what it could not restore, keeps the journal, and the next run finishes it', async () => {
    let renames = 0;
    const io: ApplyIo = {
      ...realApplyIo,
      async rename(from, to) {
        renames++;
        if (renames === 10) throw Object.assign(new Error('EIO: injected swap failure'), { code: 'EIO' });
        if (renames === 11) throw Object.assign(new Error('EIO: injected undo failure'), { code: 'EIO' });
        await realApplyIo.rename(from, to);
      },
    };
    const r = await runIn(root, ['--no-install'], { ...v2, applyIo: io });
    expect(r.exitCode).toBe(ExitCode.writeFailed);
    expect(r.error?.message).toMatch(/injected swap failure.*1 file\(s\) could not be put back/);
    expect(r.error?.details).toHaveLength(1);
    expect(r.error?.details[0]).toMatch(/injected undo failure/);
    expect(r.error?.hint).toMatch(/partly upgraded/);
    expect(r.error?.hint).not.toMatch(/restored exactly/);
    expect(snapshot(root)).not.toEqual(before);
    expect(fs.existsSync(path.join(root, JOURNAL_PATH))).toBe(true);

    // The next run restores first (the journal), then upgrades as usual.
    const again = await runIn(root, ['--no-install'], v2);
    expect(again.log).toMatch(/interrupted upgrade was found and undone/);
    expect(again.exitCode).toBe(ExitCode.upgradeNeedsAttention);
    expect(read(root, 'src/app.js')).toContain('const port = 8080;');
  });

  it('a swap that hits a file where a directory must be (ENOTDIR) is undone without crashing', async () => {
    // The plan refuses this; applying it anyway proves the undo copes with any partial state.
    write(root, 'docs', 'my notes\n');
    await commitAll(root, 'a docs file');
    const mine = snapshot(root);
    const ops = [
      { kind: 'write' as const, path: 'src/app.js', content: Buffer.from('new\n'), executable: false },
      { kind: 'write' as const, path: 'docs/guide.md', content: Buffer.from('guide\n'), executable: false },
      { kind: 'remove' as const, path: 'src/untouched.js' },
    ];
    const err = (await applyUpgrade(root, ops).catch((e: unknown) => e)) as CliError;
    expect(err).toBeInstanceOf(CliError);
    expect(err.exitCode).toBe(ExitCode.writeFailed);
    expect(err.message).toMatch(/ENOTDIR/);
    expect(err.hint).toMatch(/restored exactly as it was/);
    expect(snapshot(root)).toEqual(mine);
    expect(fs.existsSync(path.join(root, STAGING_PATH))).toBe(false);
  });
});
