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

export const templateMetaSchema = z.strictObject({
  id: pattern(ID),
  version: VERSION,
  description: z.string(),
  /** node: the chosen package manager installs; python: `uv sync` installs from the committed uv.lock. */
  install: z._default(z.enum(['node', 'python', 'none']), 'node'),
  layers: z._default(z.array(layerSchema), []),
  /** Shown as the last "next step"; node templates default to the package manager's `run dev`. */
  devCommand: z.optional(z.string().check(z.minLength(1))),
  postSteps: z._default(z.array(postStepSchema), []),
  migrations: z._default(z.array(migrationSchema), []),
});
export type TemplateMeta = Infer<typeof templateMetaSchema>;
export type TemplateInstall = TemplateMeta['install'];
export type TemplatePostStep = Infer<typeof postStepSchema>;
export type TemplateMigration = Infer<typeof migrationSchema>;
