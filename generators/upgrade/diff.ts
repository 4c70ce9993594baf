/**
 * Line diff (Myers' O(ND) algorithm) and a diff3 merge on top of it. Pure; works on arrays of strings
 * compared exactly. Used by merge-text.ts and by the structured merges when they fall back to lines.
 */

/** A changed region: base[oStart, oEnd) became side[sStart, sEnd). Half-open; an insertion has oStart === oEnd. */
export interface Hunk {
  oStart: number;
  oEnd: number;
  sStart: number;
  sEnd: number;
}

/** Beyond this many edits Myers' trace gets large; the middle is then treated as one replaced block. */
const MAX_EDIT_DISTANCE = 2000;

function intern(lines: readonly string[], table: Map<string, number>): Int32Array {
  const out = new Int32Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let id = table.get(line);
    if (id === undefined) {
      id = table.size;
      table.set(line, id);
    }
    out[i] = id;
  }
  return out;
}

/** Matched index pairs (i in a, j in b) of a shortest edit script, ascending. */
function myersMatches(a: Int32Array, b: Int32Array, aOff: number, bOff: number): [number, number][] | undefined {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    if (d > MAX_EDIT_DISTANCE) return undefined;
    // The state after d-1 steps, k in [-d, d]: all that backtracking from step d can read.
    trace.push(v.slice(off - d, off + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  const matches: [number, number][] = [];
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const prev = trace[d]!;
    const at = (k: number) => prev[k + d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      matches.push([x + aOff, y + bOff]);
    }
    if (d > 0) {
      x = prevX;
      y = prevY;
    }
  }
  return matches.reverse();
}

/** Hunks that turn `base` into `side`. */
export function diffLines(base: readonly string[], side: readonly string[]): Hunk[] {
  const table = new Map<string, number>();
  const a = intern(base, table);
  const b = intern(side, table);
  // Common prefix and suffix cost nothing and keep Myers' search small.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const midA = a.subarray(pre, a.length - suf);
  const midB = b.subarray(pre, b.length - suf);
  const inner = myersMatches(midA, midB, pre, pre);
  const matches: [number, number][] = [];
  for (let i = 0; i < pre; i++) matches.push([i, i]);
  if (inner) matches.push(...inner);
  for (let i = suf; i > 0; i--) matches.push([a.length - i, b.length - i]);

  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  for (const [mi, mj] of [...matches, [a.length, b.length] as [number, number]]) {
    if (mi > i || mj > j) hunks.push({ oStart: i, oEnd: mi, sStart: j, sEnd: mj });
    i = mi + 1;
    j = mj + 1;
  }
  return hunks;
}

export type MergeChunk =
  | { kind: 'ok'; lines: string[] }
  | { kind: 'conflict'; ours: string[]; base: string[]; theirs: string[] };

/**
 * diff3: changes of each side relative to base, grouped into regions where they overlap or touch (as
 * git does: changes on adjacent lines conflict). A region changed by one side takes that side; changed
 * identically by both takes either; otherwise it is a conflict, trimmed to the lines the sides disagree on.
 */
export function merge3(base: readonly string[], ours: readonly string[], theirs: readonly string[]): MergeChunk[] {
  const tagged = [
    ...diffLines(base, ours).map((h) => ({ ...h, side: 0 as const })),
    ...diffLines(base, theirs).map((h) => ({ ...h, side: 1 as const })),
  ].sort((p, q) => p.oStart - q.oStart || p.oEnd - q.oEnd || p.side - q.side);

  const chunks: MergeChunk[] = [];
  const ok = (lines: readonly string[]) => {
    if (lines.length === 0) return;
    const last = chunks[chunks.length - 1];
    if (last?.kind === 'ok') last.lines.push(...lines);
    else chunks.push({ kind: 'ok', lines: [...lines] });
  };

  let pos = 0;
  let i = 0;
  while (i < tagged.length) {
    const first = tagged[i]!;
    const lo = first.oStart;
    let hi = first.oEnd;
    const group = [first];
    i++;
    while (i < tagged.length && tagged[i]!.oStart <= hi) {
      const h = tagged[i]!;
      // Two pure insertions at the same point by the same side cannot happen; different sides join.
      hi = Math.max(hi, h.oEnd);
      group.push(h);
      i++;
    }
    ok(base.slice(pos, lo));
    const sideLines = (side: 0 | 1, lines: readonly string[]): string[] | undefined => {
      const hs = group.filter((h) => h.side === side);
      if (hs.length === 0) return undefined;
      const f = hs[0]!;
      const l = hs[hs.length - 1]!;
      return lines.slice(f.sStart - (f.oStart - lo), l.sEnd + (hi - l.oEnd));
    };
    const o = sideLines(0, ours);
    const t = sideLines(1, theirs);
    const b = base.slice(lo, hi);
    if (o === undefined) ok(t ?? b);
    else if (t === undefined) ok(o);
    else if (sameLines(o, t)) ok(o);
    else {
      let pre = 0;
      while (pre < o.length && pre < t.length && o[pre] === t[pre]) pre++;
      let suf = 0;
      while (suf < o.length - pre && suf < t.length - pre && o[o.length - 1 - suf] === t[t.length - 1 - suf]) suf++;
      ok(o.slice(0, pre));
      chunks.push({ kind: 'conflict', ours: o.slice(pre, o.length - suf), base: b, theirs: t.slice(pre, t.length - suf) });
      ok(o.slice(o.length - suf));
    }
    pos = hi;
  }
  ok(base.slice(pos));
  return chunks;
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/** Splits text into lines that keep their "\n"; the last line may lack one. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((l) => `${l}\n`);
  const last = lines.pop()!;
  if (last !== '\n') lines.push(last.slice(0, -1));
  return lines;
}
