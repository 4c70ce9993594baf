/**
 * Interruption at any point leaves the project as it was: a failing file operation (injected through
 * the ApplyIo parameter) is undone in-process; a process killed mid-swap (SIGKILL, no cleanup) is undone
 * from the journal by the next run; SIGTERM is honoured between operations and undone too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOURNAL_PATH, realApplyIo, recoverInterruptedUpgrade, type ApplyIo } from '../../generators/upgrade/apply.js';
import { makeTmp } from '../helpers/tmp.js';
import { generateEditedProject, porcelain, read, runIn, snapshot, templatesOf, unmerged } from './helpers.js';

let tmp: ReturnType<typeof makeTmp>;
let root: string;
let before: Map<string, string>;
beforeEach(async () => {
  tmp = makeTmp('cpb-upgrade-apply-');
  root = await generateEditedProject(tmp.dir);
  before = snapshot(root);
});
afterEach(() => tmp.cleanup());

function failing(op: keyof ApplyIo, at: number): ApplyIo {
  let n = 0;
  const wrap =
    <A extends unknown[]>(fn: (...a: A) => Promise<void>) =>
    async (...a: A) => {
      if (++n === at) throw Object.assign(new Error(`injected ${op} failure #${at}`), { code: 'EIO' });
      return fn(...a);
    };
  return { ...realApplyIo, [op]: wrap(realApplyIo[op] as (...a: unknown[]) => Promise<void>) };
}

describe('an upgrade that fails midway', () => {
  // This upgrade stages 21 files (17 mkdir) and swaps with 42 renames: failures at the first, in the
  // middle and at the very last of each kind.
  it.each([
    ['writeFile', 1],
    ['writeFile', 9],
    ['mkdir', 2],
    ['rename', 1],
    ['rename', 2],
    ['rename', 17],
    ['rename', 30],
    ['rename', 42],
  ] as const)('%s #%i failing leaves the project byte-identical, exit 4', async (op, at) => {
    const r = await runIn(root, ['--no-install'], { templates: templatesOf('v2'), applyIo: failing(op, at) });
    expect(r.exitCode).toBe(4);
    expect(r.error?.message).toMatch(new RegExp(`injected ${op} failure`));
    expect(r.error?.hint).toMatch(/restored exactly as it was/);
    expect(snapshot(root)).toEqual(before);
    expect(await porcelain(root)).toEqual([]);
    expect(await unmerged(root)).toEqual([]);
    // And the next run upgrades normally.
    const again = await runIn(root, ['--no-install'], { templates: templatesOf('v2') });
    expect(again.exitCode).toBe(7); // the unicode conflict
    expect(read(root, 'src/app.js')).toContain('const port = 8080;');
  });
});

describe('a process killed mid-swap', () => {
  // Each child starts node + tsx: seconds on a busy machine, so a generous bound (it ends when the child does).
  const SPAWN_BUDGET = 100_000;
  const script = path.join(import.meta.dirname, '..', 'helpers', 'killed-upgrade.ts');

  it.each([1, 2, 11, 29, 42])('SIGKILL after rename #%i: the journal undoes it, byte-identical', async (n) => {
    const r = await execa('node', ['--import', 'tsx', script, root, String(n)], { reject: false, timeout: SPAWN_BUDGET });
    expect(r.signal).toBe('SIGKILL');
    expect(fs.existsSync(path.join(root, JOURNAL_PATH))).toBe(true);
    expect(snapshot(root)).not.toEqual(before);

    // --dry-run and --check refuse to look at a half-applied project.
    expect((await runIn(root, ['--dry-run'], { templates: templatesOf('v2') })).exitCode).toBe(2);
    expect(await recoverInterruptedUpgrade(root)).toBe('rolled-back');
    expect(snapshot(root)).toEqual(before);
    expect(await porcelain(root)).toEqual([]);
    expect(await recoverInterruptedUpgrade(root)).toBeUndefined();
  });

  it('the next normal run recovers first, then upgrades', async () => {
    await execa('node', ['--import', 'tsx', script, root, '5'], { reject: false, timeout: SPAWN_BUDGET });
    const r = await runIn(root, ['--no-install'], { templates: templatesOf('v2') });
    expect(r.log).toMatch(/interrupted upgrade was found and undone/);
    expect(r.exitCode).toBe(7);
    expect(read(root, 'src/app.js')).toBe(
      "const greeting = 'hello';\nconst port = 8080;\n\nexport function start() {\n  return `${greeting} on ${port}`;\n}\n\nexport function stop() {\n  return 'bye';\n}\n",
    );
  });

  it('a run killed after committing only leaves staging to clean up: the upgrade stands', async () => {
    const r = await runIn(root, ['--no-install'], { templates: templatesOf('v2') });
    expect(r.exitCode).toBe(7);
    const upgraded = snapshot(root);
    fs.mkdirSync(path.join(root, '.polyglot/upgrade-staging/old/src'), { recursive: true });
    fs.writeFileSync(path.join(root, '.polyglot/upgrade-staging/old/src/app.js'), 'stale');
    fs.writeFileSync(path.join(root, JOURNAL_PATH), JSON.stringify({ journalVersion: 1, state: 'committed', ops: [{ kind: 'write', path: 'src/app.js', existed: true }], createdDirs: [] }));
    expect(await recoverInterruptedUpgrade(root)).toBe('cleaned-up');
    expect(snapshot(root)).toEqual(upgraded);
  });

  it('SIGTERM mid-swap is honoured at the next operation and undone in-process (exit 143)', async () => {
    const r = await execa('node', ['--import', 'tsx', script, root, '7', 'SIGTERM'], { reject: false, timeout: SPAWN_BUDGET });
    expect(r.stderr).toContain('finished: exit 143');
    expect(r.exitCode).toBe(143);
    expect(snapshot(root)).toEqual(before);
  });
});
