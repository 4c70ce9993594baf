/**
 * Adds keys to block-style YAML as text: a compose file or CI workflow keeps its comments, quoting and
 * folding byte for byte, and the added lines are the fragment's own lines (its comments, quotes and flow
 * sequences), re-indented. Keys the file already has are kept (the starter's value wins); mappings on
 * both sides are merged into. Flow mappings (`{ … }`) are not merged into. Pure, and without a YAML
 * library: the create path stays small (the tests parse every merged file).
 */
import { CliError } from '../errors.js';

const indentOf = (line: string) => line.length - line.trimStart().length;
const isContent = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#');
const KEY = /^("[^"]*"|'[^']*'|[^\s#'"\-?:][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s|$)/;

interface Region {
  /** Lines [start, end) hold the mapping's entries. */
  start: number;
  end: number;
  /** Indentation of its keys. */
  indent: number;
}

interface Entry {
  key: string;
  line: number;
  /** What follows the colon on the key's line (without a trailing comment). */
  inline: string;
  block: Region;
  /** The comment lines directly above the key, which document it. */
  comments: number;
}

const unquote = (k: string) => (/^(".*"|'.*')$/.test(k) ? k.slice(1, -1) : k);

function entries(lines: readonly string[], region: Region): Entry[] {
  const out: Entry[] = [];
  for (let i = region.start; i < region.end; i++) {
    const line = lines[i]!;
    if (!isContent(line) || indentOf(line) !== region.indent) continue;
    const m = KEY.exec(line.trimStart());
    if (!m) continue;
    let end = i + 1;
    while (end < region.end && (!isContent(lines[end]!) || indentOf(lines[end]!) > region.indent)) end++;
    // Trailing blank lines and comments belong to what follows.
    while (end > i + 1 && !isContent(lines[end - 1]!)) end--;
    let comments = 0;
    while (i - comments - 1 >= region.start && lines[i - comments - 1]!.trim().startsWith('#') && indentOf(lines[i - comments - 1]!) === region.indent) comments++;
    const first = lines.slice(i + 1, end).find(isContent);
    const inline = line.trimStart().slice(m[0].length).replace(/(^|\s+)#.*$/, '').trim();
    out.push({ key: unquote(m[1]!.trim()), line: i, inline, block: { start: i + 1, end, indent: first ? indentOf(first) : region.indent + 2 }, comments });
  }
  return out;
}

const isBlockMapping = (lines: readonly string[], e: Entry) => e.inline === '' && !lines.slice(e.block.start, e.block.end).find(isContent)?.trimStart().startsWith('-');

function reindent(lines: readonly string[], by: number): string[] {
  return lines.map((l) => (l.trim() === '' ? '' : by >= 0 ? ' '.repeat(by) + l : l.slice(Math.min(-by, indentOf(l)))));
}

function mergeInto(lines: string[], region: Region, frag: readonly string[], fragRegion: Region, file: string, where: string): void {
  for (const f of entries(frag, fragRegion)) {
    const found = entries(lines, region).find((e) => e.key === f.key);
    if (!found) {
      let at = region.end;
      while (at > region.start && !isContent(lines[at - 1]!)) at--;
      const mine = entries(lines, region);
      // Entries separated by blank lines (compose services) get one before the new entry too.
      const spaced = mine.length > 1 && lines[mine[1]!.line - mine[1]!.comments - 1]?.trim() === '';
      const added = reindent(frag.slice(f.line - f.comments, f.block.end), region.indent - fragRegion.indent);
      const insert = spaced ? ['', ...added] : added;
      lines.splice(at, 0, ...insert);
      region.end += insert.length;
      continue;
    }
    if (!isBlockMapping(frag, f)) continue; // a scalar or sequence the starter set: it wins
    if (found.inline !== '') {
      // An alias, a flow mapping or a scalar cannot take keys: say so rather than drop the feature's.
      const what = found.inline.startsWith('{') ? 'a flow mapping' : found.inline.startsWith('*') ? `an alias (${found.inline})` : 'not a mapping';
      throw new CliError('plan', `${file}: ${where}${f.key} is ${what}; a feature can only add to block mappings.`, {
        hint: found.inline.startsWith('*') ? `Write it as a block mapping that merges the alias: "<<: ${found.inline}".` : 'Write it as a block mapping in the template.',
      });
    }
    const before = lines.length;
    mergeInto(lines, found.block, frag, f.block, file, `${where}${f.key}.`);
    region.end += lines.length - before;
  }
}

function locate(lines: string[], keyPath: readonly string[], file: string): Region {
  let region: Region = { start: 0, end: lines.length, indent: 0 };
  for (const [i, key] of keyPath.entries()) {
    const found = entries(lines, region).find((e) => e.key === key);
    const at = keyPath.slice(0, i + 1).join('.');
    if (!found) throw new CliError('plan', `${file} has no ${at} to add to.`, { hint: 'The template and the feature do not fit; nothing was written.' });
    if (!isBlockMapping(lines, found)) throw new CliError('plan', `${file}: ${at} is not a block mapping; a feature can only add to block mappings.`);
    region = found.block;
  }
  return region;
}

/** The mapping at `fragmentPath` of the YAML text `fragment`, merged into the one at `keyPath` of `text`. */
export function mergeYaml(text: string, keyPath: readonly string[], fragment: { text: string; path: readonly string[]; name: string }, file: string): string {
  const lines = text.split('\n');
  const frag = fragment.text.split('\n');
  mergeInto(lines, locate(lines, keyPath, file), frag, locate(frag, fragment.path, fragment.name), file, keyPath.length ? `${keyPath.join('.')}.` : '');
  return lines.join('\n');
}

/** The top-level keys of a fragment, for checking what it holds. */
export function topLevelKeys(text: string): string[] {
  const lines = text.split('\n');
  return entries(lines, { start: 0, end: lines.length, indent: 0 }).map((e) => e.key);
}
