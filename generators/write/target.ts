/**
 * The only module that touches the target directory (with write/writer.ts, which uses it).
 * Inspection: does the target exist, is anything in it besides .git, and did a dead run of this tool
 * leave staging directories there or beside it (see staging.ts)?
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import { besidePrefix, findDeadStaging, INSIDE_PREFIX } from './staging.js';

export interface TargetState {
  exists: boolean;
  /** Entries other than .git and dead staging; the generator refuses to write into a directory that has any. */
  conflicts: string[];
  hasGit: boolean;
  /** Staging directories (absolute) that a dead run of this tool left in or beside the target; safe to remove. */
  deadStaging: string[];
}

export async function inspectTarget(dir: string): Promise<TargetState> {
  const beside = await findDeadStaging(path.dirname(dir), besidePrefix(dir));
  let stat;
  try {
    stat = await fs.lstat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, conflicts: [], hasGit: false, deadStaging: beside };
    throw new CliError('target', `Cannot read ${dir}: ${(err as Error).message}`, { exitCode: ExitCode.targetConflict });
  }
  if (!stat.isDirectory()) {
    throw new CliError('target', `${dir} exists and is not a directory.`, {
      exitCode: ExitCode.targetConflict,
      hint: 'Choose another directory name.',
    });
  }
  const inside = await findDeadStaging(dir, INSIDE_PREFIX);
  const dead = new Set(inside.map((p) => path.basename(p)));
  const entries = (await fs.readdir(dir)).sort();
  return {
    exists: true,
    conflicts: entries.filter((e) => e !== '.git' && !dead.has(e)),
    hasGit: entries.includes('.git'),
    deadStaging: [...beside, ...inside],
  };
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
