/** Facts about how the CLI was launched, decided once at start-up and passed down as data. */
import { isatty } from 'node:tty';
import { PACKAGE_MANAGERS, type PackageManager } from '../answers/schema.js';

export interface LaunchContext {
  interactive: boolean;
  launchedBy: PackageManager;
  cwd: string;
}

/** CI=0 / CI=false are how some systems say "not CI"; any other non-empty value means CI. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Prompts only when a person can answer them: both ends are terminals and this is not CI. */
export function isInteractive(
  stdin: { isTTY?: boolean },
  stdout: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): boolean {
  return stdin.isTTY === true && stdout.isTTY === true && !isCi(env);
}

/** `npm create`, `pnpm create`, `yarn create` and `bunx` all set npm_config_user_agent, e.g. "pnpm/9.1.0 npm/? node/v20". */
export function packageManagerFromUserAgent(userAgent: string | undefined): PackageManager {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return (PACKAGE_MANAGERS as readonly string[]).includes(name ?? '') ? (name as PackageManager) : 'npm';
}

export function detectLaunch(): LaunchContext {
  // tty.isatty on the descriptors: reading process.stdin.isTTY would construct the stdin stream (~5 ms).
  return {
    interactive: isInteractive({ isTTY: isatty(0) }, { isTTY: isatty(1) }, process.env),
    launchedBy: packageManagerFromUserAgent(process.env['npm_config_user_agent']),
    cwd: process.cwd(),
  };
}
