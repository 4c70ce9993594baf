/**
 * git's view of the project: is it a work tree, is it clean, and marking conflicted files unmerged in the
 * index (stages 1 base, 2 yours, 3 template) so `git status` says "both modified" and merge tools work.
 * Only the index is changed, never the work tree or history.
 */
import { CliError, ExitCode } from '../errors.js';
import type { FileVersion } from './classify.js';
import type { ConflictEntry } from './plan-upgrade.js';

const loadExeca = async () => (await import('execa')).execa;

export interface GitInfo {
  /** The work tree's top directory. */
  top: string;
  /** The project's path below top, "" or ending in "/". */
  prefix: string;
}

export async function gitInfo(dir: string): Promise<GitInfo | undefined> {
  const execa = await loadExeca();
  const r = await execa('git', ['rev-parse', '--show-toplevel', '--show-prefix'], { cwd: dir, reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0) return undefined;
  const [top, prefix = ''] = r.stdout.split('\n');
  return top ? { top, prefix } : undefined;
}

/** `git status --porcelain` for the project's directory: tracked changes and untracked files. */
export async function uncommittedChanges(dir: string): Promise<string[]> {
  const execa = await loadExeca();
  // No optional locks: a status check must not write the index (it fails on a full disk, and races editors).
  const r = await execa('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=all', '--', '.'], { cwd: dir, stdin: 'ignore', reject: false });
  if (r.exitCode !== 0) {
    throw new CliError('upgrade', `git status failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`, {
      exitCode: ExitCode.usage,
      hint: 'Nothing was changed. Fix the repository (or pass --allow-dirty to skip the check) and run again.',
    });
  }
  return r.stdout.split('\n').filter((l) => l !== '');
}

async function writeBlob(top: string, data: Buffer): Promise<string> {
  const execa = await loadExeca();
  const r = await execa('git', ['hash-object', '-w', '--stdin'], { cwd: top, input: data, encoding: 'utf8' });
  return r.stdout.trim();
}

const mode = (f: FileVersion) => (f.executable ? '100755' : '100644');

export async function markUnmerged(git: GitInfo, conflicts: readonly ConflictEntry[]): Promise<void> {
  if (conflicts.length === 0) return;
  const records: string[] = [];
  for (const c of conflicts) {
    const p = git.prefix + c.path;
    records.push(`0 ${'0'.repeat(40)}\t${p}`);
    if (c.base) records.push(`${mode(c.base)} ${await writeBlob(git.top, c.base.content)} 1\t${p}`);
    records.push(`${mode(c.ours)} ${await writeBlob(git.top, c.ours.content)} 2\t${p}`);
    records.push(`${mode(c.theirs)} ${await writeBlob(git.top, c.theirs.content)} 3\t${p}`);
  }
  const execa = await loadExeca();
  await execa('git', ['update-index', '-z', '--index-info'], { cwd: git.top, input: `${records.join('\0')}\0` });
}
