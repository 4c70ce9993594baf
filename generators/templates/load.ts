/**
 * Reads a template (and the templates it layers on) into memory. Read-only; refuses symlinks and anything
 * but regular files and directories, because a template is untrusted input.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.js';
import { TEMPLATES_DIR } from '../package-root.js';
import { outputPath } from '../plan/paths.js';
import { discoverStarters } from './starters.js';
import { templateMetaSchema, type TemplateMeta, type TemplatePartMeta, type TemplatePostStep } from './template-meta.js';

export interface TemplateFile {
  /** Path inside the template, with "/" separators, as stored (before renames and .ejs). */
  path: string;
  content: Buffer;
  executable: boolean;
  /** From a template that is not trusted: its EJS is limited to inserting variables. */
  untrusted?: boolean;
}

export interface LoadedTemplate {
  meta: TemplateMeta;
  /** Files of every layer, in order; a later file with the same output path wins. */
  files: TemplateFile[];
  /** Post-steps of every layer, with `cwd` relative to the project root. */
  postSteps: TemplatePostStep[];
  /** One dependency install per part that has dependencies (hybrid: gateway and service). */
  installs: TemplateInstallStep[];
  /** The parts features are laid over: one per install, with where compose and CI run it. */
  parts: TemplatePart[];
}

export interface TemplatePart {
  kind: 'node' | 'python';
  /** Relative to the project root; "." for the root. */
  dir: string;
  compose: string[];
  ci: string[];
}

export interface TemplateInstallStep {
  kind: 'node' | 'python';
  /** Relative to the project root; undefined = the root. */
  cwd?: string;
}

const META_FILE = 'template.json';

/** Template ids in one templates directory (the discovery rule is starters.ts's). */
export function availableTemplates(root = TEMPLATES_DIR): string[] {
  return discoverStarters({ builtinDir: root }).map((s) => s.id);
}

export async function readTemplateMeta(id: string, root = TEMPLATES_DIR): Promise<TemplateMeta> {
  const file = path.join(root, id, META_FILE);
  if (!existsSync(file)) {
    const available = availableTemplates(root);
    throw new CliError('template', `The "${id}" starter is not available in this version of create-polyglot-backend yet.`, {
      hint: `Available starters: ${available.join(', ') || 'none'}. Newer versions may have it: npx create-polyglot-backend@latest`,
    });
  }
  return readMetaAt(path.join(root, id), id);
}

/** template.json of the template in `dir`; `expectId` when the directory name is the id. */
export async function readMetaAt(dir: string, expectId?: string): Promise<TemplateMeta> {
  const file = path.join(dir, META_FILE);
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch {
    throw new CliError('template', `${dir} has no ${META_FILE}.`, { hint: 'A template is a directory with a template.json at its top (see docs/templates.md).' });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new CliError('template', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = templateMetaSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError('template', `${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
  }
  if (expectId !== undefined && parsed.data.id !== expectId) {
    throw new CliError('template', `${file} declares id "${parsed.data.id}" but lives in "${expectId}/".`);
  }
  return parsed.data;
}

/** The directory of features beside starters, or inside an org kit; never a file of the project. */
export const FEATURES_DIR = '_features';

/** Every regular file under `dir` (sorted; template.json and _features/ at the top left out). */
export async function readTemplateFiles(dir: string, rel = ''): Promise<TemplateFile[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Read siblings in parallel; results keep the sorted order.
  const nested = await Promise.all(
    entries.map(async (entry): Promise<TemplateFile[]> => {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const abs = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        throw new CliError('template', `The template contains a symbolic link (${relPath}); templates may only hold regular files.`);
      }
      if (entry.isDirectory()) {
        return entry.name === 'node_modules' || entry.name === '.git' || (!rel && entry.name === FEATURES_DIR) ? [] : readTemplateFiles(abs, relPath);
      }
      if (!entry.isFile()) {
        throw new CliError('template', `The template contains ${relPath}, which is not a regular file.`);
      }
      if (!rel && entry.name === META_FILE) return [];
      const [stat, content] = await Promise.all([fs.stat(abs), fs.readFile(abs)]);
      return [{ path: relPath, content, executable: (stat.mode & 0o111) !== 0 }];
    }),
  );
  return nested.flat();
}

export async function loadTemplate(id: string, root = TEMPLATES_DIR, seen: string[] = []): Promise<LoadedTemplate> {
  const meta = await readTemplateMeta(id, root);
  return loadTemplateAt(path.join(root, id), meta, (layerId) => path.join(root, layerId), seen);
}

/**
 * The template in `dir` (already read: `meta`), with its `extends` base and layers found by `locate`
 * (an org template's bases are the built-in starters).
 */
export async function loadTemplateAt(
  dir: string,
  meta: TemplateMeta,
  locate: (id: string) => string,
  seen: string[] = [],
  opts: { untrusted?: boolean } = {},
): Promise<LoadedTemplate> {
  if (seen.includes(meta.id)) {
    throw new CliError('template', `Template layers form a cycle: ${[...seen, meta.id].join(' -> ')}`);
  }
  const files: TemplateFile[] = [];
  const postSteps: TemplatePostStep[] = [];
  const installs: TemplateInstallStep[] = [];
  const layers = meta.extends ? [{ template: meta.extends, into: undefined, exclude: [] as string[] }, ...meta.layers] : meta.layers;
  let baseDevCommand: string | undefined;
  let baseSetup: string[] = [];
  let baseParts: Record<string, TemplatePartMeta> | undefined;
  for (const layer of layers) {
    const layerDir = locate(layer.template);
    const base = await loadTemplateAt(layerDir, await readMetaAt(layerDir, layer.template), locate, [...seen, meta.id]);
    if (layer.template === meta.extends) {
      baseDevCommand = base.meta.devCommand;
      baseSetup = base.meta.setupCommands;
      baseParts = base.meta.parts;
    }
    const prefix = layer.into ? `${layer.into}/` : '';
    const kept = base.files.filter((f) => !isExcluded(outputPath(f.path), layer.exclude));
    files.push(...kept.map((f) => ({ ...f, path: prefix + f.path })));
    postSteps.push(...base.postSteps.map((s) => ({ ...s, cwd: joinCwd(layer.into, s.cwd) })));
    installs.push(...base.installs.map((i) => ({ ...i, cwd: joinCwd(layer.into, i.cwd) })));
  }
  const own = await readTemplateFiles(dir);
  files.push(...(opts.untrusted ? own.map((f) => ({ ...f, untrusted: true })) : own));
  postSteps.push(...meta.postSteps);
  // An overlay (extends) shares its base's install unless it declares one of its own.
  if (meta.install !== 'none' && !(meta.extends && installs.some((i) => i.cwd === undefined))) installs.unshift({ kind: meta.install });
  // An overlay that does not say how to start it is started like the starter it extends.
  const devCommand = meta.devCommand ?? (meta.extends ? baseDevCommand : undefined);
  const setupCommands = meta.setupCommands.length || !meta.extends ? meta.setupCommands : baseSetup;
  const partsMeta = meta.parts ?? (meta.extends ? baseParts : undefined);
  const parts = installs.map((i): TemplatePart => {
    const dir = i.cwd ?? '.';
    return { kind: i.kind, dir, compose: partsMeta?.[dir]?.compose ?? [], ci: partsMeta?.[dir]?.ci ?? [] };
  });
  const merged = { ...meta, ...(devCommand === undefined ? {} : { devCommand }), setupCommands, ...(partsMeta ? { parts: partsMeta } : {}) };
  return { meta: merged, files, postSteps, installs, parts };
}

/** An excluded directory takes everything under it. */
function isExcluded(out: string, exclude: readonly string[]): boolean {
  return exclude.some((e) => out === e || out.startsWith(`${e.replace(/\/$/, '')}/`));
}

function joinCwd(into: string | undefined, cwd: string | undefined): string | undefined {
  const parts = [into, cwd].filter((p): p is string => p !== undefined && p !== '');
  return parts.length ? parts.join('/') : undefined;
}
