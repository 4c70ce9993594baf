/**
 * argv -> flags. Flags for answers come from the answers schema; the rest are run options. Parsing only:
 * no validation of values beyond their shape, no defaults (collect.ts resolves those).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from '../errors.js';
import { ANSWER_KEYS, answerFields, flagName, type AnswerKey } from './schema.js';

export interface RunOptions {
  yes: boolean;
  dryRun: boolean;
  json: boolean;
  help: boolean;
  version: boolean;
  /** Directory to work in instead of the current one. */
  cwd: string | undefined;
  /** A local directory of templates that overrides the built-in ones. */
  templates: string | undefined;
  /** Upgrade: proceed although the git work tree has uncommitted changes. */
  allowDirty: boolean;
  /** Upgrade: exit 7 when an upgrade is available, 0 when not; change nothing. */
  check: boolean;
  /** Default answers from a JSON file. */
  preset: string | undefined;
  /** Run a non-built-in template's post-steps and install scripts. */
  trust: boolean;
  /** Use the template cache instead of fetching a remote template. */
  offline: boolean;
  /** Answers to the template's own questions, name=value. */
  set: string[];
}

/** `create-polyglot-backend upgrade`: the explicit form of running the plain command inside a project. */
export const UPGRADE_COMMAND = 'upgrade';

export interface ParsedArgs {
  /** Raw answer values as given on the command line (strings/booleans, not yet validated). */
  given: Partial<Record<AnswerKey, string | boolean>>;
  options: RunOptions;
  /** `upgrade` was given as the first argument. */
  upgradeCommand: boolean;
  /** `add <feature>` / `remove <feature>`: change one feature of the project here, as an upgrade. */
  featureCommand?: { action: FeatureAction; id: string };
  /** --<question> <value> for the feature questions found on disk. */
  features: Record<string, string>;
}

export const FEATURE_ACTIONS = ['add', 'remove'] as const;
export type FeatureAction = (typeof FEATURE_ACTIONS)[number];

export const RUN_OPTION_HELP: Record<keyof RunOptions, { flag: string; short?: string; value?: string; help: string }> = {
  yes: { flag: 'yes', short: 'y', help: 'Accept defaults for every question not answered by a flag' },
  dryRun: { flag: 'dry-run', help: 'Print the planned files and steps; write nothing' },
  json: { flag: 'json', help: 'Print a machine-readable result on stdout' },
  cwd: { flag: 'cwd', value: 'dir', help: 'Work in <dir> instead of the current directory' },
  templates: { flag: 'templates', value: 'dir', help: 'Use starters from a local directory too (adds new ids, overrides built-in ones of the same id)' },
  allowDirty: { flag: 'allow-dirty', help: 'Upgrade: proceed although git has uncommitted changes' },
  check: { flag: 'check', help: 'Upgrade: exit 7 if a newer template is available, 0 if not; change nothing' },
  preset: { flag: 'preset', value: 'file', help: 'Default answers from a JSON file (see docs/templates.md)' },
  set: { flag: 'set', value: 'name=value', help: "Answer one of the template's own questions (repeatable)" },
  trust: { flag: 'trust', help: "Run a non-built-in template's post-steps and dependency install scripts" },
  offline: { flag: 'offline', help: 'Take a git/tarball template from the cache of an earlier run; no network' },
  help: { flag: 'help', short: 'h', help: 'Show this help' },
  version: { flag: 'version', short: 'v', help: 'Print the version' },
};

/** `questions`: the feature questions found on disk, each a `--<question> <value>` flag. */
export function parseArgv(argv: readonly string[], questions: readonly string[] = []): ParsedArgs {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [, o] of Object.entries(RUN_OPTION_HELP)) {
    const type = o.value ? 'string' : 'boolean';
    options[o.flag] = o.short ? { type, short: o.short } : { type };
  }
  for (const key of ANSWER_KEYS) {
    const field = answerFields[key];
    if ('positional' in field && field.positional) continue;
    const flag = flagName(key);
    if (field.kind === 'boolean') {
      options[flag] = { type: 'boolean' };
      // Node 20's parseArgs has no allowNegative, so --no-x is declared explicitly.
      options[`no-${flag}`] = { type: 'boolean' };
    } else {
      options[flag] = { type: 'string' };
    }
  }
  for (const q of questions) options[q] ??= { type: 'string' };
  options['t'] = { type: 'string' };
  options['set'] = { type: 'string', multiple: true };

  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError('args', describeParseError(err), { hint: 'Run with --help to see the available options.' });
  }
  const { values } = parsed;
  const upgradeCommand = parsed.positionals[0] === UPGRADE_COMMAND;
  const featureCommand = parseFeatureCommand(parsed.positionals);
  const positionals = upgradeCommand ? parsed.positionals.slice(1) : featureCommand ? [] : parsed.positionals;
  if (upgradeCommand && positionals.length > 0) {
    throw new CliError('args', `"${UPGRADE_COMMAND}" takes no directory; got ${positionals.join(' ')}.`, {
      hint: `Run it inside the project, or pass --cwd <dir>. To create a project in a directory named "${UPGRADE_COMMAND}", pass ./${UPGRADE_COMMAND}.`,
    });
  }
  if (positionals.length > 1) {
    throw new CliError('args', `Expected at most one directory, got ${positionals.length}: ${positionals.join(' ')}`, {
      hint: 'Quote the directory if it contains spaces.',
    });
  }

  const given: ParsedArgs['given'] = {};
  if (positionals[0] !== undefined) given.directory = positionals[0];
  for (const key of ANSWER_KEYS) {
    const field = answerFields[key];
    if ('positional' in field && field.positional) continue;
    const flag = flagName(key);
    if (field.kind === 'boolean') {
      const yes = values[flag] === true;
      const no = values[`no-${flag}`] === true;
      if (yes && no) throw new CliError('args', `--${flag} and --no-${flag} contradict each other; pass one.`);
      if (yes || no) given[key] = yes;
    } else if (typeof values[flag] === 'string') {
      given[key] = values[flag];
    }
  }
  if (typeof values['t'] === 'string') given.template ??= values['t'];

  const flag = (name: string) => values[name] === true;
  const text = (name: string): string | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new CliError('args', `Option --${name} needs a value.`);
    return v;
  };
  const features: Record<string, string> = {};
  for (const q of questions) {
    const v = values[q];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') throw new CliError('args', `Option --${q} needs a value.`);
    features[q] = v;
  }
  return {
    given,
    upgradeCommand,
    ...(featureCommand ? { featureCommand } : {}),
    features,
    options: {
      yes: flag('yes'),
      dryRun: flag('dry-run'),
      json: flag('json'),
      help: flag('help'),
      version: flag('version'),
      cwd: text('cwd'),
      templates: text('templates'),
      allowDirty: flag('allow-dirty'),
      check: flag('check'),
      preset: text('preset'),
      trust: flag('trust'),
      offline: flag('offline'),
      set: Array.isArray(values['set']) ? values['set'].filter((v): v is string => typeof v === 'string') : [],
    },
  };
}

function parseFeatureCommand(positionals: readonly string[]): ParsedArgs['featureCommand'] {
  const action = FEATURE_ACTIONS.find((a) => a === positionals[0]);
  if (action === undefined) return undefined;
  if (positionals.length !== 2) {
    throw new CliError('args', `"${action}" takes one feature, e.g. ${action} redis; got ${positionals.length - 1}.`, {
      hint: `Run it inside the project (or pass --cwd <dir>). To create a project in a directory named "${action}", pass ./${action}.`,
    });
  }
  return { action, id: positionals[1]! };
}

function describeParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // parseArgs messages embed usage advice meant for scripts; keep the first sentence.
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `Unknown option ${unknown[1]}.`;
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing?.[1]) return `Option ${missing[1].replace(/^-\w, /, '')} needs a value.`;
  return message.split('. ')[0] ?? message;
}
