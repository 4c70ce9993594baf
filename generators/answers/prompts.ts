/** The @clack/prompts implementation of Prompter: the only module that draws questions on the terminal. */
import * as p from '@clack/prompts';
import type { Prompter } from './collect.js';

function orUndefined<T>(value: T | symbol): T | undefined {
  return p.isCancel(value) ? undefined : (value as T);
}

export const clackPrompter: Prompter = {
  async text(opts) {
    return orUndefined<string>(
      await p.text({
        message: opts.message,
        placeholder: opts.placeholder,
        initialValue: opts.initialValue,
        validate: (v) => opts.validate(v ?? ''),
      }),
    );
  },
  async select(opts) {
    return orUndefined<string>(
      await p.select({
        message: opts.message,
        options: opts.options.map((o) => ({ value: o.value, label: o.label, hint: o.hint })),
        initialValue: opts.initialValue,
      }),
    );
  },
  async confirm(opts) {
    return orUndefined<boolean>(await p.confirm({ message: opts.message, initialValue: opts.initialValue }));
  },
};
