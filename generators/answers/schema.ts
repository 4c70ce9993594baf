/**
 * The answers schema: the single source of truth for what the generator asks, the flags that answer it,
 * defaults, validation and help text. argv parsing, prompts, --help and the manifest are all derived from
 * `answerFields`.
 */
import path from 'node:path';
import { z, type Infer, type Schema } from '../zod.js';
import { defaultStarter, PREFERRED_STARTER, type Starter } from '../templates/starters.js';
import { checkProjectName } from './names.js';

export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/** What defaults may depend on: facts about how the CLI was launched, never about the target directory. */
export interface DefaultsContext {
  launchedBy: PackageManager;
  /** Answers known so far (fields are resolved in declaration order). */
  known: { directory?: string };
  /** The directory a relative `directory` answer is taken from (the run's --cwd); absolute ones need none. */
  cwd?: string;
}

interface FieldBase<T> {
  schema: Schema<T>;
  help: string;
  /** A positional argument instead of a --flag. */
  positional?: boolean;
  /** Without a TTY (and without --yes) a missing value is an error rather than a default. */
  requiredWithoutTty: boolean;
  /** Stored in the project's manifest so upgrades can re-render with the same answers. */
  recorded: boolean;
  default: (ctx: DefaultsContext) => T;
  prompt?: string;
}
export interface StringField extends FieldBase<string> {
  kind: 'string';
  placeholder?: string;
}
export interface ChoiceField<T extends string = string> extends FieldBase<T> {
  kind: 'choice';
  choices: readonly { value: T; label: string; hint?: string }[];
}
export interface BooleanField extends FieldBase<boolean> {
  kind: 'boolean';
}
export type Field = StringField | ChoiceField | BooleanField;

const TEMPLATE_ID = /^[a-z0-9][a-z0-9-]*$/;

const nameSchema = z.string().check(
  z.refine((value: string) => checkProjectName(value) === undefined, {
    error: (issue) => checkProjectName(String(issue.input)) ?? 'Invalid name',
  }),
);

export const answerFields = {
  directory: {
    kind: 'string',
    positional: true,
    schema: z.string().check(z.minLength(1, 'The directory cannot be empty; use "." for the current directory.')),
    help: 'Directory to create the project in ("." for the current one)',
    prompt: 'Where should the project be created?',
    placeholder: 'my-backend',
    requiredWithoutTty: true,
    recorded: false,
    default: () => 'my-backend',
  },
  name: {
    kind: 'string',
    schema: nameSchema,
    help: 'Package name (default: the directory name)',
    requiredWithoutTty: false,
    recorded: true,
    // The resolved target's name: `. --cwd ../svc` is "svc", never the directory the CLI was started in.
    default: ({ known, cwd }) => path.basename(path.resolve(cwd ?? process.cwd(), known.directory ?? '.')),
  },
  template: {
    kind: 'choice',
    // The ids are the starters found on disk (templates/starters.ts): answerFieldsFor() fills them in.
    schema: z.string().check(z.regex(TEMPLATE_ID)),
    help: 'Starter to generate',
    prompt: 'Which starter?',
    choices: [] as ChoiceField['choices'],
    requiredWithoutTty: true,
    recorded: true,
    default: () => PREFERRED_STARTER,
  },
  packageManager: {
    kind: 'choice',
    schema: z.enum(PACKAGE_MANAGERS),
    help: 'Package manager for Node parts (default: the one that launched this CLI)',
    choices: PACKAGE_MANAGERS.map((value) => ({ value, label: value })),
    requiredWithoutTty: false,
    recorded: true,
    default: ({ launchedBy }) => launchedBy,
  },
  install: {
    kind: 'boolean',
    schema: z.boolean(),
    help: 'Install dependencies after generating',
    prompt: 'Install dependencies now?',
    requiredWithoutTty: false,
    recorded: false,
    default: () => true,
  },
  git: {
    kind: 'boolean',
    schema: z.boolean(),
    help: 'Initialise a git repository with a first commit',
    requiredWithoutTty: false,
    recorded: false,
    default: () => true,
  },
} satisfies Record<string, Field>;

/** The fields of one run: the template choice is the starters found on disk, in their order. */
export function answerFieldsFor(starters: readonly Starter[]): typeof answerFields {
  const ids = starters.map((s) => s.id);
  const template = {
    ...answerFields.template,
    schema: z.string().check(z.refine((v: string) => ids.includes(v), 'Unknown starter')),
    choices: starters.map((s) => ({ value: s.id, label: s.id, ...(s.description ? { hint: s.description } : {}) })),
    default: () => defaultStarter(starters) ?? PREFERRED_STARTER,
  };
  return { ...answerFields, template };
}

export type AnswerKey = Extract<keyof typeof answerFields, string>;
export const ANSWER_KEYS = Object.keys(answerFields) as AnswerKey[];

export const answersSchema = z.object({
  directory: answerFields.directory.schema,
  name: answerFields.name.schema,
  // A starter's id from flags and prompts, or an org template's id from its source.
  template: z.string().check(z.regex(TEMPLATE_ID)),
  packageManager: answerFields.packageManager.schema,
  install: answerFields.install.schema,
  git: answerFields.git.schema,
});
export type Answers = Infer<typeof answersSchema>;

/** The subset of answers that shapes rendered files, stored in the manifest. Never holds secrets. */
export type RecordedAnswers = Pick<Answers, 'name' | 'template' | 'packageManager'>;
export function recordedAnswers(a: Answers): RecordedAnswers {
  const entries = ANSWER_KEYS.filter((k) => answerFields[k].recorded).map((k) => [k, a[k]]);
  return Object.fromEntries(entries) as RecordedAnswers;
}

/** The CLI flag for a field: camelCase key -> kebab-case flag. */
export function flagName(key: AnswerKey): string {
  if (key === 'packageManager') return 'pm';
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
