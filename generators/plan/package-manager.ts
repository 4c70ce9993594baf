/** How each package manager spells the few commands the generator runs or prints. */
import type { PackageManager } from '../answers/schema.js';

export function installCommand(pm: PackageManager): [string, string[]] {
  return [pm, ['install']];
}

export function runScriptCommand(pm: PackageManager, script: string): [string, string[]] {
  return [pm, ['run', script]];
}

/** For messages: "npm run dev", "pnpm dev" … */
export function runScriptText(pm: PackageManager, script: string): string {
  return pm === 'npm' || pm === 'bun' ? `${pm} run ${script}` : `${pm} ${script}`;
}

/**
 * npm 11 reads `allowScripts`; pnpm and bun have their own allow-lists for dependency install scripts.
 * The template declares the list once (allowScripts) and this mirrors it for the chosen manager.
 */
export function adaptPackageJson(pkg: Record<string, unknown>, name: string, pm: PackageManager): Record<string, unknown> {
  const out: Record<string, unknown> = { ...pkg, name };
  const allowed = Object.keys((pkg['allowScripts'] as Record<string, boolean> | undefined) ?? {});
  if (allowed.length > 0 && pm === 'pnpm') {
    out['pnpm'] = { ...(pkg['pnpm'] as object | undefined), onlyBuiltDependencies: allowed };
  }
  if (allowed.length > 0 && pm === 'bun') out['trustedDependencies'] = allowed;
  return out;
}
