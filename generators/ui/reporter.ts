/**
 * Everything the CLI tells the user goes through a Reporter. Interactive runs draw with @clack/prompts
 * (clack-reporter.ts, loaded only then); plain runs write lines to stderr; --json keeps stdout for the
 * single JSON result.
 */
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
