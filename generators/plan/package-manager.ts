/**
 * How each package manager spells the commands the generator runs, prints and writes into projects
 * (Dockerfile, CI workflow, README): the one place that maps a package manager to its commands.
 */
import type { PackageManager } from '../answers/schema.js';

/**
 * Releases written into non-npm projects (package.json `packageManager`, Dockerfile, CI), so every place
 * installs the same one. Pinned, not "latest": a project builds the same next year. Bump here only.
 * - pnpm 10: pnpm 11+ reads its settings from pnpm-workspace.yaml only, and this generator writes the
 *   build-script allow-list into package.json ("pnpm.onlyBuiltDependencies").
 * - Yarn 1 (classic), what `npm install -g yarn` and the node images give: node_modules, no PnP, no
 *   .yarnrc.yml. Yarn 2+ (Berry) is not supported by the generated files.
 */
export const PINNED_VERSIONS = { pnpm: '10.34.9', yarn: '1.22.22', bun: '1.4.5' } as const satisfies Record<Exclude<PackageManager, 'npm'>, string>;

/** What a template may use, as EJS locals (`<%= pmLockfile %>` …). npm's values are today's output. */
export interface PackageManagerCommands {
  /** The lockfile a first install writes and a frozen install needs. */
  pmLockfile: string;
  /** A plain install (README: first install, adding dependencies). */
  pmInstall: string;
  /** Install exactly the lockfile, failing if package.json disagrees (CI, images). */
  pmInstallFrozen: string;
  /** Production dependencies only, no optional ones, no install scripts (the runtime image). */
  pmInstallProd: string;
  /** Empty the download cache (keeps image layers small). */
  pmCacheClean: string;
  /** The start script. */
  pmStart: string;
  /** The test script (`bun test` would run bun's own test runner instead). */
  pmTest: string;
  /** Run a dependency's binary: `npx prisma …`. */
  pmExec: string;
  /** Check dependencies for known high-severity advisories. */
  pmAudit: string;
  /** How the manager gets onto a machine that has only Node and npm (images, CI); empty for npm. */
  pmSetup: string;
  /** actions/setup-node `cache:` value; empty when setup-node cannot cache for it (see pmCommands). */
  pmCiCache: string;
}

/**
 * The Dockerfile and CI install the pinned release with npm: corepack is not bundled with Node 25+, and
 * `npm install -g` needs no signing keys or extra download host. Yarn gets --force because node images
 * before 25 already ship a yarn binary that npm would otherwise refuse to overwrite. pnpm and bun get no
 * setup-node cache: its cache step runs the manager before this install (pnpm/action-setup would fix that,
 * but the commit of its current release could not be verified to pin it), while runners ship Yarn 1, so
 * `cache: yarn` works.
 */
export function pmCommands(pm: PackageManager): PackageManagerCommands {
  switch (pm) {
    case 'npm':
      return {
        pmLockfile: 'package-lock.json',
        pmInstall: 'npm install',
        pmInstallFrozen: 'npm ci',
        pmInstallProd: 'npm ci --omit=dev --omit=optional --ignore-scripts',
        pmCacheClean: 'npm cache clean --force',
        pmStart: 'npm start',
        pmTest: 'npm test',
        pmExec: 'npx',
        pmAudit: 'npm audit --audit-level=high',
        pmSetup: '',
        pmCiCache: 'npm',
      };
    case 'pnpm':
      return {
        pmLockfile: 'pnpm-lock.yaml',
        pmInstall: 'pnpm install',
        pmInstallFrozen: 'pnpm install --frozen-lockfile',
        pmInstallProd: 'pnpm install --frozen-lockfile --prod --no-optional --ignore-scripts',
        pmCacheClean: 'pnpm store prune',
        pmStart: 'pnpm start',
        pmTest: 'pnpm test',
        pmExec: 'pnpm exec',
        pmAudit: 'pnpm audit --audit-level high',
        pmSetup: `npm install -g pnpm@${PINNED_VERSIONS.pnpm}`,
        pmCiCache: '',
      };
    case 'yarn':
      return {
        pmLockfile: 'yarn.lock',
        pmInstall: 'yarn install',
        pmInstallFrozen: 'yarn install --frozen-lockfile',
        pmInstallProd: 'yarn install --frozen-lockfile --production --ignore-optional --ignore-scripts',
        pmCacheClean: 'yarn cache clean',
        pmStart: 'yarn start',
        pmTest: 'yarn test',
        pmExec: 'yarn',
        pmAudit: 'yarn audit --level high',
        pmSetup: `npm install -g --force yarn@${PINNED_VERSIONS.yarn}`,
        pmCiCache: 'yarn',
      };
    case 'bun':
      return {
        pmLockfile: 'bun.lock',
        pmInstall: 'bun install',
        pmInstallFrozen: 'bun install --frozen-lockfile',
        pmInstallProd: 'bun install --frozen-lockfile --production --omit=optional --ignore-scripts',
        pmCacheClean: 'bun pm cache rm',
        pmStart: 'bun run start',
        pmTest: 'bun run test',
        pmExec: 'bunx',
        pmAudit: 'bun audit --audit-level=high',
        pmSetup: `npm install -g bun@${PINNED_VERSIONS.bun}`,
        pmCiCache: '',
      };
  }
}

/** package.json `packageManager` (read by corepack and pnpm); none for npm, so npm output is unchanged. */
export function packageManagerField(pm: PackageManager): string | undefined {
  return pm === 'npm' ? undefined : `${pm}@${PINNED_VERSIONS[pm]}`;
}

/** How to get the manager when it is missing, for the pre-write check's hint. */
export function howToGet(pm: Exclude<PackageManager, 'npm'>): string {
  const v = PINNED_VERSIONS[pm];
  if (pm === 'bun') return `npm install -g bun@${v} (or see https://bun.sh)`;
  return `corepack enable (Node 24 and older), or npm install -g ${pm}@${v}`;
}

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
  const field = packageManagerField(pm);
  // Only where the template has none: an org template may pin its own.
  if (field !== undefined && out['packageManager'] === undefined) out['packageManager'] = field;
  const allowed = Object.keys((pkg['allowScripts'] as Record<string, boolean> | undefined) ?? {});
  if (allowed.length > 0 && pm === 'pnpm') {
    out['pnpm'] = { ...(pkg['pnpm'] as object | undefined), onlyBuiltDependencies: allowed };
  }
  if (allowed.length > 0 && pm === 'bun') out['trustedDependencies'] = allowed;
  return out;
}
