/**
 * Answers to a template's own questions (template.json `prompts`): from --set name=value, then the
 * preset/org defaults, then a prompt when interactive, then the question's default. Without a terminal a
 * question with no default and no answer is an error naming every one missing. Values are plain data:
 * they reach templates as EJS locals (escaped by `<%=`), never as options or code.
 */
import { runInNewContext } from 'node:vm';
import { CancelledError, CliError } from '../errors.js';
import type { TemplatePrompt } from '../templates/template-meta.js';
import type { Prompter } from './collect.js';

export type Vars = Record<string, string | boolean>;

function check(p: TemplatePrompt, value: unknown, from: string): string | boolean {
  const fail = (why: string) => new CliError('answers', `${from} ${p.name}: ${why}`, { hint: `Question: ${p.message}` });
  if (p.type === 'confirm') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'yes') return true;
    if (value === 'false' || value === 'no') return false;
    throw fail('expected true or false.');
  }
  if (typeof value !== 'string') throw fail('expected text.');
  if (value.length > 500 || /[\0-\x08\x0b-\x1f\x7f]/.test(value)) throw fail('too long or contains control characters.');
  if (p.type === 'select' && !p.choices?.some((c) => c.value === value)) throw fail(`choose one of ${p.choices?.map((c) => c.value).join(', ')}.`);
  if (p.type === 'text' && p.pattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${p.pattern})$`, 'u');
    } catch {
      throw new CliError('template', `template.json prompt ${p.name}: pattern is not a valid regular expression.`);
    }
    if (!matchesBounded(re, value)) throw fail(`must match ${p.pattern}.`);
  }
  return value;
}

/**
 * A template's pattern is untrusted: a catastrophic one ("(a+)+$") would hang the CLI. V8 interrupts a
 * regular expression at a vm timeout, so the match runs under one.
 */
function matchesBounded(re: RegExp, value: string): boolean {
  try {
    return runInNewContext('re.test(value)', { re, value }, { timeout: 250 }) === true;
  } catch {
    throw new CliError('template', `The template's pattern ${re.source} took too long to check (catastrophic backtracking).`, {
      hint: 'The template is broken or hostile: simplify its pattern.',
    });
  }
}

const own = <T>(o: Readonly<Record<string, T>>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);

export async function collectTemplateVars(
  prompts: readonly TemplatePrompt[],
  given: { set: Readonly<Record<string, string>>; preset: Readonly<Vars> },
  opts: { ask: boolean; prompter: Prompter | undefined; previous?: Readonly<Vars> },
): Promise<Vars> {
  const known = new Set(prompts.map((p) => p.name));
  for (const [k, from] of [...Object.keys(given.set).map((k) => [k, '--set'] as const), ...Object.keys(given.preset).map((k) => [k, 'the preset'] as const)]) {
    if (!known.has(k)) throw new CliError('answers', `${from} names "${k}", which this template does not ask.`, { hint: `Its questions: ${[...known].join(', ') || 'none'}.` });
  }
  const out: Vars = Object.create(null) as Vars;
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const p of prompts) {
    if (seen.has(p.name)) throw new CliError('template', `template.json asks "${p.name}" twice.`);
    seen.add(p.name);
    if (p.type === 'select' && !p.choices?.length) throw new CliError('template', `template.json prompt ${p.name}: a select needs choices.`);
    const fromSet = own(given.set, p.name);
    const fromPreset = own(given.preset, p.name);
    const fromBefore = opts.previous ? own(opts.previous, p.name) : undefined;
    if (fromSet !== undefined) out[p.name] = check(p, fromSet, '--set');
    else if (fromBefore !== undefined) out[p.name] = check(p, fromBefore, 'The manifest’s');
    else if (fromPreset !== undefined) out[p.name] = check(p, fromPreset, 'The preset’s');
    else if (opts.ask && opts.prompter) out[p.name] = await ask(p, opts.prompter);
    else if (p.default !== undefined) out[p.name] = check(p, p.default, 'The default of');
    else missing.push(p.name);
  }
  if (missing.length) {
    throw new CliError('answers', `Missing answers to the template's questions: ${missing.join(', ')}.`, {
      hint: `Pass ${missing.map((m) => `--set ${m}=<value>`).join(' ')} or put them under "vars" in a --preset file.`,
    });
  }
  return out;
}

async function ask(p: TemplatePrompt, prompter: Prompter): Promise<string | boolean> {
  let result: string | boolean | undefined;
  if (p.type === 'confirm') {
    result = await prompter.confirm({ message: p.message, initialValue: p.default === true });
  } else if (p.type === 'select') {
    result = await prompter.select({
      message: p.message,
      options: (p.choices ?? []).map((c) => ({ value: c.value, label: c.label ?? c.value })),
      ...(typeof p.default === 'string' ? { initialValue: p.default } : {}),
    });
  } else {
    result = await prompter.text({
      message: p.message,
      ...(typeof p.default === 'string' ? { initialValue: p.default } : {}),
      validate: (v) => {
        try {
          check(p, v, 'Answer');
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
  }
  if (result === undefined) throw new CancelledError('answers');
  return check(p, result, 'Answer');
}

/** `--set a=b` values, repeated. */
export function parseSetFlags(values: readonly string[]): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new CliError('args', `--set ${v}: expected name=value.`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}
