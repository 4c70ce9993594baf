/**
 * The rules every file of a fetched template must pass before any of it is used: checked on the whole
 * list first, so a hostile archive or repository is refused as a unit and nothing is written.
 */
import { CliError } from '../errors.js';
import { outputPath } from '../plan/paths.js';

export const LIMITS = {
  /** Files in one template. */
  maxEntries: 5_000,
  /** Path depth (segments). */
  maxDepth: 24,
  /** Bytes of all files together, uncompressed. */
  maxTotalBytes: 100 * 1024 * 1024,
  /** Bytes of the downloaded archive. */
  maxArchiveBytes: 50 * 1024 * 1024,
  maxPathLength: 400,
};

export function hostile(message: string, hint = 'The template is broken or hostile; nothing was written.'): CliError {
  return new CliError('template', message, { hint });
}

/** Windows device names are unusable as file names on Windows checkouts of the generated project. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** One relative path inside a template: "/" separated, nothing that escapes or aliases. */
export function checkEntryPath(p: string): void {
  const why = (reason: string) => hostile(`Template entry "${p.replace(/[\0-\x1f]/g, '?')}" ${reason}.`);
  if (p.length === 0 || p.length > LIMITS.maxPathLength) throw why('has an empty or overlong path');
  if (/[\0-\x1f\x7f]/.test(p)) throw why('contains control characters');
  if (p.includes('\\')) throw why('contains a backslash (a Windows path separator)');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.startsWith('//')) throw why('is an absolute path');
  const segments = p.split('/');
  if (segments.length > LIMITS.maxDepth) throw why(`is nested deeper than ${LIMITS.maxDepth} directories`);
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') throw why('has an empty, "." or ".." segment');
    if (WINDOWS_RESERVED.test(s) || /[<>:"|?*]/.test(s) || /[. ]$/.test(s)) throw why('has a segment that is not a portable file name');
  }
  if (segments.some((s) => s.toLowerCase() === '.git')) throw why('writes into a .git directory');
}

/**
 * The whole list: every path checked, file count and total size capped, and no two paths that would be
 * the same file on a case-insensitive or normalising file system (macOS, Windows).
 */
export function checkEntryList(entries: readonly { path: string; size: number }[]): void {
  if (entries.length > LIMITS.maxEntries) throw hostile(`The template has ${entries.length} files, more than the limit of ${LIMITS.maxEntries}.`);
  let total = 0;
  for (const e of entries) {
    checkEntryPath(e.path);
    total += e.size;
    if (total > LIMITS.maxTotalBytes) throw hostile(`The template is larger than ${LIMITS.maxTotalBytes / 1024 / 1024} MB uncompressed.`);
  }
  checkCollisions(entries.map((e) => e.path));
}

/**
 * A template's whole file list, from any source (local directory, archive, git tree): the raw names, then
 * the names they are written as, since `dot_env` and `.env` are one file once rendered.
 */
export function checkTemplateFiles(entries: readonly { path: string; size: number }[]): void {
  checkEntryList(entries);
  checkCollisions(entries.filter((e) => e.path !== 'template.json').map((e) => outputPath(e.path)));
}

/** No two paths (or directory prefixes) that one case-insensitive or normalising file system would merge. */
export function checkCollisions(paths: readonly string[]): void {
  const folded = new Map<string, string>();
  for (const p of paths) {
    // Every prefix too: "A/x" and "a/y" put two directories where a case-insensitive disk has one.
    const segments = p.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('/');
      const key = prefix.normalize('NFC').toLowerCase();
      const seen = folded.get(key);
      if (seen !== undefined && seen !== prefix) {
        throw hostile(`Template entries "${seen}" and "${prefix}" are the same path on case-insensitive or Unicode-normalising file systems.`);
      }
      if (seen === prefix && i === segments.length) throw hostile(`Template entry "${prefix}" appears twice.`);
      folded.set(key, prefix);
    }
  }
}
