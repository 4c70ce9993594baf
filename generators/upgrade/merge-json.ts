/**
 * package.json merged by key: a dependency the template bumps is bumped unless the user changed that same
 * key; dependencies and scripts the user added stay; key order follows the user's file. Written back in
 * the user's indentation, line endings and final newline. Returns undefined when the files do not parse
 * or the same key was changed differently on both sides: the caller then merges by line, which marks
 * the conflict where the user can see it.
 */
import { decodeText, encodeText } from './merge-text.js';
import { deepEqual, merge3Value, ValueConflict } from './merge-value.js';

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function detectIndent(text: string): string | number {
  const m = /^[{[][^\n]*\n([ \t]+)\S/.exec(text);
  if (!m) return 2;
  const ws = m[1]!;
  return ws.includes('\t') ? '\t' : ws.length;
}

export function mergeJson(base: Buffer | undefined, ours: Buffer, theirs: Buffer): Buffer | undefined {
  const o = decodeText(ours);
  const b = base === undefined ? undefined : parse(decodeText(base).text);
  const ov = parse(o.text);
  const tv = parse(decodeText(theirs).text);
  if (ov === undefined || tv === undefined || (base !== undefined && b === undefined)) return undefined;
  let merged: unknown;
  try {
    merged = merge3Value(b, ov, tv);
  } catch (err) {
    if (err instanceof ValueConflict) return undefined;
    throw err;
  }
  if (deepEqual(merged, ov)) return ours;
  const text = JSON.stringify(merged, null, detectIndent(o.text)) + (o.text.endsWith('\n') ? '\n' : '');
  return encodeText(text, o);
}
