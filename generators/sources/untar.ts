/**
 * A .tar.gz template archive -> files in memory, validated as a whole before anything is written.
 * Deliberately small: regular files and directories only. Links (symbolic or hard), devices and FIFOs
 * are refused, not skipped: a template has no use for them and they are how archives escape their
 * target. Reads ustar, pax (`path`, `size`) and GNU long names, the forms `git archive`, `npm pack`,
 * GitHub/GitLab and GNU/BSD tar write.
 */
import { gunzipSync } from 'node:zlib';
import { checkEntryList, checkTemplateFiles, hostile, LIMITS } from './entries.js';

export interface ArchiveFile {
  path: string;
  content: Buffer;
  executable: boolean;
}

const BLOCK = 512;

function cstr(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul < 0 ? slice.length : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, len: number): number {
  const field = buf.subarray(start, start + len);
  // GNU base-256 for sizes >= 8 GiB: far beyond our caps, so refuse rather than parse.
  if ((field[0]! & 0x80) !== 0) throw hostile('The template archive declares an entry larger than 8 GiB.');
  const text = cstr(buf, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw hostile('The template archive is corrupt (a header field is not octal).');
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum === octal(header, 148, 8);
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(data.subarray(i, space).toString());
    if (!Number.isInteger(len) || len <= 0 || i + len > data.length) throw hostile('The template archive has a corrupt pax header.');
    const record = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Unpacks and validates; throws (nothing returned) when any entry breaks a rule. */
export function untarGz(archive: Buffer): ArchiveFile[] {
  if (archive.length > LIMITS.maxArchiveBytes) throw hostile(`The template archive is larger than ${LIMITS.maxArchiveBytes / 1024 / 1024} MB.`);
  let tar: Buffer;
  try {
    // The cap stops a decompression bomb before it is in memory.
    tar = gunzipSync(archive, { maxOutputLength: LIMITS.maxTotalBytes + LIMITS.maxEntries * 2 * BLOCK });
  } catch (err) {
    const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /buffer|length/i.test((err as Error).message);
    throw hostile(tooBig ? `The template archive unpacks to more than ${LIMITS.maxTotalBytes / 1024 / 1024} MB.` : 'The template archive is not valid gzip.');
  }
  const files: ArchiveFile[] = [];
  const dirs: string[] = [];
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let headers = 0;
  let ended = false;
  for (let off = 0; off + BLOCK <= tar.length; ) {
    const header = tar.subarray(off, off + BLOCK);
    if (header.every((b) => b === 0)) {
      ended = true; // end of archive
      break;
    }
    if (++headers > LIMITS.maxEntries * 3) throw hostile(`The template archive has more than ${LIMITS.maxEntries} entries.`);
    if (!checksumOk(header)) throw hostile('The template archive is corrupt (bad header checksum).');
    const type = String.fromCharCode(header[156]!);
    const size = pax['size'] !== undefined ? Number(pax['size']) : octal(header, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0 || off + BLOCK + size > tar.length) throw hostile('The template archive is truncated.');
    const data = tar.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (type === 'g') continue; // global pax header (git archive writes the commit id here)
    if (type === 'L') {
      longName = cstr(data, 0, data.length);
      continue;
    }
    const ustar = cstr(header, 257, 6).startsWith('ustar');
    const prefix = ustar ? cstr(header, 345, 155) : '';
    const name = pax['path'] ?? longName ?? (prefix ? `${prefix}/${cstr(header, 0, 100)}` : cstr(header, 0, 100));
    pax = {};
    longName = undefined;
    const shown = name.replace(/[\0-\x1f]/g, '?');
    if (type === '1' || type === '2') throw hostile(`The template archive contains a ${type === '2' ? 'symbolic' : 'hard'} link (${shown} -> ${cstr(header, 157, 100)}); templates may only hold regular files.`);
    if (type === '5') {
      dirs.push(name.replace(/\/+$/, ''));
      continue;
    }
    if (type !== '0' && type !== '\0' && type !== '7') throw hostile(`The template archive contains ${shown}, which is not a regular file (type "${type}").`);
    files.push({ path: name.replace(/^\.\//, ''), content: Buffer.from(data), executable: (octal(header, 100, 8) & 0o111) !== 0 });
  }
  // Every tar writer ends with zero blocks; without them the download or the archive was cut short.
  if (!ended) throw hostile('The template archive is truncated.');
  const stripped = stripCommonTop(files, dirs);
  checkTemplateFiles(stripped.map((f) => ({ path: f.path, size: f.content.length })));
  return stripped;
}

/**
 * GitHub/GitLab tarballs wrap everything in `<repo>-<sha>/`, npm's in `package/`: when every file sits
 * under one top directory, that directory is the template. Raw names are checked too, so `../x` cannot
 * hide behind the stripping.
 */
function stripCommonTop(files: ArchiveFile[], dirs: string[]): ArchiveFile[] {
  for (const f of files) {
    if (f.path.startsWith('/') || /^[A-Za-z]:/.test(f.path) || f.path.split('/').includes('..')) checkEntryList([{ path: f.path, size: 0 }]);
  }
  for (const d of dirs) if (d.startsWith('/') || d.split('/').includes('..')) checkEntryList([{ path: d, size: 0 }]);
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  const [top] = tops;
  if (tops.size !== 1 || top === undefined || files.some((f) => f.path === top)) return files;
  return files.map((f) => ({ ...f, path: f.path.slice(top.length + 1) }));
}
