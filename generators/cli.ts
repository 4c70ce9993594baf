/**
 * Process boundary: decides interactivity once, runs the pipeline, prints the result, maps errors to exit
 * codes. User errors are a message and a hint, never a stack trace.
 */
import { clackPrompter } from './answers/prompts.js';
import { detectLaunch } from './env/launch.js';
import { CliError, ExitCode } from './errors.js';
import { run } from './main.js';
import { clackReporter, plainReporter } from './ui/reporter.js';

function printError(err: CliError, json: boolean): void {
  if (json) {
    const result = (err as CliError & { result?: string }).result;
    const error = { phase: err.phase, message: err.message, hint: err.hint, details: err.details, exitCode: err.exitCode };
    process.stdout.write(result ? `${JSON.stringify({ ...JSON.parse(result), ok: false, error }, null, 2)}\n` : `${JSON.stringify({ ok: false, error }, null, 2)}\n`);
    return;
  }
  const lines = [`error (${err.phase}): ${err.message}`, ...err.details.map((d) => `  ${d}`)];
  if (err.hint) lines.push(err.hint);
  process.stderr.write(`${lines.join('\n')}\n`);
}

export async function main(argv: readonly string[]): Promise<number> {
  const launch = detectLaunch();
  const json = argv.includes('--json');
  try {
    const result = await run(argv, {
      launch,
      prompter: clackPrompter,
      reporterFor: (o) => (launch.interactive && !o.json ? clackReporter() : plainReporter()),
    });
    if (result.stdout) process.stdout.write(result.stdout);
    return ExitCode.ok;
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
