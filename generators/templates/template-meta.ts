/** template.json: what a template declares about itself. Validated, since org templates are untrusted input. */
import { z, type Infer } from '../zod.js';

const pattern = (re: RegExp, message?: string) => z.string().check(z.regex(re, message));
const ID = /^[a-z0-9][a-z0-9-]*$/;
const VERSION = pattern(/^\d+\.\d+\.\d+(-[\w.]+)?$/, 'version must be semver, e.g. 1.2.0');
const PROJECT_PATH = pattern(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[^\0\\]+$/, 'must be a relative project path');

const layerSchema = z.strictObject({
  /** Another template (by id) whose files are laid down first. */
  template: pattern(ID),
  /** Sub-directory of the project to place that template's files in (hybrid: "gateway", "service"). */
  into: z.optional(pattern(/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/)),
  /** Output paths of that template to leave out (a directory excludes everything under it). */
  exclude: z._default(z.array(PROJECT_PATH), []),
});

const postStepSchema = z.strictObject({
  id: pattern(/^[a-z0-9-]+$/),
  title: z.string().check(z.minLength(1)),
  /** A package.json script run with the chosen package manager after install. */
  script: pattern(/^[\w:.-]+$/),
  cwd: z.optional(pattern(/^[a-z0-9][a-z0-9-/]*$/)),
});


/** Declared by a release that moves files: upgrades from an older version carry the user's edits along. */
const migrationSchema = z.strictObject({
  version: VERSION,
  /** Output path in the project before this version -> output path from this version on. */
  renames: z._default(z.record(PROJECT_PATH, PROJECT_PATH), {}),
});

/** Names a template's own question may take: a plain identifier that cannot shadow the built-in locals. */
export const RESERVED_VAR_NAMES = new Set([
  'directory', 'name', 'template', 'packageManager', 'install', 'git', 'projectName', 'title', 'pythonPackage', 'pythonModule',
  'pmRun', 'nodeVersion', 'generatorVersion', 'templateVersion', 'locals', 'include', 'escapeFn', 'rethrow', 'constructor',
  'prototype', 'await', 'this', 'arguments', 'eval', 'function', 'return', 'var', 'let', 'const', 'new', 'delete', 'typeof',
  'void', 'with', 'yield', 'class', 'import', 'export', 'super', 'null', 'true', 'false', 'undefined',
]);
const VAR_NAME = z.string().check(
  z.regex(/^[a-z][a-zA-Z0-9]{0,39}$/, 'prompt names are camelCase identifiers (a-z, A-Z, 0-9), at most 40 characters'),
  // pm* names carry the package manager's commands into templates (plan/package-manager.ts): all reserved.
  z.refine((n: string) => !RESERVED_VAR_NAMES.has(n) && !/^pm[A-Z]/.test(n), { error: (i) => `"${String(i.input)}" is reserved` }),
);

/** A question an org template adds; answered by a prompt, --set name=value, a preset or its default. */
const promptSchema = z.strictObject({
  name: VAR_NAME,
  type: z.enum(['text', 'confirm', 'select']),
  message: z.string().check(z.minLength(1), z.maxLength(200)),
  default: z.optional(z.union([z.string().check(z.maxLength(500)), z.boolean()])),
  choices: z.optional(z.array(z.strictObject({ value: z.string().check(z.regex(/^[\w.@/-]{1,100}$/)), label: z.optional(z.string()) })).check(z.minLength(1))),
  /** text only: a regular expression the whole answer must match. */
  pattern: z.optional(z.string().check(z.maxLength(200))),
});

/** Per part (its directory, "." for the root): the compose services and CI jobs that run it. */
const partSchema = z.strictObject({
  compose: z._default(z.array(pattern(/^[a-zA-Z0-9][\w.-]*$/)), []),
  ci: z._default(z.array(pattern(/^[a-zA-Z_][\w-]*$/)), []),
});

export const templateMetaSchema = z.strictObject({
  id: pattern(ID),
  version: VERSION,
  description: z.string(),
  /** node: the chosen package manager installs; python: `uv sync` installs from the committed uv.lock. */
  install: z._default(z.enum(['node', 'python', 'none']), 'node'),
  /** A starter this template overlays (laid down first, at the project root): any id found on disk. */
  extends: z.optional(pattern(ID)),
  layers: z._default(z.array(layerSchema), []),
  prompts: z._default(z.array(promptSchema), []),
  /** Shown as the last "next step"; node templates default to the package manager's `run dev`. */
  devCommand: z.optional(z.string().check(z.minLength(1))),
  /** Commands shown (not run) before the dev command, e.g. applying migrations. */
  setupCommands: z._default(z.array(z.string().check(z.minLength(1))), []),
  postSteps: z._default(z.array(postStepSchema), []),
  migrations: z._default(z.array(migrationSchema), []),
  /** Where features' compose.yml and ci.yml go, per part; a template without it takes its base's. */
  parts: z.optional(z.record(pattern(/^(\.|[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*)$/), partSchema)),
});
export type TemplateMeta = Infer<typeof templateMetaSchema>;
export type TemplateInstall = TemplateMeta['install'];
export type TemplatePostStep = Infer<typeof postStepSchema>;
export type TemplateMigration = Infer<typeof migrationSchema>;
export type TemplatePrompt = Infer<typeof promptSchema>;
export type TemplatePartMeta = Infer<typeof partSchema>;
