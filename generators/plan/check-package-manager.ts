/**
 * Before anything is written: the package manager the plan will run must be on PATH. Found after the
 * write, a missing pnpm left a project without dependencies and a failed post-step (exit 5); found here,
 * it is bad input (exit 2) and the target is untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_MANAGERS, type PackageManager } from '../answers/schema.js';
import { CliError, ExitCode } from '../errors.js';
import { howToGet } from './package-manager.js';
import type { Plan } from './plan.js';

/** The non-npm package manager the plan's post-steps will run, if any (npm comes with Node). */
export function packageManagerToRun(plan: Pick<Plan, 'postSteps'>): Exclude<PackageManager, 'npm'> | undefined {
  const step = plan.postSteps.find((s) => s.skipped === undefined && s.kind !== 'git' && (PACKAGE_MANAGERS as readonly string[]).includes(s.command) && s.command !== 'npm');
  return step?.command as Exclude<PackageManager, 'npm'> | undefined;
}

/** Where `command` resolves on PATH (with PATHEXT on Windows), or undefined. No process is started. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const dirs = (env['PATH'] ?? env['Path'] ?? '').split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
  const exts = platform === 'win32' ? (env['PATHEXT'] ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e !== '') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      try {
        if (!fs.statSync(candidate).isFile()) continue;
        if (platform !== 'win32') fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // Not here (or not executable): try the next entry.
      }
    }
  }
  return undefined;
}

export function assertPackageManagerOnPath(plan: Pick<Plan, 'postSteps'>, env: NodeJS.ProcessEnv = process.env): void {
  const pm = packageManagerToRun(plan);
  if (pm === undefined || findOnPath(pm, env) !== undefined) return;
  throw new CliError('plan', `--pm ${pm}: ${pm} is not on PATH, so the dependencies could not be installed. Nothing was written.`, {
    exitCode: ExitCode.usage,
    hint: `Get it with: ${howToGet(pm)}. Or pass --no-install to generate the project now and install with ${pm} later.`,
  });
}
