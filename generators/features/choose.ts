/**
 * The feature answers of one run: flags first, then (for an upgrade or `add`) the recorded answers, then
 * a preset or the org defaults, then a prompt when interactive, else `none`. Validated against the
 * starter's questions, then the chosen features' files are read.
 */
import type { Prompter } from '../answers/collect.js';
import { CancelledError } from '../errors.js';
import type { TemplatePart } from '../templates/load.js';
import { questionsFor, resolveFeatureAnswers, type ChosenFeatures } from './choices.js';
import { loadFeatures, type FeatureRoot, featureManifests } from './discover.js';
import { NONE } from './feature-meta.js';

export interface FeatureInput {
  roots: readonly FeatureRoot[];
  parts: readonly TemplatePart[];
  starter: string;
  /** --<question> flags (always checked, also for questions this starter lacks). */
  flags: Readonly<Record<string, string>>;
  /** Answers to keep: the manifest's on an upgrade, with `add`/`remove` applied. */
  recorded?: Readonly<Record<string, unknown>>;
  /** A preset's or the org's defaults; questions this starter lacks are ignored. */
  defaults?: Readonly<Record<string, string>>;
  ask: boolean;
  prompter: Prompter | undefined;
}

export async function chooseFeatures(input: FeatureInput): Promise<ChosenFeatures> {
  const catalog = featureManifests(input.roots);
  const questions = questionsFor(catalog, input.parts);
  const given: Record<string, string> = { ...input.flags };
  for (const q of questions) {
    if (given[q.name] !== undefined) continue;
    const recorded = input.recorded?.[q.name];
    const preset = input.defaults?.[q.name];
    if (typeof recorded === 'string') given[q.name] = recorded;
    else if (input.recorded !== undefined) given[q.name] = NONE; // a project without the answer had none of it
    else if (preset !== undefined) given[q.name] = preset;
    else if (input.ask && input.prompter) {
      const value = await input.prompter.select({ message: q.message, options: q.choices, initialValue: NONE });
      if (value === undefined) throw new CancelledError('answers');
      given[q.name] = value;
    }
  }
  const { answers, chosen } = resolveFeatureAnswers(given, catalog, input.parts, input.starter);
  const loaded = await loadFeatures(chosen.map((id) => catalog.get(id)!));
  return { answers, loaded };
}
