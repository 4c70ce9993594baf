/**
 * The only upgrade module that writes to the project. Stage, then swap, with a journal:
 *
 * 1. every new file is written under .polyglot/upgrade-staging/new/ (the project is untouched so far);
 * 2. the journal (.polyglot/upgrade-journal.json, written atomically) lists every operation and whether
 *    its path existed;
 * 3. each operation swaps: the current file moves to staging/old/, the new one moves into place;
 * 4. the journal is deleted: that is the commit point. Deleting needs no free space, so a full disk
 *    cannot leave an upgrade that is applied but reported as undone (or the reverse). Then staging goes.
 *
 * On an error or a signal before 4, the swaps are undone from staging/old/. If the process dies instead
 * (power loss, SIGKILL), the next run finds the journal and undoes them the same way before doing
 * anything else; staging without a journal (before 2, or after 4) is only dropped. The undo is
 * idempotent and never throws half-way: a path it cannot restore is reported, and the journal is kept so
 * the next run can finish. Either way what is reported is what is on disk.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import { MANIFEST_DIR } from '../plan/manifest.js';
import { trapSignals } from '../signal-trap.js';
import { assertSafeRelativePath } from '../plan/paths.js';
import type { FileOp } from './plan-upgrade.js';

export const JOURNAL_PATH = `${MANIFEST_DIR}/upgrade-journal.json`;
export const STAGING_PATH = `${MANIFEST_DIR}/upgrade-staging`;

/** File operations apply uses; injectable so tests can fail or kill an upgrade at any step. */
export interface ApplyIo {
  mkdir(dir: string): Promise<void>;
  writeFile(file: string, data: Buffer, executable: boolean): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  /** Writes the journal atomically and durably: a temporary file, fsync, rename. */
  saveJournal(file: string, data: string): Promise<void>;
  /** Removes the staging area after the commit point. */
  removeTree(dir: string): Promise<void>;
}

async function saveDurably(file: string, data: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

export const realApplyIo: ApplyIo = {
  async mkdir(dir) {
    await fs.mkdir(dir, { recursive: true });
  },
  async writeFile(file, data, executable) {
    const handle = await fs.open(file, 'wx', executable ? 0o755 : 0o644);
    try {
      await handle.writeFile(data);
      // The umask may have cleared bits the user's file had; set them explicitly.
      await handle.chmod(executable ? 0o755 : 0o644);
      // On disk before the swap: a power cut after the commit must not leave empty files behind.
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => fs.rename(from, to),
  unlink: (file) => fs.unlink(file),
  saveJournal: saveDurably,
  removeTree: (dir) => fs.rm(dir, { recursive: true, force: true }),
};

interface JournalOp {
  kind: FileOp['kind'];
  path: string;
  existed: boolean;
}
interface Journal {
  journalVersion: 1;
  /** Always 'staged' now; 'committed' journals come from versions that committed by rewriting it. */
  state: 'staged' | 'committed';
  ops: JournalOp[];
  /** Directories the swap creates, shallowest first; removed on undo when empty. */
  createdDirs: string[];
  /** Directories a new file replaces (their files all removed by the upgrade), deepest first; made again on undo. */
  emptiedDirs?: string[];
}

const abs = (root: string, rel: string) => path.join(root, ...rel.split('/'));
const stagedPath = (root: string, rel: string) => path.join(abs(root, STAGING_PATH), 'new', ...rel.split('/'));
const oldPath = (root: string, rel: string) => path.join(abs(root, STAGING_PATH), 'old', ...rel.split('/'));

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function readJournal(root: string): Promise<Journal | undefined> {
  let raw: string;
  try {
    raw = await fs.readFile(abs(root, JOURNAL_PATH), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const j = JSON.parse(raw) as Journal;
    if (j.journalVersion === 1 && Array.isArray(j.ops) && Array.isArray(j.createdDirs)) return j;
  } catch {
    // fall through
  }
  throw new CliError('upgrade', `${JOURNAL_PATH} (left by an interrupted upgrade) is unreadable.`, {
    exitCode: ExitCode.usage,
    hint: `Check the project with git status, then delete ${JOURNAL_PATH} and ${STAGING_PATH}/ by hand.`,
  });
}

/**
 * Drops journal and staging once the project is consistent (as it was, or fully upgraded). The journal
 * goes first: staging without a journal is harmless, a stale journal would be undone again.
 */
async function cleanup(root: string): Promise<void> {
  try {
    await fs.rm(abs(root, JOURNAL_PATH), { force: true });
    await fs.rm(`${abs(root, JOURNAL_PATH)}.tmp`, { force: true });
    await fs.rm(abs(root, STAGING_PATH), { recursive: true, force: true });
  } catch (err) {
    throw new CliError('upgrade', `Could not remove the upgrade's own ${STAGING_PATH}/ or ${JOURNAL_PATH}: ${(err as Error).message}`, {
      exitCode: ExitCode.writeFailed,
      hint: 'The project itself is consistent; fix the cause (permissions, disk) or delete them by hand, and run again.',
    });
  }
}

/** Removes a file this upgrade moved into place; anything else there (a directory) is not ours. */
async function removeOurFile(file: string): Promise<void> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (stat && !stat.isDirectory()) await fs.unlink(file);
}

/**
 * Undoes the swaps a journal describes, from any partial state, in the swap's reverse: new files out,
 * created directories away, old files back. Idempotent, and never stops half-way: returns the paths it
 * could not restore (then staging and journal are kept for the next try).
 */
async function undo(root: string, journal: Journal, io: ApplyIo): Promise<string[]> {
  const failed: string[] = [];
  const attempt = async (op: JournalOp, step: () => Promise<void>) => {
    try {
      await step();
    } catch (err) {
      failed.push(`${op.path}: ${(err as Error).message}`);
    }
  };
  for (const op of [...journal.ops].reverse()) {
    // A new file that has left staging is ours to remove (an old one there is put back below, over it).
    if (op.kind === 'write' && !op.existed && !(await exists(stagedPath(root, op.path)))) await attempt(op, () => removeOurFile(abs(root, op.path)));
  }
  for (const dir of [...journal.createdDirs].reverse()) {
    // Not empty (or already gone): it holds something we did not create.
    await fs.rmdir(abs(root, dir)).catch(() => undefined);
  }
  for (const dir of [...(journal.emptiedDirs ?? [])].reverse()) {
    await fs.mkdir(abs(root, dir), { recursive: true }).catch((err: Error) => failed.push(`${dir}/: ${err.message}`));
  }
  for (const op of [...journal.ops].reverse()) {
    if (!op.existed || !(await exists(oldPath(root, op.path)))) continue;
    await attempt(op, async () => {
      const target = abs(root, op.path);
      await fs.mkdir(path.dirname(target), { recursive: true });
      // Replaces the new file if it was already moved in.
      await io.rename(oldPath(root, op.path), target);
    });
  }
  if (failed.length === 0) await cleanup(root).catch(() => undefined);
  return failed;
}

function undoFailed(failed: string[], cause: string): CliError {
  return new CliError('upgrade', `${cause}, and ${failed.length} file(s) could not be put back.`, {
    exitCode: ExitCode.writeFailed,
    details: failed.slice(0, 20),
    hint: `The project is partly upgraded; ${JOURNAL_PATH} and ${STAGING_PATH}/ hold what is needed to restore it. Fix the cause (disk, permissions) and run the command again: it finishes restoring first.`,
  });
}

/**
 * Called before every upgrade: finishes what an interrupted one left. Returns what it did, or undefined
 * when there was nothing to recover.
 */
export async function recoverInterruptedUpgrade(root: string, io: ApplyIo = realApplyIo): Promise<'rolled-back' | 'cleaned-up' | undefined> {
  const journal = await readJournal(root);
  if (!journal) {
    // No journal: the crash came before the swap began or after it was committed; the project stands.
    if (await exists(abs(root, STAGING_PATH))) {
      await cleanup(root);
      return 'cleaned-up';
    }
    return undefined;
  }
  if (journal.state === 'committed') {
    await cleanup(root);
    return 'cleaned-up';
  }
  const failed = await undo(root, journal, io);
  if (failed.length > 0) throw undoFailed(failed, 'An interrupted upgrade was found and undoing it failed');
  return 'rolled-back';
}

/** 'journal': an upgrade was interrupted mid-swap; 'staging': only its staging area is left (harmless). */
export async function interruptedUpgrade(root: string): Promise<'journal' | 'staging' | undefined> {
  if (await exists(abs(root, JOURNAL_PATH))) return 'journal';
  return (await exists(abs(root, STAGING_PATH))) ? 'staging' : undefined;
}

/**
 * What is at each path now: a file (moved aside, put back on undo), nothing, or a directory a new file
 * replaces (the plan checked that the upgrade removes everything in it): that directory and its
 * subdirectories, deepest first.
 */
async function survey(root: string, ops: readonly FileOp[]): Promise<{ journalOps: JournalOp[]; emptiedDirs: string[] }> {
  const journalOps: JournalOp[] = [];
  const emptiedDirs: string[] = [];
  const subdirs = async (rel: string): Promise<string[]> => {
    const entries = await fs.readdir(abs(root, rel), { withFileTypes: true });
    const below = await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => subdirs(`${rel}/${e.name}`)));
    return [...below.flat(), rel];
  };
  for (const op of ops) {
    const stat = await fs.lstat(abs(root, op.path)).catch(() => undefined);
    if (stat?.isDirectory()) {
      if (op.kind !== 'write') throw new Error(`${op.path} is a directory`);
      emptiedDirs.push(...(await subdirs(op.path)));
    }
    journalOps.push({ kind: op.kind, path: op.path, existed: stat !== undefined && !stat.isDirectory() });
  }
  return { journalOps, emptiedDirs };
}

/** Directories the writes need that will not be there: missing, or a file the upgrade removes (a file became a directory). */
async function dirsToCreate(root: string, ops: readonly FileOp[]): Promise<string[]> {
  const removed = new Set(ops.filter((o) => o.kind === 'remove').map((o) => o.path));
  const dirs = new Set<string>();
  for (const op of ops) {
    if (op.kind !== 'write') continue;
    for (let d = path.posix.dirname(op.path); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
  }
  const out: string[] = [];
  // Sorted order has parents before children ("a" before "a/b"): shallowest first.
  for (const d of [...dirs].sort()) if (removed.has(d) || !(await exists(abs(root, d)))) out.push(d);
  return out;
}

/** Like git, never write through a symbolic link to a directory: the write would land outside the project. */
async function refuseLinkedDirectories(root: string, ops: readonly FileOp[]): Promise<void> {
  const dirs = new Set<string>();
  for (const op of ops) for (let d = path.posix.dirname(op.path); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
  for (const dir of [...dirs].sort()) {
    const stat = await fs.lstat(abs(root, dir)).catch(() => undefined);
    if (stat?.isSymbolicLink()) {
      throw new CliError('upgrade', `${dir} is a symbolic link; the upgrade would write through it, outside the project.`, {
        hint: 'Nothing was changed. Replace the link with a real directory, or move the template files elsewhere, and run again.',
      });
    }
  }
}

/**
 * Writes every new file under staging/new/ and makes room under staging/old/ for the files that exist;
 * the project itself is untouched. Each tree mirrors one consistent state (new, or as it is), so a file
 * that becomes a directory never collides with itself in staging.
 */
async function stage(root: string, ops: readonly FileOp[], existing: ReadonlySet<string>, io: ApplyIo, checkpoint: () => void): Promise<void> {
  const dirs = new Set<string>();
  for (const op of ops) {
    if (op.kind === 'write') dirs.add(path.dirname(stagedPath(root, op.path)));
    if (existing.has(op.path)) dirs.add(path.dirname(oldPath(root, op.path)));
  }
  for (const d of [...dirs].sort()) await io.mkdir(d);
  for (const op of ops) {
    checkpoint();
    if (op.kind === 'write') await io.writeFile(stagedPath(root, op.path), op.content, op.executable);
  }
  checkpoint();
}

/** Everything old moves aside first, then directories are made, then the new files move in (so a removed file can make way for a directory). */
async function swap(root: string, journal: Journal, io: ApplyIo, checkpoint: () => void): Promise<void> {
  for (const op of journal.ops) {
    checkpoint();
    if (op.existed) await io.rename(abs(root, op.path), oldPath(root, op.path));
  }
  // Emptied by the moves above; a new file takes the place of each.
  for (const dir of journal.emptiedDirs ?? []) await fs.rmdir(abs(root, dir));
  for (const dir of journal.createdDirs) await io.mkdir(abs(root, dir));
  for (const op of journal.ops) {
    checkpoint();
    if (op.kind === 'write') await io.rename(stagedPath(root, op.path), abs(root, op.path));
  }
  checkpoint();
}

/** Before the commit point: undo what was swapped, and say exactly what state the project is in. */
async function rollBack(root: string, journal: Journal | undefined, io: ApplyIo, err: unknown): Promise<CliError> {
  const failed = journal ? await undo(root, journal, io) : [];
  if (!journal) await cleanup(root).catch(() => undefined);
  const cause = err instanceof CliError ? err.message : `Applying the upgrade failed: ${(err as Error).message}`;
  if (failed.length > 0) return undoFailed(failed, cause.replace(/\.$/, ''));
  if (err instanceof CliError) return err;
  return new CliError('upgrade', cause, {
    exitCode: ExitCode.writeFailed,
    hint: 'The project was restored exactly as it was; fix the cause (disk space, permissions) and run again.',
    cause: err,
  });
}

/** What is left to say after a committed upgrade: the upgrade stands even if tidying up failed. */
export interface ApplyResult {
  leftover?: string;
}

/** After the commit point: drop staging and directories the template emptied. Nothing here can undo the upgrade. */
async function finish(root: string, ops: readonly FileOp[], io: ApplyIo): Promise<ApplyResult> {
  let leftover: string | undefined;
  try {
    await io.removeTree(abs(root, STAGING_PATH));
  } catch (err) {
    leftover = `${STAGING_PATH}/ could not be removed (${(err as Error).message}); the next run removes it, or delete it by hand.`;
  }
  for (const op of ops) {
    if (op.kind !== 'remove') continue;
    for (let d = path.posix.dirname(op.path); d !== '.'; d = path.posix.dirname(d)) {
      try {
        await fs.rmdir(abs(root, d));
      } catch {
        break;
      }
    }
  }
  return { leftover };
}

export async function applyUpgrade(root: string, ops: readonly FileOp[], io: ApplyIo = realApplyIo): Promise<ApplyResult> {
  for (const op of ops) {
    assertSafeRelativePath(op.path);
    if (op.path.startsWith(`${STAGING_PATH}/`) || op.path === JOURNAL_PATH) throw new Error(`refusing to write ${op.path}`);
  }
  if (new Set(ops.map((o) => o.path)).size !== ops.length) throw new Error('two operations on one path');
  await refuseLinkedDirectories(root, ops);
  if (await exists(abs(root, JOURNAL_PATH))) throw new Error('an interrupted upgrade must be recovered first');
  await cleanup(root);

  const trap = trapSignals('upgrade');
  const checkpoint = () => trap.checkpoint();
  let journal: Journal | undefined;
  try {
    const { journalOps, emptiedDirs } = await survey(root, ops);
    await stage(root, ops, new Set(journalOps.filter((o) => o.existed).map((o) => o.path)), io, checkpoint);
    const planned: Journal = { journalVersion: 1, state: 'staged', ops: journalOps, createdDirs: await dirsToCreate(root, ops), emptiedDirs };
    await io.saveJournal(abs(root, JOURNAL_PATH), JSON.stringify(planned));
    journal = planned;
    await swap(root, journal, io, checkpoint);
    // The commit point. Until this returns, the journal on disk says "undo me".
    await io.unlink(abs(root, JOURNAL_PATH));
  } catch (err) {
    throw await rollBack(root, journal, io, err);
  } finally {
    trap.release();
  }
  return finish(root, ops, io);
}
