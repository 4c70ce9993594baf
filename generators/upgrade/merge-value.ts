/**
 * Three-way merge of parsed data (JSON, YAML, TOML values) by key. Pure. A key changed by one side takes
 * that side's value; changed by both, maps are merged key by key and anything else is a conflict. Key order
 * follows the user's file, with keys the template added placed after the key they follow in the template.
 * Sequences are values, unless `identify` says how to tell their items apart (workflow steps by name).
 */

export type Path = readonly (string | number)[];

export class ValueConflict extends Error {
  constructor(readonly path: Path) {
    super(`both sides changed ${path.join('.') || '(root)'}`);
  }
}

/** For a sequence at `path`, how to identify its items; undefined: merge it as a single value. */
export type Identify = (path: Path) => ((item: unknown) => string | undefined) | undefined;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    // Key order is part of the value here: a reordered package.json is a change worth keeping.
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && deepEqual(a[k], b[k]));
  }
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  return false;
}

const own = (o: Record<string, unknown> | undefined, k: string): unknown => (o !== undefined && Object.hasOwn(o, k) ? o[k] : undefined);

/** Keyed entries -> merged keyed entries (shared by maps and identified sequences). */
function mergeEntries(
  base: Map<string, unknown> | undefined,
  ours: Map<string, unknown>,
  theirs: Map<string, unknown>,
  path: Path,
  identify: Identify | undefined,
): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, ov] of ours) {
    const v = merge3Value(base?.get(k), ov, theirs.get(k), [...path, k], identify);
    if (v !== undefined) out.push([k, v]);
  }
  let anchor = -1;
  for (const [k, tv] of theirs) {
    const at = out.findIndex(([key]) => key === k);
    if (at >= 0) {
      anchor = at;
      continue;
    }
    if (ours.has(k)) continue; // merged away above (both deleted or deleted by template)
    // Absent on our side: deleted by the user (base has it) or added by the template.
    const v = merge3Value(base?.get(k), undefined, tv, [...path, k], identify);
    if (v === undefined) continue;
    out.splice(anchor + 1, 0, [k, v]);
    anchor++;
  }
  return out;
}

function entriesOf(o: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.keys(o).map((k) => [k, own(o, k)]));
}

function identified(items: unknown[], id: (item: unknown) => string | undefined): Map<string, unknown> | undefined {
  const map = new Map<string, unknown>();
  for (const item of items) {
    const key = id(item);
    if (key === undefined || map.has(key)) return undefined;
    map.set(key, item);
  }
  return map;
}

/** Returns the merged value (undefined: absent) or throws ValueConflict. */
export function merge3Value(base: unknown, ours: unknown, theirs: unknown, path: Path = [], identify?: Identify): unknown {
  if (deepEqual(ours, base)) return theirs;
  if (deepEqual(theirs, base)) return ours;
  if (deepEqual(ours, theirs)) return ours;
  if (isPlainObject(ours) && isPlainObject(theirs) && (base === undefined || isPlainObject(base))) {
    const merged = mergeEntries(base === undefined ? undefined : entriesOf(base), entriesOf(ours), entriesOf(theirs), path, identify);
    return Object.fromEntries(merged);
  }
  if (Array.isArray(ours) && Array.isArray(theirs) && (base === undefined || Array.isArray(base))) {
    const id = identify?.(path);
    if (id) {
      const b = base === undefined ? new Map<string, unknown>() : identified(base as unknown[], id);
      const o = identified(ours, id);
      const t = identified(theirs, id);
      if (b && o && t) return mergeEntries(b, o, t, path, identify).map(([, v]) => v);
    }
  }
  throw new ValueConflict(path);
}
