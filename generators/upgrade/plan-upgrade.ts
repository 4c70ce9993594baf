/**
 * base (the stored baseline) + ours (the project as it is) + theirs (the new template rendered with the
 * stored answers) -> every file's outcome and the file operations that realise it. Pure: all inputs are
 * in memory and nothing is read or written here.
 */
import path from 'node:path';
import { classify, isLockfile, type Decision, type FileVersion, type Outcome } from './classify.js';
import { mergeFile } from './merge-file.js';
import type { ConflictLabels } from './merge-text.js';

export interface FileReport {
  path: string;
  outcome: Outcome;
  /** The path it had before a declared rename. */
  from?: string;
  /** Conflict blocks in the file. */
  conflicts?: number;
  /** Where the template's version of a binary conflict was written. */
  templateCopy?: string;
  /** How a file changed on both sides was merged. */
  mergedBy?: 'text' | 'json' | 'yaml' | 'toml';
}

export type FileOp = { kind: 'write'; path: string; content: Buffer; executable: boolean } | { kind: 'remove'; path: string };

/** A file left in conflict, with the three versions git's index records for it (stages 1, 2, 3). */
export interface ConflictEntry {
  path: string;
  base: FileVersion | undefined;
  ours: FileVersion;
  theirs: FileVersion;
}

export interface UpgradeInput {
  base: ReadonlyMap<string, FileVersion>;
  /** The project's files at every path of base, theirs and the renames; undefined: not there. */
  ours: ReadonlyMap<string, FileVersion | undefined>;
  theirs: ReadonlyMap<string, FileVersion>;
  /** Declared renames that apply to this upgrade: old path -> new path. */
  renames: ReadonlyMap<string, string>;
  labels: ConflictLabels;
  /** Lockfiles in the project that the template never generated (package-lock.json after npm install). */
  otherLockfiles: readonly string[];
  /** Parent directories of these paths that are not directories in the project: path -> what is there. */
  blockingParents?: ReadonlyMap<string, string>;
  /** These paths where the project has a directory: path -> everything in it (empty directories as "dir/"). */
  directories?: ReadonlyMap<string, readonly string[]>;
}

/** A write that cannot happen: `path` is not a directory in the project, and the upgrade writes `into` below it. */
export interface BlockedPath {
  path: string;
  what: string;
  into: string;
}

export interface UpgradePlan {
  files: FileReport[];
  ops: FileOp[];
  conflicts: ConflictEntry[];
  /** Dependencies or lockfiles changed: the package manager should regenerate the lockfiles. */
  regenerate: boolean;
  /** Why regeneration cannot run (a dependency manifest has conflicts). */
  regenerateBlocked?: string;
  /** Writes that a file in the way makes impossible; the upgrade is refused before anything is written. */
  blocked: BlockedPath[];
}

/**
 * Each write below a path that is a file in the project and stays one (the first such write per path),
 * and each write onto a directory that keeps anything. What the upgrade removes makes way: a file the
 * template turned into a directory, or a directory whose files the template all removed (the user never
 * changed them); apply moves them aside before it creates the directory or the file.
 */
function findBlocked(ops: readonly FileOp[], parents: ReadonlyMap<string, string>, directories: ReadonlyMap<string, readonly string[]>): BlockedPath[] {
  const removed = new Set(ops.filter((o) => o.kind === 'remove').map((o) => o.path));
  const out = new Map<string, BlockedPath>();
  for (const op of ops) {
    if (op.kind !== 'write') continue;
    const inside = directories.get(op.path);
    if (inside && !inside.every((p) => removed.has(p))) out.set(op.path, { path: op.path, what: 'a directory', into: op.path });
    for (let d = path.posix.dirname(op.path); d !== '.'; d = path.posix.dirname(d)) {
      const what = parents.get(d);
      if (what !== undefined && !removed.has(d) && !out.has(d)) out.set(d, { path: d, what, into: op.path });
    }
  }
  return [...out.values()].sort(byPath);
}

export const TEMPLATE_COPY_SUFFIX = '.template-new';
const DEPENDENCY_MANIFESTS = new Set(['package.json', 'pyproject.toml']);

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export function planUpgrade(input: UpgradeInput): UpgradePlan {
  const files: FileReport[] = [];
  const ops: FileOp[] = [];
  const conflicts: ConflictEntry[] = [];
  const done = new Set<string>();

  /** Carries out a decision for content that ends up at `to`. */
  const realise = (to: string, d: Decision, report: Omit<FileReport, 'outcome'>, renamedFrom?: string, ours?: FileVersion): Outcome => {
    const write = (file: FileVersion) => ops.push({ kind: 'write', path: to, content: file.content, executable: file.executable });
    switch (d.action) {
      case 'keep':
        if (renamedFrom && ours) write(ours);
        files.push({ ...report, outcome: renamedFrom && d.outcome !== 'kept-deleted' ? 'renamed' : d.outcome });
        return d.outcome;
      case 'write':
        write(d.file);
        files.push({ ...report, outcome: renamedFrom ? 'renamed' : d.outcome });
        return d.outcome;
      case 'remove':
        ops.push({ kind: 'remove', path: to });
        files.push({ ...report, outcome: 'removed' });
        return 'removed';
      case 'merge': {
        const m = mergeFile(to, d.base, d.ours, d.theirs, input.labels);
        if (m.outcome === 'binary-conflict') {
          const copy = to + TEMPLATE_COPY_SUFFIX;
          if (renamedFrom) write(d.ours);
          ops.push({ kind: 'write', path: copy, content: d.theirs.content, executable: d.theirs.executable });
          conflicts.push({ path: to, base: d.base, ours: d.ours, theirs: d.theirs });
          files.push({ ...report, outcome: 'binary-conflict', templateCopy: copy });
          return 'binary-conflict';
        }
        write({ content: m.content, executable: d.executable });
        if (m.outcome === 'conflict') {
          conflicts.push({ path: to, base: d.base, ours: d.ours, theirs: d.theirs });
          files.push({ ...report, outcome: 'conflict', conflicts: m.conflicts });
          return 'conflict';
        }
        files.push({ ...report, outcome: renamedFrom ? 'renamed' : 'merged', mergedBy: m.how });
        return 'merged';
      }
    }
  };

  for (const [from, to] of input.renames) {
    const base = input.base.get(from);
    const theirs = input.theirs.get(to);
    // Applies only when the template really moved the file and the user has nothing at the new path.
    if (!base || !theirs || input.base.has(to) || input.theirs.has(from) || input.ours.get(to) !== undefined || done.has(from) || done.has(to)) continue;
    done.add(from).add(to);
    const ours = input.ours.get(from);
    if (ours === undefined) {
      files.push({ path: to, from, outcome: 'kept-deleted' });
      continue;
    }
    realise(to, classify(to, base, ours, theirs), { path: to, from }, from, ours);
    ops.push({ kind: 'remove', path: from });
  }

  const paths = [...new Set([...input.base.keys(), ...input.theirs.keys()])].filter((p) => !done.has(p)).sort();
  for (const p of paths) {
    realise(p, classify(p, input.base.get(p), input.ours.get(p), input.theirs.get(p)), { path: p });
  }

  // Lockfiles are regenerated when dependencies may have changed: never merged, never trusted as merged.
  const touched = new Set(ops.map((o) => o.path));
  const depsChanged = [...touched].some((p) => DEPENDENCY_MANIFESTS.has(path.posix.basename(p)));
  const lockChanged = files.some((f) => f.outcome === 'lockfile-regenerate');
  const regenerate = depsChanged || lockChanged;
  if (regenerate) {
    for (const f of files) {
      if (isLockfile(f.path) && (f.outcome === 'unchanged' || f.outcome === 'kept-yours')) f.outcome = 'lockfile-regenerate';
    }
    for (const p of input.otherLockfiles) {
      if (!files.some((f) => f.path === p)) files.push({ path: p, outcome: 'lockfile-regenerate' });
    }
  }
  const blocked = files.find((f) => DEPENDENCY_MANIFESTS.has(path.posix.basename(f.path)) && f.outcome === 'conflict');
  files.sort(byPath);
  return {
    files,
    ops,
    conflicts: conflicts.sort(byPath),
    regenerate,
    regenerateBlocked: regenerate && blocked ? `${blocked.path} has conflicts; resolve them, then regenerate the lockfile` : undefined,
    blocked: findBlocked(ops, input.blockingParents ?? new Map(), input.directories ?? new Map()),
  };
}
