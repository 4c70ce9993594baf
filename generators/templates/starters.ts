/**
 * The starters a run can pick by id, found on disk: every `<id>/template.json` in the built-in templates
 * directory and in `--templates <dir>`, whose ids override the built-in ones and may add new ones. This is
 * the only list of starter ids; flags, prompts, --help, `extends` and layers all take it from here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { TEMPLATES_DIR } from '../package-root.js';

export interface Starter {
  id: string;
  /** template.json's description (shown as the prompt's hint and in --help). */
  description: string;
  /** The directory holding its template.json. */
  dir: string;
  origin: 'builtin' | 'local';
}

export interface StarterDirs {
  /** The built-in templates directory (tests point it at fixtures). */
  builtinDir?: string;
  /** --templates <dir>. */
  localDir?: string;
}

/** The starter preselected when nothing chooses one, if it is there. */
export const PREFERRED_STARTER = 'express';

function idsIn(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('_') && existsSync(path.join(root, d.name, 'template.json')))
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/** For display only: a template.json that does not parse is reported by the loader when it is chosen. */
function descriptionOf(dir: string): string {
  try {
    const meta = JSON.parse(readFileSync(path.join(dir, 'template.json'), 'utf8')) as { description?: unknown };
    return typeof meta.description === 'string' ? meta.description : '';
  } catch {
    return '';
  }
}

/** Sorted by id; a --templates starter replaces the built-in one of the same id. */
export function discoverStarters(dirs: StarterDirs = {}): Starter[] {
  const byId = new Map<string, Starter>();
  const add = (root: string, origin: Starter['origin']) => {
    for (const id of idsIn(root)) byId.set(id, { id, dir: path.join(root, id), origin, description: descriptionOf(path.join(root, id)) });
  };
  add(dirs.builtinDir ?? TEMPLATES_DIR, 'builtin');
  if (dirs.localDir !== undefined) add(dirs.localDir, 'local');
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function defaultStarter(starters: readonly Starter[]): string | undefined {
  return starters.some((s) => s.id === PREFERRED_STARTER) ? PREFERRED_STARTER : starters[0]?.id;
}

/** The starter `id`; `wantedBy` names the template that extends or layers it, for the message. */
export function findStarter(starters: readonly Starter[], id: string, wantedBy?: string): Starter {
  const found = starters.find((s) => s.id === id);
  if (found) return found;
  const ids = starters.map((s) => s.id).join(', ') || 'none';
  throw new CliError('template', wantedBy ? `${wantedBy} builds on "${id}", which is not one of the starters here (${ids}).` : `The "${id}" starter is not available in this version of create-polyglot-backend.`, {
    hint: wantedBy
      ? 'Name a built-in starter, or add it to the --templates <dir> directory.'
      : `Available starters: ${ids}. Newer versions may have it (npx create-polyglot-backend@latest), or add your own with --templates <dir>.`,
  });
}
