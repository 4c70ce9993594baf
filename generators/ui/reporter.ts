/**
 * Everything the CLI tells the user goes through a Reporter. Interactive runs draw with @clack/prompts;
 * plain runs write lines to stderr; --json keeps stdout for the single JSON result.
 */
import * as p from '@clack/prompts';

export interface Progress {
  done(message: string): void;
  fail(message: string): void;
}

export interface Reporter {
  intro(title: string): void;
  info(message: string): void;
  warn(message: string): void;
  progress(title: string): Progress;
  outro(message: string): void;
}

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

/** Line-oriented output for pipes, CI logs and --json (where it goes to stderr, or nowhere when quiet). */
export function plainReporter(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Reporter {
  return {
    intro: (title) => write(title),
    info: (m) => write(m),
    warn: (m) => write(`warning: ${m}`),
    progress(title) {
      write(`… ${title}`);
      return { done: (m) => write(`✔ ${m}`), fail: (m) => write(`✖ ${m}`) };
    },
    outro: (m) => write(m),
  };
}
