/** What every template fetch (git or HTTP) shares: its error, the token lookup, and redaction of both. */
import { CliError, ExitCode } from '../errors.js';

export function fetchError(what: string, detail: string, offlineHint = true): CliError {
  return new CliError('template', `Could not fetch the template ${what}: ${detail}`, {
    exitCode: ExitCode.fetchFailed,
    hint: offlineHint ? 'Check the URL, your network and credentials. To use the copy cached by an earlier run, pass --offline.' : undefined,
  });
}

/** The token for a host, from the environment only. */
export function tokenFor(host: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env['CPB_TEMPLATE_TOKEN']) return env['CPB_TEMPLATE_TOKEN'];
  if (host === 'github.com' && env['GITHUB_TOKEN']) return env['GITHUB_TOKEN'];
  if (host === 'gitlab.com' && env['GITLAB_TOKEN']) return env['GITLAB_TOKEN'];
  return undefined;
}

/** Removes anything that looks like a credential from text shown to the user. */
export function redact(text: string, env: NodeJS.ProcessEnv): string {
  let out = text.replace(/(\/\/)[^/@\s]+@/g, '$1***@');
  for (const k of ['CPB_TEMPLATE_TOKEN', 'GITHUB_TOKEN', 'GITLAB_TOKEN']) {
    const v = env[k];
    if (v && v.length >= 4) out = out.split(v).join('***');
  }
  return out;
}

