/**
 * Process boundary: decides interactivity once, runs the pipeline, prints the result, maps errors to exit
 * codes. User errors are a message and a hint, never a stack trace.
 */
import { detectLaunch } from './env/launch.js';
import { CancelledError, CliError, ExitCode } from './errors.js';
import { run } from './main.js';
import { printJson, type JsonResult } from './ui/json-result.js';
import { plainReporter, type Reporter } from './ui/reporter.js';

function printError(err: CliError, json: boolean): void {
  if (json) {
    const result = (err as CliError & { result?: string }).result;
    const error = { phase: err.phase, message: err.message, hint: err.hint, details: err.details, exitCode: err.exitCode };
    process.stdout.write(printJson(result ? { ...(JSON.parse(result) as JsonResult), ok: false, error } : { ok: false, error }));
    return;
  }
  const lines = err instanceof CancelledError ? [err.message] : [`error (${err.phase}): ${err.message}`, ...err.details.map((d) => `  ${d}`)];
  if (err.hint) lines.push(err.hint);
  process.stderr.write(`${lines.join('\n')}\n`);
}

async function loadClack() {
  const [{ clackPrompter }, { clackReporter }] = await Promise.all([import('./answers/prompts.js'), import('./ui/clack-reporter.js')]);
  return { prompter: clackPrompter, reporter: (): Reporter => clackReporter() };
}

export async function main(argv: readonly string[]): Promise<number> {
  const launch = detectLaunch();
  const json = argv.includes('--json');
  try {
    // clack is loaded only when someone can see it: plain and CI runs start faster without it.
    const clack = launch.interactive ? await loadClack() : undefined;
    const result = await run(argv, {
      launch,
      prompter: clack?.prompter,
      reporterFor: (o) => (clack && !o.json ? clack.reporter() : plainReporter()),
    });
    if (result.stdout) process.stdout.write(result.stdout);
    return result.exitCode ?? ExitCode.ok;
  } catch (err) {
    if (err instanceof CliError) {
      printError(err, json);
      return err.exitCode;
    }
    process.stderr.write(`create-polyglot-backend hit an internal error (a bug; please report it):\n${(err as Error).stack ?? String(err)}\n`);
    return ExitCode.internal;
  }
}

process.exitCode = await main(process.argv.slice(2));
