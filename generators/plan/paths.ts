/**
 * Template path -> project path, and the rules every planned path must follow. Pure.
 *
 * A path segment starting with "dot_" starts with "." in the output ("dot_gitignore" -> ".gitignore";
 * npm publish drops or renames some real dotfiles). The prefix is chezmoi's convention and, unlike a bare
 * "_", leaves Python's "__init__.py" and "_private.py" alone. A ".ejs" suffix is rendered and dropped.
 * A file whose name holds "@" ("features.ts@imports") is not a file of its own but lines for a slot of
 * another file (plan/slots.ts).
 */
import { CliError } from '../errors.js';

export function outputPath(templatePath: string): string {
  const segments = templatePath.split('/').map((seg) => (seg.startsWith('dot_') ? `.${seg.slice('dot_'.length)}` : seg));
  const joined = segments.join('/');
  const out = joined.endsWith('.ejs') ? joined.slice(0, -'.ejs'.length) : joined;
  assertSafeRelativePath(out);
  return out;
}

/** A planned path must stay inside the project: relative, no "..", no empty or NUL segments. */
export function assertSafeRelativePath(p: string): void {
  const segments = p.split(/[\\/]/);
  const bad =
    p === '' ||
    p.startsWith('/') ||
    /^[a-zA-Z]:/.test(p) ||
    p.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    // Any .git, not only the top one: a nested .git/config (core.fsmonitor, hooks) runs commands.
    segments.some((s) => s.toLowerCase() === '.git');
  if (bad) {
    throw new CliError('plan', `The template tries to write outside the project or into a .git directory: "${p}".`, {
      hint: 'The template is broken or hostile; nothing was written.',
    });
  }
}

/** "src/features.ts@imports" -> the file it contributes to and the slot; undefined for an ordinary file. */
export function slotContribution(out: string): { target: string; slot: string } | undefined {
  const slash = out.lastIndexOf('/');
  const base = out.slice(slash + 1);
  const at = base.lastIndexOf('@');
  if (at <= 0) return undefined;
  const slot = base.slice(at + 1);
  if (!/^[a-z][a-z0-9-]*$/.test(slot)) {
    throw new CliError('plan', `${out}: "${slot}" is not a slot name (lowercase letters, digits and hyphens).`, { hint: 'The template or feature is broken; nothing was written.' });
  }
  return { target: out.slice(0, slash + 1) + base.slice(0, at), slot };
}
