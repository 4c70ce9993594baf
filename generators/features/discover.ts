/**
 * The features a run can choose, found on disk: every `_features/<id>/feature.json` beside the built-in
 * starters, in `--templates <dir>` and in an org kit. A later root's folder of the same id extends the
 * earlier one: its files replace those of the same path, its manifest (if it has one) replaces. No list of feature ids is kept anywhere else.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { outputPath } from '../plan/paths.js';
import { FEATURES_DIR, readTemplateFiles, type TemplateFile } from '../templates/load.js';
import { featureMetaSchema, type FeatureMeta } from './feature-meta.js';

export interface FeatureRoot {
  /** A directory holding `_features/`. */
  dir: string;
  /** From a template that is not trusted: its EJS may only insert variables. */
  untrusted?: boolean;
}

export interface LoadedFeature {
  meta: FeatureMeta;
  /** node/…, python/…, compose.yml, ci.yml: paths relative to the feature folder, every root's in order. */
  files: TemplateFile[];
}

/** The feature folders under each root, by id, in root order (cheap: reads only the manifests). */
export function featureManifests(roots: readonly FeatureRoot[]): Map<string, { meta: FeatureMeta; dirs: FeatureRoot[] }> {
  const byId = new Map<string, { meta: FeatureMeta; dirs: FeatureRoot[] }>();
  for (const root of roots) {
    const base = path.join(root.dir, FEATURES_DIR);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(base, entry.name);
      const prev = byId.get(entry.name);
      // A folder extending an earlier one may leave its manifest out.
      const meta = prev && !existsSync(path.join(dir, 'feature.json')) ? prev.meta : readFeatureMeta(dir, entry.name);
      byId.set(meta.id, { meta, dirs: [...(prev?.dirs ?? []), { ...root, dir }] });
    }
  }
  return byId;
}

function readFeatureMeta(dir: string, expectId: string): FeatureMeta {
  const file = path.join(dir, 'feature.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError('template', `${file} cannot be read as JSON: ${(err as Error).message}`, { hint: 'A feature is a folder with a feature.json (see docs/features.md).' });
  }
  const parsed = featureMetaSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError('template', `${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`.replace(/\s+/g, ' '));
  }
  if (parsed.data.id !== expectId) throw new CliError('template', `${file} declares id "${parsed.data.id}" but lives in "${expectId}/".`);
  return parsed.data;
}

/** The chosen features' files, read in full. */
export async function loadFeatures(chosen: readonly { meta: FeatureMeta; dirs: FeatureRoot[] }[]): Promise<LoadedFeature[]> {
  return Promise.all(
    chosen.map(async ({ meta, dirs }) => {
      // A later folder's file replaces the earlier one of the same output path (`x.ejs` replaces `x`; a
      // slot contribution too).
      const byPath = new Map<string, TemplateFile>();
      for (const d of dirs) {
        for (const f of await readTemplateFiles(d.dir)) if (f.path !== 'feature.json') byPath.set(outputPath(f.path), d.untrusted ? { ...f, untrusted: true } : f);
      }
      return { meta, files: [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
    }),
  );
}
