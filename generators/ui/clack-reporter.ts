/** The interactive Reporter, drawn with @clack/prompts. Imported lazily: plain runs never load clack. */
import * as p from '@clack/prompts';
import type { Reporter } from './reporter.js';

/**
 * clack's spinner puts the terminal in raw mode, where Ctrl-C is a key that it answers with
 * process.exit(0): the run would end "successfully" with its work cut off (and an install's child left
 * running). Back in cooked mode Ctrl-C is SIGINT again, for the whole foreground process group, which the
 * writer and the post-steps handle (undo, or keep the finished project and say how to finish it).
 */
function keepCtrlCASignal(): void {
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
}

export function clackReporter(): Reporter {
  return {
    intro: (title) => p.intro(title),
    info: (m) => p.log.info(m),
    warn: (m) => p.log.warn(m),
    progress(title) {
      const s = p.spinner({ cancelMessage: `${title}: interrupted` });
      s.start(title);
      keepCtrlCASignal();
      return { done: (m) => s.stop(m), fail: (m) => s.error(m) };
    },
    outro: (m) => p.outro(m),
  };
}
