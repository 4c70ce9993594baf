/**
 * Adds keys to block-style YAML without re-printing it: a compose file or CI workflow keeps its comments,
 * quoting and folding byte for byte, and only the added lines are new. Keys the file already has are kept
 * (the starter's value wins); mappings present on both sides are merged into. Flow mappings (`{ … }`) are
 * not merged into: that is refused with the file's name. Pure.
 */
import { parse, stringify } from 'yaml';
import { CliError } from '../errors.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const indentOf = (line: string) => line.length - line.trimStart().length;
const isContent = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#');

interface Region {
  /** Lines [start, end) hold the mapping's entries. */
  start: number;
  end: number;
  /** Indentation of its keys. */
  indent: number;
}

function keyPattern(key: string): RegExp {
  const k = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^(?:${k}|"${k}"|'${k}')\\s*:(?:\\s|$)`);
}

/** The entry `key` of the mapping in `region`: its line and the region of its value's block. */
function findKey(lines: string[], region: Region, key: string): { line: number; inline: string; block: Region } | undefined {
  const re = keyPattern(key);
  for (let i = region.start; i < region.end; i++) {
    const line = lines[i]!;
    if (!isContent(line) || indentOf(line) !== region.indent || !re.test(line.trimStart())) continue;
    let end = i + 1;
    while (end < region.end && (!isContent(lines[end]!) || indentOf(lines[end]!) > region.indent)) end++;
    // Trailing blank lines and comments belong to what follows.
    while (end > i + 1 && !isContent(lines[end - 1]!)) end--;
    const first = lines.slice(i + 1, end).find(isContent);
    const inline = line.trimStart().replace(re, '').replace(/\s+#.*$/, '').trim();
    return { line: i, inline, block: { start: i + 1, end, indent: first ? indentOf(first) : region.indent + 2 } };
  }
  return undefined;
}

function render(key: string, value: unknown, indent: number, unit: number): string[] {
  const text = stringify({ [key]: value }, { indent: unit, lineWidth: 0, flowCollectionPadding: false });
  return text.replace(/\n$/, '').split('\n').map((l) => (l === '' ? l : ' '.repeat(indent) + l));
}

function mergeInto(lines: string[], region: Region, fragment: Json, file: string, where: string, unit: number): void {
  for (const [key, value] of Object.entries(fragment)) {
    const found = findKey(lines, region, key);
    if (!found) {
      // Entries separated by blank lines (compose services) get one before the new entry too.
      let at = region.end;
      while (at > region.start && !isContent(lines[at - 1]!)) at--;
      const spaced = isObject(value) && lines.slice(region.start, at).some((l, i, all) => l.trim() === '' && i + 1 < all.length && indentOf(all[i + 1]!) === region.indent);
      const added = render(key, value, region.indent, unit);
      lines.splice(at, 0, ...(spaced ? ['', ...added] : added));
      region.end += added.length + (spaced ? 1 : 0);
      continue;
    }
    if (!isObject(value)) continue;
    if (found.inline !== '') {
      if (found.inline === '{}' || found.inline.startsWith('{')) {
        throw new CliError('plan', `${file}: ${where}${key} is a flow mapping; a feature can only add to block mappings.`, { hint: 'Write it as a block mapping in the template.' });
      }
      continue; // a scalar or sequence the starter set: it wins
    }
    const before = lines.length;
    mergeInto(lines, found.block, value, file, `${where}${key}.`, unit);
    region.end += lines.length - before;
  }
}

/** `fragment` merged into the mapping at `keyPath` ([] = the document) of `text`. */
export function mergeYaml(text: string, keyPath: readonly string[], fragment: Json, file: string): string {
  const lines = text.split('\n');
  const unit = detectIndentUnit(lines);
  let region: Region = { start: 0, end: lines.length, indent: 0 };
  for (const [i, key] of keyPath.entries()) {
    const found = findKey(lines, region, key);
    if (!found) throw new CliError('plan', `${file} has no ${keyPath.slice(0, i + 1).join('.')} to add to.`, { hint: 'The template and the feature do not fit; nothing was written.' });
    if (found.inline !== '') throw new CliError('plan', `${file}: ${keyPath.slice(0, i + 1).join('.')} is not a block mapping; a feature can only add to block mappings.`);
    region = found.block;
  }
  mergeInto(lines, region, fragment, file, keyPath.length ? `${keyPath.join('.')}.` : '', unit);
  const out = lines.join('\n');
  try {
    parse(out);
  } catch (err) {
    throw new CliError('plan', `Merging into ${file} made invalid YAML (${(err as Error).message.split('\n')[0]}).`, { hint: 'This is a bug in the merge or the template; nothing was written.' });
  }
  return out;
}

function detectIndentUnit(lines: string[]): number {
  const indents = lines.filter(isContent).map(indentOf).filter((n) => n > 0);
  return indents.length ? Math.min(...indents) : 2;
}
