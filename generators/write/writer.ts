/**
 * plan -> files on disk, all or nothing. Files are written into a staging directory and moved into place
 * at the end (staging.ts says where: beside a new target, inside an existing empty one); on any error,
 * SIGINT or SIGTERM everything this run created is removed and the target is as it was. Never removes
 * anything it did not create; a dead run's staging is removed only when its marker proves it ours.
 */
import fs from 'node:fs/promises';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import { trapSignals } from '../signal-trap.js';
import { assertSafeRelativePath } from '../plan/paths.js';
import type { Plan } from '../plan/plan.js';
import { besidePrefix, INSIDE_PREFIX, makeStaging } from './staging.js';
import { assertTargetUsable, inspectTarget } from './target.js';

/** File operations the writer uses; injectable so tests can fail or interrupt a write midway. */
export interface WriteIo {
  mkdir(dir: string): Promise<void>;
  writeFile(file: string, data: Buffer, executable: boolean): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

export const realIo: WriteIo = {
  async mkdir(dir) {
    await fs.mkdir(dir, { recursive: true });
  },
  async writeFile(file, data, executable) {
    // 'wx': never overwrite; the mode is reduced by the user's umask, as for any file they create.
    await fs.writeFile(file, data, { flag: 'wx', mode: executable ? 0o755 : 0o644 });
  },
  rename: (from, to) => fs.rename(from, to),
};

/** Files written at once: enough to keep libuv's thread pool busy, few enough to react to a signal quickly. */
const WRITE_BATCH = 16;

/** What this run created, so cleanup removes exactly that. */
class CreatedPaths {
  private readonly paths: string[] = [];
  add(p: string): void {
    this.paths.push(p);
  }
  removeAll(): void {
    for (const p of [...this.paths].reverse()) rmSync(p, { recursive: true, force: true });
    this.paths.length = 0;
  }
}

async function firstMissingAncestor(dir: string): Promise<string | undefined> {
  let missing: string | undefined;
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      await fs.access(d);
      return missing;
    } catch {
      missing = d;
    }
    if (path.dirname(d) === d) return missing;
  }
}

async function prepareStaging(target: string, targetExists: boolean, io: WriteIo, created: CreatedPaths): Promise<{ root: string; tree: string }> {
  if (targetExists) {
    const staging = await makeStaging(target, INSIDE_PREFIX);
    created.add(staging.root);
    return staging;
  }
  const parent = path.dirname(target);
  const missingAncestor = await firstMissingAncestor(parent);
  if (missingAncestor) {
    await io.mkdir(parent);
    created.add(missingAncestor);
  }
  const staging = await makeStaging(parent, besidePrefix(target));
  created.add(staging.root);
  return staging;
}

async function writeTree(tree: string, files: Plan['files'], io: WriteIo, checkpoint: () => void): Promise<void> {
  const absolute = (p: string) => path.join(tree, ...p.split('/'));
  const dirs = [...new Set(files.map((f) => path.posix.dirname(f.path)))].filter((d) => d !== '.').sort();
  for (const dir of dirs) await io.mkdir(absolute(dir));
  for (let i = 0; i < files.length; i += WRITE_BATCH) {
    checkpoint();
    const batch = files.slice(i, i + WRITE_BATCH);
    // allSettled: every started write finishes before cleanup can remove the staging directory.
    const results = await Promise.allSettled(batch.map((f) => io.writeFile(absolute(f.path), f.content, f.executable)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
  checkpoint();
}

/** The target exists and holds at most .git (and our staging): move entries in one by one, remembering each. */
async function moveEntriesInto(target: string, staging: { root: string; tree: string }, io: WriteIo, created: CreatedPaths, checkpoint: () => void): Promise<void> {
  const now = await inspectTarget(target);
  assertTargetUsable(target, { ...now, conflicts: now.conflicts.filter((e) => e !== path.basename(staging.root)) });
  for (const entry of (await fs.readdir(staging.tree)).sort()) {
    checkpoint();
    const dest = path.join(target, entry);
    await io.rename(path.join(staging.tree, entry), dest);
    created.add(dest);
  }
}

export async function writeProject(plan: Plan, io: WriteIo = realIo): Promise<void> {
  const target = plan.targetDir;
  for (const file of plan.files) assertSafeRelativePath(file.path);
  const before = await inspectTarget(target);
  // Left by a run that was killed (SIGKILL, power cut): provably this tool's, and abandoned. Best effort:
  // one that cannot be removed is still not counted as the user's content.
  for (const dir of before.deadStaging) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  assertTargetUsable(target, before);

  const created = new CreatedPaths();
  const trap = trapSignals('write', (signal) => {
    // Second signal: stop waiting for the current operation.
    created.removeAll();
    process.exit(signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.cancelled);
  });
  const checkpoint = () => trap.checkpoint();

  try {
    const staging = await prepareStaging(target, before.exists, io, created);
    await writeTree(staging.tree, plan.files, io, checkpoint);
    if (before.exists) {
      await moveEntriesInto(target, staging, io, created, checkpoint);
    } else {
      await io.rename(staging.tree, target);
      created.add(target);
    }
    await fs.rm(staging.root, { recursive: true, force: true });
    checkpoint();
  } catch (err) {
    created.removeAll();
    if (err instanceof CliError) throw err;
    throw new CliError('write', `Writing the project failed: ${(err as Error).message}`, {
      exitCode: ExitCode.writeFailed,
      hint: 'Nothing was left behind; fix the cause (disk space, permissions) and run again.',
      cause: err,
    });
  } finally {
    trap.release();
  }
}
