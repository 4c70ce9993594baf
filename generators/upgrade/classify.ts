/**
 * The per-file decision table of an upgrade. Pure: given the file as last generated (base), as it is in
 * the project now (ours) and as the new template renders it (theirs), decide what happens. Merging the
 * contents is merge.ts's job; this only says whether a merge is needed.
 *
 *   base  ours      theirs      -> decision
 *   any   = theirs  present        unchanged
 *   =     = base    changed        updated (take theirs; the user never touched it)
 *   =     changed   = base         kept-yours
 *   =     changed   changed        merge (text, by key, or binary-conflict)
 *   =     deleted   present        kept-deleted (the user deleted it; it stays deleted)
 *   =     = base    deleted        removed
 *   =     changed   deleted        kept-modified-deleted-by-template
 *   =     deleted   deleted        kept-deleted
 *   none  none      present        added
 *   none  present   present (≠)    merge against an empty base (both added the path)
 *
 * Executable bits are compared with the contents: the user's chmod wins, the template's applies otherwise.
 * Lockfiles are never merged: the user's stays (or the template's, if the user never touched it) and the
 * package manager regenerates it afterwards.
 */
import path from 'node:path';

export interface FileVersion {
  content: Buffer;
  executable: boolean;
}

export type Outcome =
  | 'updated'
  | 'merged'
  | 'conflict'
  | 'kept-yours'
  | 'added'
  | 'removed'
  | 'kept-deleted'
  | 'kept-modified-deleted-by-template'
  | 'renamed'
  | 'binary-conflict'
  | 'lockfile-regenerate'
  | 'unchanged';

export const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb', 'uv.lock']);

export function isLockfile(p: string): boolean {
  return LOCKFILES.has(path.posix.basename(p));
}

export type Decision =
  | { action: 'keep'; outcome: 'unchanged' | 'kept-yours' | 'kept-deleted' | 'kept-modified-deleted-by-template' | 'lockfile-regenerate' }
  | { action: 'write'; outcome: 'updated' | 'added' | 'merged' | 'lockfile-regenerate'; file: FileVersion }
  | { action: 'remove'; outcome: 'removed' }
  /** Contents changed on both sides: the caller merges `base`/`ours`/`theirs` and writes with `executable`. */
  | { action: 'merge'; base: FileVersion | undefined; ours: FileVersion; theirs: FileVersion; executable: boolean };

export function sameFile(a: FileVersion | undefined, b: FileVersion | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.executable === b.executable && a.content.equals(b.content);
}

/** The user's chmod wins; otherwise the template's bit applies. */
export function resolveExecutable(base: FileVersion | undefined, ours: FileVersion, theirs: FileVersion): boolean {
  return base !== undefined && ours.executable !== base.executable ? ours.executable : theirs.executable;
}

export function classify(filePath: string, base: FileVersion | undefined, ours: FileVersion | undefined, theirs: FileVersion | undefined): Decision {
  if (theirs === undefined) {
    if (ours === undefined) return { action: 'keep', outcome: 'kept-deleted' };
    if (base === undefined) return { action: 'keep', outcome: 'kept-yours' }; // a user file; never ours to touch
    return sameFile(ours, base) ? { action: 'remove', outcome: 'removed' } : { action: 'keep', outcome: 'kept-modified-deleted-by-template' };
  }
  if (ours === undefined) {
    return base === undefined ? { action: 'write', outcome: 'added', file: theirs } : { action: 'keep', outcome: 'kept-deleted' };
  }
  if (sameFile(ours, theirs)) return { action: 'keep', outcome: 'unchanged' };
  if (isLockfile(filePath)) {
    // Never merged. Untouched by the user: start from the template's; else keep the user's. Either way
    // the package manager regenerates it from the merged manifest afterwards.
    return base !== undefined && sameFile(ours, base)
      ? { action: 'write', outcome: 'lockfile-regenerate', file: theirs }
      : { action: 'keep', outcome: 'lockfile-regenerate' };
  }
  if (base !== undefined && sameFile(ours, base)) return { action: 'write', outcome: 'updated', file: theirs };
  if (base !== undefined && sameFile(theirs, base)) return { action: 'keep', outcome: 'kept-yours' };
  const executable = resolveExecutable(base, ours, theirs);
  if (base !== undefined) {
    const oursContent = ours.content.equals(base.content);
    const theirsContent = theirs.content.equals(base.content);
    // Only the mode changed on one side and only the content on the other (or the same content on both).
    if (oursContent || theirsContent || ours.content.equals(theirs.content)) {
      const content = oursContent ? theirs.content : ours.content;
      return { action: 'write', outcome: 'merged', file: { content, executable } };
    }
  }
  return { action: 'merge', base, ours, theirs, executable };
}
