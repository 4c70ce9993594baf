/**
 * Rollback checks shared by the upgrade tests: fail each file operation of an upgrade in turn, or cut
 * the power after each one (the tree copied at that instant), and check that the project ends either
 * byte for byte as it was or exactly upgraded, and that what the run said matches.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { ExitCode } from '../../generators/errors.js';
import { realApplyIo, recoverInterruptedUpgrade, STAGING_PATH, type ApplyIo } from '../../generators/upgrade/apply.js';
import { porcelain, runIn, snapshot } from './helpers.js';

export type Step = keyof ApplyIo;
type Snapshot = Map<string, string>;

/** Real operations; `hook` runs before and after each one with its kind and 1-based index. */
export function instrumented(hook: (kind: Step, n: number, when: 'before' | 'after') => void): ApplyIo {
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

export const withoutStaging = (snap: Snapshot) => new Map([...snap].filter(([p]) => !p.startsWith(`${STAGING_PATH}/`)));

export interface Sweep {
  root: string;
  /** A directory for copies of the project. */
  scratch: string;
  templates: string;
  before: Snapshot;
  upgraded: Snapshot;
  /** How a finished upgrade exits (conflicts or not). */
  finishedExit: number;
}

/** Each operation fails in turn: byte-identical (exit 4) up to the commit point, upgraded (and said so) after it. */
export async function failEveryStep(s: Sweep): Promise<void> {
  const pristine = path.join(s.scratch, 'pristine');
  fs.cpSync(s.root, pristine, { recursive: true });
  const kinds: Step[] = [];
  const count = path.join(s.scratch, 'count');
  fs.cpSync(s.root, count, { recursive: true });
  await runIn(count, ['--no-install'], { templates: s.templates, applyIo: instrumented((k, _n, when) => when === 'before' && kinds.push(k)) });
  const commit = kinds.indexOf('unlink') + 1; // deleting the journal
  expect(kinds.slice(commit)).toEqual(['removeTree']);

  for (let at = 1; at <= kinds.length; at++) {
    const io = instrumented((kind, n, when) => {
      if (when === 'before' && n === at) throw Object.assign(new Error(`injected ${kind} failure at step ${at}`), { code: 'ENOSPC' });
    });
    const r = await runIn(s.root, ['--no-install'], { templates: s.templates, applyIo: io });
    const step = `step ${at} (${kinds[at - 1]})`;
    if (at <= commit) {
      expect(r.exitCode, step).toBe(ExitCode.writeFailed);
      expect(r.error?.hint, step).toMatch(/restored exactly as it was/);
      expect(snapshot(s.root), step).toEqual(s.before);
      expect(await porcelain(s.root)).toEqual([]);
      continue;
    }
    // Past the commit point the upgrade stands, and says so; only staging is left, for the next run.
    expect(r.exitCode, step).toBe(s.finishedExit);
    expect(r.log).toMatch(/The upgrade is applied, but \.polyglot\/upgrade-staging\/ could not be removed/);
    expect(withoutStaging(snapshot(s.root)), step).toEqual(s.upgraded);
    expect((await runIn(s.root, ['--no-install'], { templates: s.templates })).log).toMatch(/already up to date/);
    expect(snapshot(s.root)).toEqual(s.upgraded);
    fs.rmSync(s.root, { recursive: true });
    fs.cpSync(pristine, s.root, { recursive: true });
  }
  expect(kinds.length).toBeGreaterThan(3);
}

/** A power cut after each operation: the next run's recovery gives the old project, or the whole upgrade. */
export async function cutAfterEveryStep(s: Sweep): Promise<number> {
  const cuts: { cut: string; kind: Step }[] = [];
  const io = instrumented((kind, n, when) => {
    if (when !== 'after') return;
    // The tree exactly as a power cut at this instant would leave it (no finally blocks ran).
    const cut = path.join(s.scratch, `cut-${n}`);
    fs.cpSync(s.root, cut, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
    cuts.push({ cut, kind });
  });
  expect((await runIn(s.root, ['--no-install'], { templates: s.templates, applyIo: io })).exitCode).toBe(s.finishedExit);
  const commit = cuts.findIndex((c) => c.kind === 'unlink');
  for (const [i, { cut }] of cuts.entries()) {
    await recoverInterruptedUpgrade(cut);
    expect(snapshot(cut), `cut after step ${i + 1}`).toEqual(i >= commit ? s.upgraded : s.before);
    expect(await recoverInterruptedUpgrade(cut)).toBeUndefined();
  }
  return cuts.length;
}
