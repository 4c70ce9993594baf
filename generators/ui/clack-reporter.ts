/** The interactive Reporter, drawn with @clack/prompts. Imported lazily: plain runs never load clack. */
import * as p from '@clack/prompts';
import type { Reporter } from './reporter.js';

export function clackReporter(): Reporter {
  return {
    intro: (title) => p.intro(title),
    info: (m) => p.log.info(m),
    warn: (m) => p.log.warn(m),
    progress(title) {
      const s = p.spinner();
      s.start(title);
      return { done: (m) => s.stop(m), fail: (m) => s.error(m) };
    },
    outro: (m) => p.outro(m),
  };
}
