/**
 * Slot contributions: lines a layer or feature adds to a named slot of another file, instead of replacing
 * it. A slot is a comment line reading `slot: <name>` (after `//`, `#` or `<!--`); lines go just above it,
 * indented like it, and the marker stays for the next contribution. `, sorted` after the name adds them
 * to the block of lines above the marker (across blank lines) and keeps it sorted (Python imports). The
 * slot `end` appends to the file. Pure.
 */
import { CliError } from '../errors.js';

export interface SlotContribution {
  /** Output path of the file it adds to. */
  target: string;
  slot: string;
  text: string;
  /** Where it came from, for messages: "feature redis" or "template hybrid". */
  from: string;
}

const MARKER = /^(\s*)(?:\/\/|#|<!--)\s*slot:\s*([a-z][a-z0-9-]*)(,\s*sorted\b)?/;

export function slotMarkers(text: string): { line: number; name: string; indent: string; sorted: boolean }[] {
  return text.split('\n').flatMap((l, line) => {
    const m = MARKER.exec(l);
    return m ? [{ line, name: m[2]!, indent: m[1]!, sorted: m[3] !== undefined }] : [];
  });
}

/** The file's lines without its final line break; blank lines it ends with are kept (a README section's). */
function contributionLines(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

/** `text` with one contribution applied; throws if the slot is not there. */
export function applySlot(text: string, c: SlotContribution): string {
  const added = contributionLines(c.text);
  if (c.slot === 'end') {
    if (added.length === 0) return text;
    return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${added.join('\n')}\n`;
  }
  const markers = slotMarkers(text).filter((m) => m.name === c.slot);
  if (markers.length !== 1) {
    throw new CliError('plan', `${c.from} adds to the slot "${c.slot}" of ${c.target}, which ${markers.length ? 'has it more than once' : 'has no such slot'}.`, {
      hint: markers.length ? 'Keep one marker per slot name in the file.' : `Slots there: ${slotMarkers(text).map((m) => m.name).join(', ') || 'none'} (and "end"). The template and the feature do not fit; nothing was written.`,
    });
  }
  const { line, indent, sorted } = markers[0]!;
  const lines = text.split('\n');
  const indented = added.map((l) => (l.trim() === '' ? '' : indent + l));
  if (!sorted) {
    lines.splice(line, 0, ...indented);
    return lines.join('\n');
  }
  // A sorted slot's lines join the block just above it, across the blank lines between (isort
  // wants one between the imports and a comment), and the block is kept sorted.
  let end = line;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  let top = end;
  while (top > 0 && lines[top - 1]!.trim() !== '') top--;
  const block = [...lines.slice(top, end), ...indented.filter((l) => l !== '')].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  lines.splice(top, end - top, ...block);
  return lines.join('\n');
}

export function missingTarget(c: SlotContribution): CliError {
  return new CliError('plan', `${c.from} adds to the slot "${c.slot}" of ${c.target}, but the project has no ${c.target}.`, {
    hint: 'The template and the feature do not fit; nothing was written.',
  });
}
