/**
 * flags -> prompts -> defaults, in field order. Each answer comes from its flag if given, else a prompt
 * when interactive, else its default; without a TTY a required answer that no flag gave is an error that
 * names every missing flag at once.
 */
import { CancelledError, CliError } from '../errors.js';
import { suggestName } from './names.js';
import type { LaunchContext } from '../env/launch.js';
import { discoverStarters, type Starter } from '../templates/starters.js';
import {
  ANSWER_KEYS,
  answerFields,
  answerFieldsFor,
  answersSchema,
  flagName,
  type AnswerKey,
  type Answers,
  type ChoiceField,
  type Field,
} from './schema.js';
import type { ParsedArgs } from './args.js';

/** Prompts as an interface, so tests drive collection without a terminal. `undefined` means cancelled. */
export interface Prompter {
  text(opts: { message: string; placeholder?: string; initialValue?: string; validate: (v: string) => string | undefined }): Promise<string | undefined>;
  select(opts: { message: string; options: ChoiceField['choices']; initialValue?: string }): Promise<string | undefined>;
  confirm(opts: { message: string; initialValue: boolean }): Promise<boolean | undefined>;
}

type Fields = typeof answerFields;

export function describeFlag(key: AnswerKey, fields: Fields): string {
  const field: Field = fields[key];
  if ('positional' in field && field.positional) return `[${key}] (first argument)`;
  return field.kind === 'choice' ? `--${flagName(key)} <${field.choices.map((c) => c.value).join('|')}>` : `--${flagName(key)}`;
}

function validateGiven(key: AnswerKey, value: unknown, fields: Fields): unknown {
  const field: Field = fields[key];
  const result = field.schema.safeParse(value);
  if (result.success) return result.data;
  const message =
    field.kind === 'choice'
      ? `Unknown ${key} "${String(value)}". Choose one of: ${field.choices.map((c) => c.value).join(', ')}.`
      : (result.error.issues[0]?.message ?? `Invalid ${key}.`);
  throw new CliError('answers', message, { hint: `Fix ${describeFlag(key, fields)} and run again.` });
}

function fieldProblem(field: Field, value: unknown): string | undefined {
  const result = field.schema.safeParse(value);
  return result.success ? undefined : (result.error.issues[0]?.message ?? 'Invalid value');
}

export async function collectAnswers(
  args: ParsedArgs,
  launch: LaunchContext,
  prompter: Prompter | undefined,
  extra: {
    /** Lower-precedence answers (a preset, the org defaults): used like flags when no flag gave one. */
    defaults?: Partial<Record<AnswerKey, string | boolean>>;
    /** The template was chosen by its source (an org template): its id, not a choice to validate. */
    fixedTemplate?: string;
    /** The starters to choose from (default: the built-in ones). */
    starters?: readonly Starter[];
    /** Runs once the starter is known, before the questions after it (the feature questions go here). */
    afterTemplate?: (template: string) => Promise<void>;
  } = {},
): Promise<Answers> {
  const fields = answerFieldsFor(extra.starters ?? discoverStarters());
  const known: Partial<Answers> = {};
  const missing: AnswerKey[] = [];
  const ask = launch.interactive && !args.options.yes && prompter !== undefined;

  for (const key of ANSWER_KEYS) {
    const field: Field = fields[key];
    const given = args.given[key] ?? extra.defaults?.[key];
    let value: unknown;
    if (key === 'template' && extra.fixedTemplate !== undefined) {
      value = extra.fixedTemplate;
    } else if (given !== undefined) {
      value = validateGiven(key, given, fields);
    } else if (missing.length > 0 && key === 'name') {
      continue; // derived from the directory, which is itself missing
    } else {
      const fallback = field.default({ launchedBy: launch.launchedBy, known, cwd: launch.cwd });
      if (ask && field.prompt) {
        value = await promptFor(prompter, key, field, fallback);
      } else if (ask && key === 'name' && fieldProblem(field, fallback)) {
        // The directory's name is not a valid package name: ask for one instead of failing.
        value = await promptFor(prompter, key, { ...field, prompt: 'Package name' }, suggestName(String(fallback)));
      } else if (!ask && !args.options.yes && field.requiredWithoutTty) {
        missing.push(key);
        continue;
      } else {
        value = fallback;
      }
    }
    (known as Record<string, unknown>)[key] = value;
    if (key === 'template' && typeof value === 'string') await extra.afterTemplate?.(value);
  }

  if (missing.length > 0) {
    const why = launch.interactive ? 'and --json never prompts' : 'and no terminal to ask them in';
    throw new CliError('answers', `Missing answers ${why}: ${missing.map((k) => describeFlag(k, fields)).join(', ')}.`, {
      hint: 'Pass them as arguments, or --yes to accept the defaults.',
      details: missing.map((k) => `${describeFlag(k, fields)}: ${fields[k].help}`),
    });
  }
  const parsed = answersSchema.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] as AnswerKey | undefined;
    const derivedName = key === 'name' && args.given.name === undefined;
    throw new CliError('answers', issue?.message ?? 'Invalid answers.', {
      hint: derivedName
        ? 'The package name defaults to the directory name: choose another directory, or pass --name <name>.'
        : key
          ? `Fix ${describeFlag(key, fields)} and run again.`
          : undefined,
    });
  }
  return parsed.data;
}

export async function promptFor(prompter: Prompter, key: AnswerKey, field: Field, fallback: unknown): Promise<unknown> {
  let result: unknown;
  const message = field.prompt ?? field.help;
  if (field.kind === 'choice') {
    result = await prompter.select({ message, options: field.choices, initialValue: String(fallback) });
  } else if (field.kind === 'boolean') {
    result = await prompter.confirm({ message, initialValue: Boolean(fallback) });
  } else {
    const text = await prompter.text({
      message,
      placeholder: field.placeholder,
      initialValue: key === 'name' ? String(fallback) : undefined,
      validate: (v) => fieldProblem(field, v === '' && key !== 'name' ? fallback : v),
    });
    result = text === '' || text === undefined ? (text === undefined ? undefined : fallback) : text;
  }
  if (result === undefined) throw new CancelledError('answers');
  return result;
}
