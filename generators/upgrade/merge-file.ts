/**
 * Merges one file changed on both sides. Pure. Binary files are never merged (the user's stays, the
 * template's goes beside it); package.json, pyproject.toml, compose files and GitHub workflows are merged
 * by key when their structure allows it; everything else (and any structured merge that cannot decide) is
 * merged by line with conflict markers.
 */
import path from 'node:path';
import type { FileVersion } from './classify.js';
import { mergeJson } from './merge-json.js';
import { isBinary, mergeText, type ConflictLabels } from './merge-text.js';
import { mergeToml } from './merge-toml.js';
import { mergeYaml } from './merge-yaml.js';

export type FileMerge =
  | { outcome: 'merged'; content: Buffer; how: 'text' | 'json' | 'yaml' | 'toml' }
  | { outcome: 'conflict'; content: Buffer; conflicts: number }
  | { outcome: 'binary-conflict' };

export type Structure = 'json' | 'yaml' | 'toml' | undefined;

export function structureOf(filePath: string): Structure {
  const name = path.posix.basename(filePath);
  if (name === 'package.json') return 'json';
  if (name === 'pyproject.toml') return 'toml';
  if (/^(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(name)) return 'yaml';
  if (/(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/.test(filePath)) return 'yaml';
  return undefined;
}

export function mergeFile(filePath: string, base: FileVersion | undefined, ours: FileVersion, theirs: FileVersion, labels: ConflictLabels): FileMerge {
  if (isBinary(ours.content) || isBinary(theirs.content) || (base !== undefined && isBinary(base.content))) {
    return { outcome: 'binary-conflict' };
  }
  const structure = structureOf(filePath);
  if (structure === 'toml') {
    const toml = mergeToml(base?.content, ours.content, theirs.content, labels);
    if (toml) {
      return toml.conflicts > 0 ? { outcome: 'conflict', content: toml.content, conflicts: toml.conflicts } : { outcome: 'merged', content: toml.content, how: 'toml' };
    }
  } else if (structure !== undefined) {
    const merged = structure === 'json' ? mergeJson(base?.content, ours.content, theirs.content) : mergeYaml(base?.content, ours.content, theirs.content);
    if (merged !== undefined) return { outcome: 'merged', content: merged, how: structure };
  }
  const text = mergeText(base?.content, ours.content, theirs.content, labels);
  return text.conflicts > 0 ? { outcome: 'conflict', content: text.content, conflicts: text.conflicts } : { outcome: 'merged', content: text.content, how: 'text' };
}
