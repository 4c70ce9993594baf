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
}

export interface ParsedArgs {
  /** Raw answer values as given on the command line (strings/booleans, not yet validated). */
  given: Partial<Record<AnswerKey, string | boolean>>;
  options: RunOptions;
}

export const RUN_OPTION_HELP: Record<keyof RunOptions, { flag: string; short?: string; help: string }> = {
  yes: { flag: 'yes', short: 'y', help: 'Accept defaults for every question not answered by a flag' },
  dryRun: { flag: 'dry-run', help: 'Print the planned files and steps; write nothing' },
  json: { flag: 'json', help: 'Print a machine-readable result on stdout' },
  help: { flag: 'help', short: 'h', help: 'Show this help' },
  version: { flag: 'version', short: 'v', help: 'Print the version' },
};

export function parseArgv(argv: readonly string[]): ParsedArgs {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [, o] of Object.entries(RUN_OPTION_HELP)) {
    options[o.flag] = o.short ? { type: 'boolean', short: o.short } : { type: 'boolean' };
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
  options['t'] = { type: 'string' };

  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError('args', describeParseError(err), { hint: 'Run with --help to see the available options.' });
  }
  const { values, positionals } = parsed;
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
  return {
    given,
    options: {
      yes: flag('yes'),
      dryRun: flag('dry-run'),
      json: flag('json'),
      help: flag('help'),
      version: flag('version'),
    },
  };
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
