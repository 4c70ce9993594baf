/**
 * plan -> files on disk, all or nothing. Files are written into a staging directory beside the target and
 * moved into place at the end; on any error, SIGINT or SIGTERM everything this run created is removed and
 * the target is as it was. Never removes anything it did not create.
 */
import fs from 'node:fs/promises';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import { trapSignals } from '../signal-trap.js';
import { assertSafeRelativePath } from '../plan/render.js';
import type { Plan } from '../plan/plan.js';
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

export async function writeProject(plan: Plan, io: WriteIo = realIo): Promise<void> {
  const target = plan.targetDir;
  const before = await inspectTarget(target);
  assertTargetUsable(target, before);

  const created = new CreatedPaths();
  const trap = trapSignals('write', (signal) => {
    // Second signal: stop waiting for the current operation.
    created.removeAll();
    process.exit(signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.cancelled);
  });
  const checkpoint = () => trap.checkpoint();

  try {
    const parent = path.dirname(target);
    const missingAncestor = await firstMissingAncestor(parent);
    if (missingAncestor) {
      await io.mkdir(parent);
      created.add(missingAncestor);
    }
    const staging = await fs.mkdtemp(path.join(parent, `.${path.basename(target)}.staging-`));
    created.add(staging);
    // mkdtemp makes 0700; the project directory gets the mode any mkdir would (0777 less the umask).
    const umask = process.umask();
    await fs.chmod(staging, 0o777 & ~umask);

    for (const file of plan.files) assertSafeRelativePath(file.path);
    const absolute = (p: string) => path.join(staging, ...p.split('/'));
    const dirs = [...new Set(plan.files.map((f) => path.posix.dirname(f.path)))].filter((d) => d !== '.').sort();
    for (const dir of dirs) await io.mkdir(absolute(dir));
    for (let i = 0; i < plan.files.length; i += WRITE_BATCH) {
      checkpoint();
      const batch = plan.files.slice(i, i + WRITE_BATCH);
      // allSettled: every started write finishes before cleanup can remove the staging directory.
      const results = await Promise.allSettled(batch.map((f) => io.writeFile(absolute(f.path), f.content, f.executable)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    checkpoint();

    if (!before.exists) {
      await io.rename(staging, target);
      created.add(target);
    } else {
      // The target exists and holds at most .git: move entries in one by one, remembering each.
      const now = await inspectTarget(target);
      assertTargetUsable(target, now);
      for (const entry of (await fs.readdir(staging)).sort()) {
        checkpoint();
        const dest = path.join(target, entry);
        await io.rename(path.join(staging, entry), dest);
        created.add(dest);
      }
      await fs.rmdir(staging);
    }
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
