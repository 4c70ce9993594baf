/**
 * Feature questions and answers. A starter is asked the questions of the features one of its parts can
 * take; each answer is `none` or a feature id. Validation names the valid choices: an unknown value, a
 * feature the starter cannot take, a missing requirement or a conflict is a usage error (exit 2).
 */
import { CliError, ExitCode } from '../errors.js';
import type { TemplatePart } from '../templates/load.js';
import { NONE, type FeatureMeta } from './feature-meta.js';

export interface FeatureQuestion {
  /** The flag and the key in the manifest's answers. */
  name: string;
  message: string;
  /** `none` first, then the features answering it, by id. */
  choices: { value: string; label: string; hint?: string }[];
}

/** question -> chosen value (`none` or a feature id), for every question the starter is asked. */
export type FeatureAnswers = Record<string, string>;

type Catalog = ReadonlyMap<string, { meta: FeatureMeta }>;

export function takesFeature(meta: FeatureMeta, parts: readonly TemplatePart[]): boolean {
  return parts.some((p) => meta.parts.includes(p.kind));
}

/** Every question known on disk, whatever the starter (flags are parsed before the starter is known). */
export function allQuestionNames(catalog: Catalog): string[] {
  return [...new Set([...catalog.values()].map((f) => f.meta.question))].sort();
}

export function questionsFor(catalog: Catalog, parts: readonly TemplatePart[]): FeatureQuestion[] {
  const byName = new Map<string, FeatureQuestion>();
  const features = [...catalog.values()].map((f) => f.meta).filter((m) => takesFeature(m, parts));
  for (const meta of features.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const q = byName.get(meta.question) ?? { name: meta.question, message: meta.prompt ?? `${meta.question}?`, choices: [{ value: NONE, label: 'none' }] };
    if (meta.prompt !== undefined && q.choices.length === 1) q.message = meta.prompt;
    q.choices.push({ value: meta.id, label: meta.label, ...(meta.hint ? { hint: meta.hint } : {}) });
    byName.set(meta.question, q);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const usage = (message: string, hint?: string) => new CliError('answers', message, { exitCode: ExitCode.usage, ...(hint ? { hint } : {}) });

/**
 * Checks given answers against the starter's questions and returns the full set (unasked questions
 * `none`) with the chosen features in id order. `starter` names the template in messages.
 */
export function resolveFeatureAnswers(
  given: Readonly<Record<string, string>>,
  catalog: Catalog,
  parts: readonly TemplatePart[],
  starter: string,
): { answers: FeatureAnswers; chosen: string[] } {
  const questions = questionsFor(catalog, parts);
  const answers: FeatureAnswers = Object.fromEntries(questions.map((q) => [q.name, NONE]));
  for (const [name, value] of Object.entries(given)) {
    const q = questions.find((x) => x.name === name);
    if (!q) {
      const known = allQuestionNames(catalog).includes(name);
      if (known && value === NONE) continue;
      throw usage(
        known ? `The ${starter} starter cannot take --${name} ${value}: none of its parts supports it.` : `Unknown question --${name}.`,
        questions.length ? `Its questions: ${questions.map((x) => `--${x.name} <${x.choices.map((c) => c.value).join('|')}>`).join(', ')}.` : `The ${starter} starter takes no features.`,
      );
    }
    if (!q.choices.some((c) => c.value === value)) {
      const other = catalog.get(value);
      throw usage(
        other ? `The ${starter} starter cannot take --${name} ${value}${other.meta.question === name ? ': none of its parts supports it' : ` (${value} answers --${other.meta.question})`}.` : `Unknown ${name} "${value}".`,
        `Choose one of: ${q.choices.map((c) => c.value).join(', ')}.`,
      );
    }
    answers[name] = value;
  }
  const chosen = Object.values(answers).filter((v) => v !== NONE).sort();
  for (const id of chosen) {
    const meta = catalog.get(id)!.meta;
    const missing = meta.requires.filter((r) => !chosen.includes(r));
    if (missing.length) {
      throw usage(`${id} needs ${missing.join(', ')} too.`, `Add ${missing.map((m) => flagFor(catalog, m)).join(' ')}, or leave ${id} out.`);
    }
    const clash = chosen.filter((c) => meta.conflicts.includes(c) || catalog.get(c)!.meta.conflicts.includes(id));
    if (clash.length) throw usage(`${id} cannot be combined with ${clash.join(', ')}.`, `Choose one of: ${[id, ...clash].join(', ')}.`);
  }
  return { answers, chosen };
}

function flagFor(catalog: Catalog, id: string): string {
  const meta = catalog.get(id)?.meta;
  return meta ? `--${meta.question} ${id}` : id;
}

/** What the plan takes: every question's answer, and the chosen features' files. */
export interface ChosenFeatures {
  answers: FeatureAnswers;
  loaded: import('./discover.js').LoadedFeature[];
}
