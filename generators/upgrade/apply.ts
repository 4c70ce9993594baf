/**
 * The only upgrade module that writes to the project. Stage, then swap, with a journal:
 *
 * 1. every new file is written under .polyglot/upgrade-staging/new/ (the project is untouched so far);
 * 2. the journal (.polyglot/upgrade-journal.json, written atomically) lists every operation and whether
 *    its path existed;
 * 3. each operation swaps: the current file moves to staging/old/, the new one moves into place;
 * 4. the journal is marked committed, then staging and journal are removed.
 *
 * On an error or a signal during 3, the swaps are undone from staging/old/. If the process dies instead
 * (power loss, SIGKILL), the next run finds the journal and undoes them the same way before doing
 * anything else; a committed journal only needs its staging removed. The undo is idempotent. Either way
 * the project is byte for byte as it was, or fully upgraded.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import { MANIFEST_DIR } from '../plan/manifest.js';
import { trapSignals } from '../signal-trap.js';
import { assertSafeRelativePath } from '../plan/render.js';
import type { FileOp } from './plan-upgrade.js';

export const JOURNAL_PATH = `${MANIFEST_DIR}/upgrade-journal.json`;
export const STAGING_PATH = `${MANIFEST_DIR}/upgrade-staging`;

/** File operations apply uses; injectable so tests can fail or kill an upgrade midway. */
export interface ApplyIo {
  mkdir(dir: string): Promise<void>;
  writeFile(file: string, data: Buffer, executable: boolean): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
}

export const realApplyIo: ApplyIo = {
  async mkdir(dir) {
    await fs.mkdir(dir, { recursive: true });
  },
  async writeFile(file, data, executable) {
    await fs.writeFile(file, data, { flag: 'wx', mode: executable ? 0o755 : 0o644 });
    // The umask may have cleared bits the user's file had; set them explicitly.
    await fs.chmod(file, executable ? 0o755 : 0o644);
  },
  rename: (from, to) => fs.rename(from, to),
  unlink: (file) => fs.unlink(file),
};

interface JournalOp {
  kind: FileOp['kind'];
  path: string;
  existed: boolean;
}
interface Journal {
  journalVersion: 1;
  state: 'staged' | 'committed';
  ops: JournalOp[];
  /** Directories the swap creates, shallowest first; removed on undo when empty. */
  createdDirs: string[];
}

const abs = (root: string, rel: string) => path.join(root, ...rel.split('/'));

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function writeJournal(root: string, journal: Journal): Promise<void> {
  const file = abs(root, JOURNAL_PATH);
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(JSON.stringify(journal));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
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

async function cleanup(root: string): Promise<void> {
  await fs.rm(abs(root, STAGING_PATH), { recursive: true, force: true });
  await fs.rm(abs(root, JOURNAL_PATH), { force: true });
  await fs.rm(`${abs(root, JOURNAL_PATH)}.tmp`, { force: true });
}

/** Undoes the swaps a journal describes. Idempotent: safe to run again after it was itself interrupted. */
async function undo(root: string, journal: Journal): Promise<void> {
  const old = (p: string) => path.join(abs(root, STAGING_PATH), 'old', ...p.split('/'));
  for (const op of [...journal.ops].reverse()) {
    const target = abs(root, op.path);
    if (await exists(old(op.path))) {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(old(op.path), target);
    } else if (!op.existed && op.kind === 'write') {
      await fs.rm(target, { force: true });
    }
  }
  for (const dir of [...journal.createdDirs].reverse()) {
    try {
      await fs.rmdir(abs(root, dir));
    } catch {
      // not empty (or already gone): it holds something we did not create
    }
  }
  await cleanup(root);
}

/**
 * Called before every upgrade: finishes what an interrupted one left. Returns what it did, or undefined
 * when there was nothing to recover.
 */
export async function recoverInterruptedUpgrade(root: string): Promise<'rolled-back' | 'cleaned-up' | undefined> {
  const journal = await readJournal(root);
  if (!journal) {
    // A crash before the journal was written touched nothing in the project; drop the staging area.
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
  await undo(root, journal);
  return 'rolled-back';
}

export async function hasInterruptedUpgrade(root: string): Promise<boolean> {
  return (await exists(abs(root, JOURNAL_PATH))) || exists(abs(root, STAGING_PATH));
}

async function missingDirs(root: string, ops: readonly FileOp[]): Promise<string[]> {
  const dirs = new Set<string>();
  for (const op of ops) {
    if (op.kind !== 'write') continue;
    for (let d = path.posix.dirname(op.path); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
  }
  const missing: string[] = [];
  for (const d of [...dirs].sort()) if (!(await exists(abs(root, d)))) missing.push(d);
  // Shallowest first: "a" before "a/b" (sorted order already has parents before children).
  return missing;
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

export async function applyUpgrade(root: string, ops: readonly FileOp[], io: ApplyIo = realApplyIo): Promise<void> {
  for (const op of ops) {
    assertSafeRelativePath(op.path);
    if (op.path.startsWith(`${STAGING_PATH}/`) || op.path === JOURNAL_PATH) throw new Error(`refusing to write ${op.path}`);
  }
  if (new Set(ops.map((o) => o.path)).size !== ops.length) throw new Error('two operations on one path');
  await refuseLinkedDirectories(root, ops);
  if (await exists(abs(root, JOURNAL_PATH))) throw new Error('an interrupted upgrade must be recovered first');
  await cleanup(root);

  const staging = abs(root, STAGING_PATH);
  const staged = (p: string) => path.join(staging, 'new', ...p.split('/'));
  const old = (p: string) => path.join(staging, 'old', ...p.split('/'));

  const trap = trapSignals('upgrade');
  const checkpoint = () => trap.checkpoint();

  let journal: Journal | undefined;
  try {
    // 1. Stage. Nothing in the project changes here; a failure just drops the staging area.
    const stagedDirs = new Set<string>();
    for (const op of ops) {
      stagedDirs.add(path.dirname(staged(op.path)));
      stagedDirs.add(path.dirname(old(op.path)));
    }
    for (const d of [...stagedDirs].sort()) await io.mkdir(d);
    for (const op of ops) {
      checkpoint();
      if (op.kind === 'write') await io.writeFile(staged(op.path), op.content, op.executable);
    }
    checkpoint();

    // 2. Journal.
    const journalOps: JournalOp[] = [];
    for (const op of ops) journalOps.push({ kind: op.kind, path: op.path, existed: await exists(abs(root, op.path)) });
    journal = { journalVersion: 1, state: 'staged', ops: journalOps, createdDirs: await missingDirs(root, ops) };
    await writeJournal(root, journal);

    // 3. Swap.
    for (const dir of journal.createdDirs) await io.mkdir(abs(root, dir));
    for (const op of journalOps) {
      checkpoint();
      const target = abs(root, op.path);
      if (op.existed) await io.rename(target, old(op.path));
      if (op.kind === 'write') await io.rename(staged(op.path), target);
    }
    checkpoint();

    // 4. Commit.
    journal.state = 'committed';
    await writeJournal(root, journal);
  } catch (err) {
    if (journal && journal.state === 'staged') await undo(root, journal);
    else await cleanup(root);
    if (err instanceof CliError) throw err;
    throw new CliError('upgrade', `Applying the upgrade failed: ${(err as Error).message}`, {
      exitCode: ExitCode.writeFailed,
      hint: 'The project was restored exactly as it was; fix the cause (disk space, permissions) and run again.',
      cause: err,
    });
  } finally {
    trap.release();
  }
  await cleanup(root);
  // Directories the template emptied (its files removed or moved away) go too, when nothing else is in them.
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
}
