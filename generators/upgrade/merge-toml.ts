/**
 * pyproject.toml: dependency arrays ([project] dependencies, [project.optional-dependencies],
 * [dependency-groups], [tool.uv] dev-dependencies) are merged by package name: the template's bump of a
 * package applies unless the user changed that same package; packages the user added stay. The rest of
 * the file (one key per line in practice) is merged by line, so comments and layout stay the user's.
 *
 * How: each dependency array is swapped for one identical placeholder line in all three versions, the
 * text is merged, and the placeholder is replaced by the merged array (written in the user's layout).
 * All three versions must parse (smol-toml) and so must the result; otherwise the caller merges by line.
 */
import { parse } from 'smol-toml';
import { decodeText, encodeText, mergeStrings, type ConflictLabels, type TextMergeResult } from './merge-text.js';
import { deepEqual, merge3Value, ValueConflict } from './merge-value.js';
import { splitLines } from './diff.js';
import { findArrays, formatArray, requirementName, valueAt, type Region } from '../toml/dependency-arrays.js';

const placeholder = (key: string) => `#@polyglot-upgrade-merge ${key}@#\n`;

export function mergeToml(base: Buffer | undefined, ours: Buffer, theirs: Buffer, labels: ConflictLabels): TextMergeResult | undefined {
  const o = decodeText(ours);
  const b = base === undefined ? '' : decodeText(base).text;
  const t = decodeText(theirs).text;
  let data: [unknown, unknown, unknown];
  try {
    data = [parse(b), parse(o.text), parse(t)];
  } catch {
    return undefined;
  }
  const lines = [splitLines(b), splitLines(o.text), splitLines(t)] as const;
  const regions = lines.map(findArrays);
  if (!regions[0] || !regions[1] || !regions[2]) return undefined;
  const [rb, ro, rt] = regions as [Map<string, Region>, Map<string, Region>, Map<string, Region>];

  const replaced: { key: string; text: string }[] = [];
  const swap = [[...lines[0]], [...lines[1]], [...lines[2]]];
  // Right to left, so earlier regions keep their line numbers.
  const keys = [...ro.keys()].filter((k) => rt.has(k) && (base === undefined || rb.has(k)));
  for (const key of keys) {
    const lb = base === undefined ? [] : valueAt(data[0], key);
    const lo = valueAt(data[1], key);
    const lt = valueAt(data[2], key);
    if (!lb || !lo || !lt) continue;
    let merged: string[];
    try {
      merged = merge3Value(lb, lo, lt, [key], () => requirementName) as string[];
    } catch (err) {
      if (err instanceof ValueConflict) return undefined;
      throw err;
    }
    const oursRegion = ro.get(key)!;
    const theirsRegion = rt.get(key)!;
    const oursLines = lines[1].slice(oursRegion.start, oursRegion.end + 1);
    const theirsLines = lines[2].slice(theirsRegion.start, theirsRegion.end + 1);
    const text = deepEqual(merged, lo) ? oursLines.join('') : deepEqual(merged, lt) ? theirsLines.join('') : formatArray(key, merged, oursLines, theirsLines);
    replaced.push({ key, text: text.endsWith('\n') ? text : `${text}\n` });
  }
  for (const [i, map] of [rb, ro, rt].entries()) {
    if (i === 0 && base === undefined) continue;
    const regionsDesc = replaced.map((r) => map.get(r.key)!).sort((x, y) => y.start - x.start);
    for (const r of regionsDesc) swap[i]!.splice(r.start, r.end - r.start + 1, placeholder(r.key));
  }
  const merged = mergeStrings(swap[0]!.join(''), swap[1]!.join(''), swap[2]!.join(''), labels);
  let text = merged.text;
  for (const r of replaced) {
    const parts = text.split(placeholder(r.key));
    if (parts.length !== 2) return undefined;
    text = parts.join(r.text);
  }
  if (merged.conflicts === 0) {
    try {
      parse(text);
    } catch {
      return undefined;
    }
  }
  return { content: encodeText(text, o), conflicts: merged.conflicts };
}
