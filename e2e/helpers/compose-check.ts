/**
 * Offline check of a compose file, as `docker compose config` would load it (there is no Docker here):
 * tools/compose-check, a small Go program on compose-go (the library Docker Compose is built on), checks
 * it against the Compose specification schema, interpolates ${VAR...} from the given variables only, and
 * runs the loader's consistency checks. Built on first use, cached across runs by tools/compose-check/build.sh.
 */
import path from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../test/helpers/cli.js';

const BUILD_SCRIPT = path.join(REPO_ROOT, 'tools', 'compose-check', 'build.sh');

let binary: Promise<string> | undefined;

/** The tool's path; builds it at most once per process (a cold build downloads modules and takes ~40 s). */
function composeCheck(): Promise<string> {
  binary ??= execa('bash', [BUILD_SCRIPT], { stdin: 'ignore', timeout: 300_000 }).then(
    (r) => r.stdout.trim(),
    (err: unknown) => {
      binary = undefined; // not cached: the next call tries again and reports its own error
      throw err;
    },
  );
  return binary;
}

/**
 * Problems in a compose file, one line each ("<file>: <problem>"); [] when it loads cleanly. `env` holds
 * the variables it is interpolated with; the real environment and any .env file are not consulted.
 */
export async function lintCompose(file: string, env: Record<string, string> = {}): Promise<string[]> {
  const args = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const r = await execa(await composeCheck(), [...args, path.resolve(file)], { reject: false, stdin: 'ignore', timeout: 60_000 });
  // 0: valid, 1: problems listed on stdout; anything else (usage error, crash, timeout) is the tool's fault.
  if (r.exitCode === 0) return [];
  if (r.exitCode === 1 && r.stdout.trim()) return r.stdout.trim().split('\n');
  throw new Error(`compose-check failed (exit ${r.exitCode ?? r.signal}): ${r.stderr || r.stdout || r.message}`);
}
