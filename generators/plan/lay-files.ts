/**
 * The project's files, in layers: the template's (its own layers first), then each chosen feature laid
 * over every part that takes it, then slot contributions, then the features' compose and CI fragments,
 * then package.json names and the Python locks cut to what each part needs. Pure: bytes in, bytes out.
 */
import path from 'node:path';
import type { Answers } from '../answers/schema.js';
import { CliError } from '../errors.js';
import type { ChosenFeatures } from '../features/choices.js';
import type { LoadedFeature } from '../features/discover.js';
import { checkCollisions } from '../sources/entries.js';
import type { LoadedTemplate, TemplateFile, TemplatePart } from '../templates/load.js';
import { MANIFEST_DIR } from './manifest.js';
import { isMergedOnOverlay, overlayFile } from './overlay.js';
import { adaptPackageJson } from './package-manager.js';
import { outputPath, slotContribution } from './paths.js';
import { isRendered, renderTemplateFile, type RenderData } from './render.js';
import { applySlot, missingTarget, type SlotContribution } from './slots.js';
import { pruneUvLock } from './uv-lock.js';
import { mergeYaml, topLevelKeys } from './yaml-blocks.js';

export interface PlannedFile {
  path: string;
  content: Buffer;
  executable: boolean;
}

const COMPOSE_FILE = 'docker-compose.yml';
const CI_FILE = '.github/workflows/ci.yml';

interface Layered {
  byPath: Map<string, PlannedFile>;
  slots: SlotContribution[];
}

function render(file: TemplateFile, data: RenderData): Buffer {
  if (!isRendered(file.path)) return file.content;
  return Buffer.from(renderTemplateFile(file.path, file.content.toString('utf8'), data, file.untrusted === true));
}

/** One file of a layer: a slot contribution, or laid over (merged into, for package.json/pyproject.toml) what is below. */
function lay(into: Layered, out: string, file: TemplateFile, data: RenderData, from: string): void {
  if (out === MANIFEST_DIR || out.startsWith(`${MANIFEST_DIR}/`)) {
    throw new CliError('plan', `The ${from} may not write ${out}; ${MANIFEST_DIR}/ belongs to the generator.`);
  }
  let content = render(file, data);
  const slot = slotContribution(out);
  if (slot) {
    into.slots.push({ ...slot, text: content.toString('utf8'), from: `The ${from}` });
    return;
  }
  const below = into.byPath.get(out);
  if (below && isMergedOnOverlay(out)) content = Buffer.from(overlayFile(out, below.content.toString('utf8'), content.toString('utf8')));
  into.byPath.set(out, { path: out, content, executable: file.executable });
}

function layTemplate(template: LoadedTemplate, data: RenderData): Layered {
  const layered: Layered = { byPath: new Map(), slots: [] };
  for (const file of template.files) lay(layered, outputPath(file.path), file, data, `template ${template.meta.id}`);
  return layered;
}

const partsTaking = (feature: LoadedFeature, parts: readonly TemplatePart[]) => parts.filter((p) => feature.meta.parts.includes(p.kind));
const under = (dir: string, rel: string) => (dir === '.' ? rel : `${dir}/${rel}`);

function layFeatures(layered: Layered, features: readonly LoadedFeature[], parts: readonly TemplatePart[], data: RenderData): void {
  for (const feature of features) {
    for (const part of partsTaking(feature, parts)) {
      const prefix = `${part.kind}/`;
      for (const file of feature.files.filter((f) => f.path.startsWith(prefix))) {
        lay(layered, outputPath(under(part.dir, file.path.slice(prefix.length))), file, data, `feature ${feature.meta.id}`);
      }
    }
  }
}

function applySlots(layered: Layered): void {
  for (const c of layered.slots) {
    const file = layered.byPath.get(c.target);
    if (!file) throw missingTarget(c);
    file.content = Buffer.from(applySlot(file.content.toString('utf8'), c));
  }
}

/** The feature's compose.yml or ci.yml, rendered, holding only `allowed` top-level keys. */
function fragment(feature: LoadedFeature, name: string, data: RenderData, allowed?: readonly string[]): { text: string; name: string; keys: string[] } | undefined {
  const file = feature.files.find((f) => f.path === name || f.path === `${name}.ejs`);
  if (!file) return undefined;
  const text = render(file, data).toString('utf8');
  const shown = `the feature ${feature.meta.id}'s ${name}`;
  const keys = topLevelKeys(text);
  if (keys.length === 0) throw new CliError('plan', `${shown} must hold a block mapping.`);
  const extra = allowed ? keys.filter((k) => !allowed.includes(k)) : [];
  if (extra.length) throw new CliError('plan', `${shown} may hold only ${allowed!.map((k) => `"${k}"`).join(' and ')}; it has ${extra.join(', ')}.`);
  return { text, name: shown, keys };
}

/** compose.yml: `services` joins the compose file's; `part` goes into each service running a part. ci.yml: into each job. */
function mergeFragments(layered: Layered, features: readonly LoadedFeature[], parts: readonly TemplatePart[], data: RenderData): void {
  const edit = (out: string, change: (text: string) => string) => {
    const file = layered.byPath.get(out);
    if (file) file.content = Buffer.from(change(file.content.toString('utf8')));
  };
  for (const feature of features) {
    const taking = partsTaking(feature, parts);
    const compose = fragment(feature, 'compose.yml', data, ['services', 'part']);
    if (compose) {
      edit(COMPOSE_FILE, (text) => {
        let out = compose.keys.includes('services') ? mergeYaml(text, ['services'], { ...compose, path: ['services'] }, COMPOSE_FILE) : text;
        if (compose.keys.includes('part')) for (const name of taking.flatMap((p) => p.compose)) out = mergeYaml(out, ['services', name], { ...compose, path: ['part'] }, COMPOSE_FILE);
        return out;
      });
    }
    const ci = fragment(feature, 'ci.yml', data);
    if (ci) {
      const jobs = [...new Set(taking.flatMap((p) => p.ci))];
      edit(CI_FILE, (text) => jobs.reduce((out, job) => mergeYaml(out, ['jobs', job], { ...ci, path: [] }, CI_FILE), text));
    }
  }
}

/** Named after merging, so an overlay's package.json cannot rename the part. */
function namePackages(files: Iterable<PlannedFile>, answers: Answers): void {
  for (const file of files) {
    if (path.posix.basename(file.path) !== 'package.json') continue;
    const pkg = JSON.parse(file.content.toString('utf8')) as Record<string, unknown>;
    const dir = path.posix.dirname(file.path);
    const name = dir === '.' ? answers.name : `${answers.name}-${dir.replace(/\//g, '-')}`;
    file.content = Buffer.from(`${JSON.stringify(adaptPackageJson(pkg, name, answers.packageManager), null, 2)}\n`);
  }
}

/** Each uv.lock holds every package any layer or feature may add; keep what its pyproject.toml needs. */
function pruneLocks(byPath: Map<string, PlannedFile>): void {
  for (const file of byPath.values()) {
    if (path.posix.basename(file.path) !== 'uv.lock') continue;
    const pyproject = byPath.get(path.posix.join(path.posix.dirname(file.path), 'pyproject.toml'));
    if (pyproject) file.content = Buffer.from(pruneUvLock(file.content.toString('utf8'), pyproject.content.toString('utf8')));
  }
}

/**
 * A Python project named like one of its own locked dependencies (say "fastapi") makes uv refuse the
 * lock: two packages of one name. Caught here, before anything is written, as bad input.
 */
function refuseLockedNameClash(answers: Answers, data: RenderData, files: Iterable<PlannedFile>): void {
  for (const file of files) {
    if (path.posix.basename(file.path) !== 'uv.lock') continue;
    const names = [...file.content.toString('utf8').matchAll(/^name = "([^"]+)"$/gm)].map((m) => m[1]);
    if (names.filter((n) => n === data['pythonPackage']).length > 1) {
      throw new CliError('answers', `"${answers.name}" is the name of one of the starter's Python dependencies; uv cannot lock a project of that name.`, {
        hint: `Pick another name, e.g. ${answers.name}-api`,
      });
    }
  }
}

function checkPaths(files: readonly PlannedFile[]): void {
  // Two paths that are one on macOS or Windows (README.md / Readme.md, café in NFC and NFD) would make
  // a project that breaks there, whichever layer each came from.
  checkCollisions(files.map((f) => f.path));
  // A path that is both a file and a directory cannot be written; fail here rather than midway.
  const paths = new Set(files.map((f) => f.path));
  for (const f of files) {
    for (let dir = path.posix.dirname(f.path); dir !== '.'; dir = path.posix.dirname(dir)) {
      if (paths.has(dir)) throw new CliError('plan', `The template has both a file and a directory at ${dir}.`);
    }
  }
}

export function layFiles(answers: Answers, template: LoadedTemplate, features: ChosenFeatures, data: RenderData): PlannedFile[] {
  const layered = layTemplate(template, data);
  layFeatures(layered, features.loaded, template.parts, data);
  applySlots(layered);
  mergeFragments(layered, features.loaded, template.parts, data);
  namePackages(layered.byPath.values(), answers);
  pruneLocks(layered.byPath);
  refuseLockedNameClash(answers, data, layered.byPath.values());
  const files = [...layered.byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  checkPaths(files);
  return files;
}
