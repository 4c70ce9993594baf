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
import { applyUpgrade, JOURNAL_PATH, realApplyIo, recoverInterruptedUpgrade, STAGING_PATH, type ApplyIo } from '../../generators/upgrade/apply.js';
import { makeTmp } from '../helpers/tmp.js';
import { commitAll, generateEditedProject, porcelain, read, runIn, snapshot, templatesOf, write } from './helpers.js';

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
type Step = keyof ApplyIo;

/** Real operations; `hook` runs before (or, with after, after) each one with its kind and 1-based index. */
function instrumented(hook: (kind: Step, n: number, when: 'before' | 'after') => void): ApplyIo {
  let n = 0;
  const wrap =
    <A extends unknown[]>(kind: Step, fn: (...a: A) => Promise<void>) =>
    async (...a: A) => {
      const at = ++n;
      hook(kind, at, 'before');
      await fn(...a);
      hook(kind, at, 'after');
    };
  const io = {} as Record<Step, unknown>;
  for (const kind of Object.keys(realApplyIo) as Step[]) io[kind] = wrap(kind, realApplyIo[kind] as (...a: unknown[]) => Promise<void>);
  return io as unknown as ApplyIo;
}

const withoutStaging = (snap: Map<string, string>) => new Map([...snap].filter(([p]) => !p.startsWith(`${STAGING_PATH}/`)));

async function upgradedReference(): Promise<Map<string, string>> {
  const other = await generateEditedProject(path.join(tmp.dir, 'reference'));
  expect((await runIn(other, ['--no-install'], v2)).exitCode).toBe(ExitCode.upgradeNeedsAttention);
  return snapshot(other);
}

describe('rollback from every step', () => {
  it('a failure at each file operation in turn: byte-identical before the commit point, upgraded after it', { timeout: 300_000 }, async () => {
    const upgraded = await upgradedReference();
    const pristine = path.join(tmp.dir, 'pristine');
    fs.cpSync(root, pristine, { recursive: true });
    const kinds: Step[] = [];
    // Count the steps of a real run on a copy.
    const copy = path.join(tmp.dir, 'count');
    fs.cpSync(root, copy, { recursive: true });
    await runIn(copy, ['--no-install'], { ...v2, applyIo: instrumented((k, _n, when) => when === 'before' && kinds.push(k)) });
    const commit = kinds.indexOf('unlink') + 1; // deleting the journal
    expect(kinds.slice(commit)).toEqual(['removeTree']);
    expect(kinds.length).toBeGreaterThan(60);

    for (let at = 1; at <= kinds.length; at++) {
      const io = instrumented((kind, n, when) => {
        if (when === 'before' && n === at) throw Object.assign(new Error(`injected ${kind} failure at step ${at}`), { code: 'ENOSPC' });
      });
      const r = await runIn(root, ['--no-install'], { ...v2, applyIo: io });
      const step = `step ${at} (${kinds[at - 1]})`;
      if (at <= commit) {
        expect(r.exitCode, step).toBe(ExitCode.writeFailed);
        expect(r.error?.hint).toMatch(/restored exactly as it was/);
        expect(snapshot(root), step).toEqual(before);
        expect(await porcelain(root)).toEqual([]);
        continue;
      }
      // Past the commit point the upgrade stands, and says so; only staging is left, for the next run.
      expect(r.exitCode, step).toBe(ExitCode.upgradeNeedsAttention);
      expect(r.log).toMatch(/The upgrade is applied, but \.polyglot\/upgrade-staging\/ could not be removed/);
      expect(withoutStaging(snapshot(root)), step).toEqual(upgraded);
      expect((await runIn(root, ['--no-install', '--allow-dirty'], v2)).log).toMatch(/already up to date/);
      expect(snapshot(root)).toEqual(upgraded);
      fs.rmSync(root, { recursive: true });
      fs.cpSync(pristine, root, { recursive: true });
    }
  });

  it('a power cut after each step is recovered by the next run: the old project, or the whole upgrade', { timeout: 300_000 }, async () => {
    const upgraded = await upgradedReference();
    const cuts: { cut: string; kind: Step }[] = [];
    const io = instrumented((kind, n, when) => {
      if (when !== 'after') return;
      // The tree exactly as a power cut at this instant would leave it (no finally blocks ran).
      const cut = path.join(tmp.dir, `cut-${n}`);
      fs.cpSync(root, cut, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
      cuts.push({ cut, kind });
    });
    expect((await runIn(root, ['--no-install'], { ...v2, applyIo: io })).exitCode).toBe(ExitCode.upgradeNeedsAttention);
    expect(cuts.length).toBeGreaterThan(60);
    const commit = cuts.findIndex((c) => c.kind === 'unlink');
    for (const [i, { cut }] of cuts.entries()) {
      await recoverInterruptedUpgrade(cut);
      expect(snapshot(cut), `cut after step ${i + 1}`).toEqual(i >= commit ? upgraded : before);
      expect(await recoverInterruptedUpgrade(cut)).toBeUndefined();
    }
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
