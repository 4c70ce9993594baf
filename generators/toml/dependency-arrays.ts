/**
 * The dependency arrays of a pyproject.toml ([project] dependencies, [project.optional-dependencies],
 * [dependency-groups], [tool.uv] dev-dependencies): where they are in the text, and how to write one back
 * in the file's own layout. Shared by overlays at generation time and by the upgrade merge.
 */
import { parse } from 'smol-toml';

export interface Region {
  key: string;
  /** First and last line (inclusive) of `key = [ … ]`. */
  start: number;
  end: number;
}

export function isDependencyArray(table: string, key: string): boolean {
  return (
    (table === 'project' && key === 'dependencies') ||
    table === 'project.optional-dependencies' ||
    table === 'dependency-groups' ||
    (table === 'tool.uv' && key === 'dev-dependencies')
  );
}

/** The line where the array opened at (line, col) closes, skipping strings and comments; -1 if none. */
function closingLine(lines: readonly string[], line: number, col: number): number {
  let depth = 0;
  for (let i = line; i < lines.length; i++) {
    const text = lines[i]!;
    for (let c = i === line ? col : 0; c < text.length; c++) {
      const ch = text[c];
      if (ch === '#') break;
      if (ch === '"' || ch === "'") {
        for (c++; c < text.length && text[c] !== ch; c++) if (ch === '"' && text[c] === '\\') c++;
      } else if (ch === '[') depth++;
      else if (ch === ']' && --depth === 0) return i;
    }
  }
  return -1;
}

export function findArrays(lines: readonly string[]): Map<string, Region> | undefined {
  const out = new Map<string, Region>();
  let table = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*\[\[/.test(line)) {
      table = '[[array of tables]]';
      continue;
    }
    const header = /^\s*\[([^[\]]+)\]\s*(#.*)?$/.exec(line);
    if (header) {
      table = header[1]!
        .split('.')
        .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
        .join('.');
      continue;
    }
    const kv = /^\s*("?)([A-Za-z0-9_-]+)\1\s*=\s*\[/.exec(line);
    if (!kv || !isDependencyArray(table, kv[2]!)) continue;
    const end = closingLine(lines, i, kv[0].length - 1);
    if (end < 0) return undefined;
    out.set(`${table}.${kv[2]!}`, { key: `${table}.${kv[2]!}`, start: i, end });
    i = end;
  }
  return out;
}

export function valueAt(data: unknown, key: string): string[] | undefined {
  let v: unknown = data;
  // Table names are split on dots; the last segment is the key.
  for (const part of key.split('.')) v = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

/** PEP 503-normalised distribution name of a PEP 508 requirement. */
export function requirementName(item: unknown): string | undefined {
  if (typeof item !== 'string') return undefined;
  const m = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(item);
  return m ? m[1]!.toLowerCase().replace(/[-_.]+/g, '-') : undefined;
}

const ENTRY = /^(\s*)("(?:[^"\\]|\\.)*"|'[^']*')\s*(,?)\s*(#.*)?$/;

export interface ArrayLayout {
  header: string;
  closing: string;
  indent: string;
  /** value -> its line; comment lines that stood before it. */
  entries: Map<string, { line: string; before: string[] }>;
  trailing: string[];
}

export function layoutOf(lines: readonly string[]): ArrayLayout | undefined {
  if (lines.length < 2) return undefined;
  const header = lines[0]!;
  const closing = lines[lines.length - 1]!;
  if (!/\[\s*(#.*)?$/.test(header.trimEnd()) || !/^\s*\]/.test(closing)) return undefined;
  const entries = new Map<string, { line: string; before: string[] }>();
  let pending: string[] = [];
  let indent: string | undefined;
  for (const line of lines.slice(1, -1)) {
    if (/^\s*(#.*)?$/.test(line.replace(/\n$/, ''))) {
      pending.push(line);
      continue;
    }
    const m = ENTRY.exec(line.replace(/\n$/, ''));
    if (!m) return undefined;
    const value = (parse(`v = ${m[2]!}`) as { v: string }).v;
    indent ??= m[1]!;
    const withComma = m[3] ? line : `${m[1]!}${m[2]!},${m[4] ? ` ${m[4]}` : ''}\n`;
    entries.set(value, { line: withComma.endsWith('\n') ? withComma : `${withComma}\n`, before: pending });
    pending = [];
  }
  return { header, closing, indent: indent ?? '    ', entries, trailing: pending };
}

export function formatArray(key: string, merged: string[], oursLines: readonly string[], theirsLines: readonly string[]): string {
  const mine = layoutOf(oursLines);
  const name = key.slice(key.lastIndexOf('.') + 1);
  if (!mine) {
    const lead = oursLines[0]?.slice(0, oursLines[0].indexOf('[')) ?? `${name} = `;
    return `${lead}[${merged.map((v) => JSON.stringify(v)).join(', ')}]\n`;
  }
  const theirs = layoutOf(theirsLines);
  let out = mine.header;
  for (const value of merged) {
    const own = mine.entries.get(value);
    if (own) {
      out += own.before.join('') + own.line;
      continue;
    }
    const t = theirs?.entries.get(value);
    out += t ? t.before.map((c) => c.replace(/^\s*/, mine.indent)).join('') + t.line.replace(/^\s*/, mine.indent) : `${mine.indent}${JSON.stringify(value)},\n`;
  }
  return out + mine.trailing.join('') + mine.closing;
}
