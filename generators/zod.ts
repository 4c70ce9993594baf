/**
 * The CLI validates with zod's tree-shakable "mini" build: the full build adds ~60 ms to every start
 * (measured with bench/scaffold.mjs), mini about 15 ms. Only the functions used are re-exported, so the
 * bundler can drop the rest; mini ships no messages, so English is loaded here.
 */
import {
  _default,
  array,
  boolean,
  config,
  enum as enumOf,
  literal,
  maxLength,
  minLength,
  number,
  object,
  optional,
  record,
  refine,
  regex,
  strictObject,
  string,
  union,
} from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export const z = { _default, array, boolean, enum: enumOf, literal, maxLength, minLength, number, object, optional, record, refine, regex, strictObject, string, union };
export type { infer as Infer, ZodMiniType as Schema } from 'zod/mini';
