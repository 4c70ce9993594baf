/** feature.json: what a feature declares about itself. Validated: a kit's features are untrusted input. */
import { RESERVED_VAR_NAMES } from '../templates/template-meta.js';
import { z, type Infer } from '../zod.js';

const ID = /^[a-z][a-z0-9-]{0,39}$/;
/** A question becomes a flag (`--cache`): it may not shadow an answer or a run option. */
export const RESERVED_QUESTIONS = new Set([
  ...RESERVED_VAR_NAMES,
  'pm', 'yes', 'dry-run', 'json', 'help', 'version', 'cwd', 'templates', 'allow-dirty', 'check', 'preset', 'set', 'trust',
  'offline', 'no-install', 'no-git', 'features', 'add', 'remove', 'upgrade',
]);

const id = z.string().check(z.regex(ID, 'ids are lowercase words joined by hyphens, at most 40 characters'));

export const featureMetaSchema = z.strictObject({
  id,
  /** The question it answers, and its flag; features answering one question exclude each other. */
  question: z.string().check(
    z.regex(ID, 'a question is a lowercase word (it becomes a --flag)'),
    z.refine((q: string) => !RESERVED_QUESTIONS.has(q) && !q.startsWith('no-'), { error: (i) => `"${String(i.input)}" is reserved` }),
  ),
  prompt: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  label: z.string().check(z.minLength(1), z.maxLength(80)),
  hint: z.optional(z.string().check(z.maxLength(200))),
  parts: z.array(z.enum(['node', 'python'])).check(z.minLength(1)),
  requires: z._default(z.array(id), []),
  conflicts: z._default(z.array(id), []),
});
export type FeatureMeta = Infer<typeof featureMetaSchema>;

/** The answer meaning "none of this question's features". */
export const NONE = 'none';
