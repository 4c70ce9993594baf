/**
 * Line-level three-way merge of text files. Line endings are normalised to LF for the merge and the
 * user's style is restored afterwards (CRLF if the user's file mostly used it), so a CRLF file never gains
 * "\r\r\n". A UTF-8 byte order mark on the user's file is kept. Overlapping changes become git-style
 * conflict markers (diff3 style, with the base section).
 */
import { isUtf8 } from 'node:buffer';
import { merge3, splitLines, type MergeChunk } from './diff.js';

export interface TextMergeResult {
  content: Buffer;
  conflicts: number;
}

export interface ConflictLabels {
  ours: string;
  base: string;
  theirs: string;
}

const BOM = '\uFEFF';

/** Binary: a NUL byte in the first 8000 bytes (git's test), or not valid UTF-8. */
export function isBinary(data: Buffer): boolean {
  return data.subarray(0, 8000).includes(0) || !isUtf8(data);
}

export function usesCrlf(text: string): boolean {
  const crlf = text.split('\r\n').length - 1;
  if (crlf === 0) return false;
  const lf = text.split('\n').length - 1 - crlf;
  return crlf >= lf;
}

export interface DecodedText {
  /** LF-normalised, without BOM. */
  text: string;
  crlf: boolean;
  bom: boolean;
}

export function decodeText(data: Buffer): DecodedText {
  let text = data.toString('utf8');
  const bom = text.startsWith(BOM);
  if (bom) text = text.slice(1);
  const crlf = usesCrlf(text);
  return { text: text.replace(/\r\n/g, '\n'), crlf, bom };
}

/** Back to bytes in the user's style: LF -> CRLF when they used CRLF (LF-only input, so never \r\r\n). */
export function encodeText(text: string, style: { crlf: boolean; bom: boolean }): Buffer {
  const body = style.crlf ? text.replace(/\r?\n/g, '\r\n') : text;
  return Buffer.from(style.bom ? BOM + body : body, 'utf8');
}

export function renderChunks(chunks: readonly MergeChunk[], labels: ConflictLabels): { text: string; conflicts: number } {
  let out = '';
  let conflicts = 0;
  const block = (lines: readonly string[]) => {
    const s = lines.join('');
    return s === '' || s.endsWith('\n') ? s : `${s}\n`;
  };
  for (const c of chunks) {
    if (c.kind === 'ok') {
      out += c.lines.join('');
      continue;
    }
    conflicts++;
    if (out !== '' && !out.endsWith('\n')) out += '\n';
    out += `<<<<<<< ${labels.ours}\n${block(c.ours)}||||||| ${labels.base}\n${block(c.base)}=======\n${block(c.theirs)}>>>>>>> ${labels.theirs}\n`;
  }
  return { text: out, conflicts };
}

/** Three-way merges LF-normalised text. */
export function mergeStrings(base: string, ours: string, theirs: string, labels: ConflictLabels): { text: string; conflicts: number } {
  return renderChunks(merge3(splitLines(base), splitLines(ours), splitLines(theirs)), labels);
}

/** `base` undefined: both sides added the file (an add/add merge against an empty base). */
export function mergeText(base: Buffer | undefined, ours: Buffer, theirs: Buffer, labels: ConflictLabels): TextMergeResult {
  const o = decodeText(ours);
  const b = base ? decodeText(base).text : '';
  const t = decodeText(theirs).text;
  const merged = mergeStrings(b, o.text, t, labels);
  return { content: encodeText(merged.text, o), conflicts: merged.conflicts };
}
