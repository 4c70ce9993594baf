/**
 * The only module that touches the target directory (with write/writer.ts, which uses it).
 * Inspection: does the target exist, and is anything in it besides .git?
 */
import fs from 'node:fs/promises';
import { CliError, ExitCode } from '../errors.js';

export interface TargetState {
  exists: boolean;
  /** Entries other than .git; the generator refuses to write into a directory that has any. */
  conflicts: string[];
  hasGit: boolean;
}

export async function inspectTarget(dir: string): Promise<TargetState> {
  let stat;
  try {
    stat = await fs.lstat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, conflicts: [], hasGit: false };
    throw new CliError('target', `Cannot read ${dir}: ${(err as Error).message}`, { exitCode: ExitCode.targetConflict });
  }
  if (!stat.isDirectory()) {
    throw new CliError('target', `${dir} exists and is not a directory.`, {
      exitCode: ExitCode.targetConflict,
      hint: 'Choose another directory name.',
    });
  }
  const entries = (await fs.readdir(dir)).sort();
  return { exists: true, conflicts: entries.filter((e) => e !== '.git'), hasGit: entries.includes('.git') };
}

export function assertTargetUsable(dir: string, state: TargetState): void {
  if (state.conflicts.length === 0) return;
  const shown = state.conflicts.slice(0, 10);
  const more = state.conflicts.length - shown.length;
  throw new CliError('target', `${dir} is not empty; refusing to write into it.`, {
    exitCode: ExitCode.targetConflict,
    hint: 'Choose a new or empty directory. Nothing was changed; create-polyglot-backend never deletes files it did not create.',
    details: [...shown, ...(more > 0 ? [`… and ${more} more`] : [])],
  });
}
