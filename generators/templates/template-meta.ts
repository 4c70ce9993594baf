/** template.json: what a template declares about itself. Validated, since org templates are untrusted input. */
import { z } from 'zod';

const layerSchema = z.object({
  /** Another template (by id) whose files are laid down first. */
  template: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** Sub-directory of the project to place that template's files in (hybrid: "gateway", "service"). */
  into: z.string().regex(/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/).optional(),
});

const postStepSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  /** A package.json script run with the chosen package manager after install. */
  script: z.string().regex(/^[\w:.-]+$/),
  cwd: z.string().regex(/^[a-z0-9][a-z0-9-/]*$/).optional(),
});

export const templateMetaSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    version: z.string().regex(/^\d+\.\d+\.\d+(-[\w.]+)?$/, 'version must be semver, e.g. 1.2.0'),
    description: z.string(),
    /** node: the chosen package manager installs; python: `uv sync` installs from the committed uv.lock. */
    install: z.enum(['node', 'python', 'none']).default('node'),
    layers: z.array(layerSchema).default([]),
    postSteps: z.array(postStepSchema).default([]),
  })
  .strict();
export type TemplateMeta = z.infer<typeof templateMetaSchema>;
export type TemplatePostStep = z.infer<typeof postStepSchema>;
