/** Semantic-version ordering (major.minor.patch[-prerelease]) and the renames a version range declares. */
import type { TemplateMigration } from '../templates/template-meta.js';

function parts(v: string): { nums: number[]; pre: string[] } {
  const [core = '', pre] = v.split(/-(.*)/s, 2);
  return { nums: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre: pre ? pre.split('.') : [] };
}

/** <0, 0, >0 like a comparator. A prerelease sorts before its release (1.0.0-rc.1 < 1.0.0). */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < 3; i++) {
    const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (pa.pre.length === 0 || pb.pre.length === 0) return pa.pre.length === pb.pre.length ? 0 : pa.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(pa.pre.length, pb.pre.length); i++) {
    const x = pa.pre[i];
    const y = pb.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Math.sign(Number(x) - Number(y));
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Renames declared by the versions after `from` up to and including `to`, composed in version order:
 * a -> b in 1.1.0 and b -> c in 1.2.0 give a -> c.
 */
export function renamesBetween(migrations: readonly TemplateMigration[], from: string, to: string): Map<string, string> {
  const steps = migrations
    .filter((m) => compareVersions(m.version, from) > 0 && compareVersions(m.version, to) <= 0)
    .sort((a, b) => compareVersions(a.version, b.version));
  const out = new Map<string, string>();
  for (const step of steps) {
    for (const [oldPath, newPath] of Object.entries(step.renames)) {
      let chained = false;
      for (const [origin, current] of out) {
        if (current === oldPath) {
          out.set(origin, newPath);
          chained = true;
        }
      }
      if (!chained && !out.has(oldPath)) out.set(oldPath, newPath);
    }
  }
  for (const [a, b] of out) if (a === b) out.delete(a);
  return out;
}
