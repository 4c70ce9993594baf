/**
 * `--template <value>` (or a manifest's recorded origin) -> a loaded template, its source kind, where it
 * came from and whether it is trusted. Starters (built-in, or in `--templates <dir>`, which overrides and
 * adds ids) load from disk; anything else is checked against the org config's allowedSources, fetched,
 * and laid over the starter it `extends`.
 */
import { existsSync, statSync } from 'node:fs';
import type { OrgConfig } from '../answers/org-config.js';
import { sourceMatches } from '../answers/org-config.js';
import { CliError } from '../errors.js';
import { loadTemplateAt, readMetaAt, type LoadedTemplate } from '../templates/load.js';
import { discoverStarters, findStarter, type Starter } from '../templates/starters.js';
import { fetchTemplate, type TemplateOrigin } from './fetch-source.js';
import { scanLocalTemplate } from './scan-local.js';
import { describeSource, parseTemplateSource, type TemplateSource } from './parse-source.js';

export interface ResolvedTemplate {
  template: LoadedTemplate;
  /** builtin | local (--templates dir or a path) | git | tarball */
  source: string;
  origin?: TemplateOrigin;
  trusted: boolean;
  fromCache: boolean;
  /** An org kit's own `_features/` (built-in and --templates features are found for every run). */
  featureRoot?: { dir: string; untrusted: boolean };
}

export interface ResolveContext {
  cwd: string;
  builtinDir?: string;
  /** --templates <dir>: its starters override built-in ones of the same id, and add new ones. */
  localTemplatesDir?: string;
  org: OrgConfig;
  trust: boolean;
  offline: boolean;
  env: NodeJS.ProcessEnv;
}

/** The starters that load without fetching: the built-ins and a --templates directory's. */
export function startersOf(ctx: Pick<ResolveContext, 'builtinDir' | 'localTemplatesDir'>): Starter[] {
  return discoverStarters({ builtinDir: ctx.builtinDir, localDir: ctx.localTemplatesDir });
}

export function isBuiltinChoice(value: string, ctx: Pick<ResolveContext, 'builtinDir' | 'localTemplatesDir'>): boolean {
  return startersOf(ctx).some((s) => s.id === value);
}

export function parseSource(value: string, ctx: ResolveContext): TemplateSource {
  return parseTemplateSource(value, {
    builtinIds: startersOf(ctx).map((s) => s.id),
    cwd: ctx.cwd,
    home: ctx.env['HOME'],
    isDirectory: (p) => existsSync(p) && statSync(p).isDirectory(),
  });
}

/**
 * A starter's id, built-in or from --templates <dir>. That directory is a template author's working
 * copy, trusted like the built-ins, but the org config's allowedSources still applies to it.
 */
export async function resolveBuiltin(id: string, ctx: ResolveContext): Promise<ResolvedTemplate> {
  const starters = startersOf(ctx);
  const starter = findStarter(starters, id);
  const local = starter.origin === 'local';
  if (local && ctx.org.allowedSources && !sourceMatches(ctx.org.allowedSources, ctx.localTemplatesDir!)) {
    throw new CliError('template', `--templates ${ctx.localTemplatesDir} is not an allowed template source.`, {
      hint: `The org config${ctx.org.file ? ` (${ctx.org.file})` : ''} allows: ${ctx.org.allowedSources.join(', ') || 'built-in starters only'}.`,
    });
  }
  const meta = await readMetaAt(starter.dir, id);
  const template = await loadTemplateAt(starter.dir, meta, (base) => findStarter(starters, base, id).dir);
  return { template, source: local ? 'local' : 'builtin', trusted: true, fromCache: false };
}

export async function resolveSource(source: Exclude<TemplateSource, { kind: 'builtin' }>, ctx: ResolveContext): Promise<ResolvedTemplate> {
  const shown = describeSource(source);
  if (ctx.org.allowedSources && !sourceMatches(ctx.org.allowedSources, shown)) {
    throw new CliError('template', `${shown} is not an allowed template source.`, {
      hint: `The org config${ctx.org.file ? ` (${ctx.org.file})` : ''} allows: ${ctx.org.allowedSources.join(', ') || 'built-in starters only'}.`,
    });
  }
  const fetched = await fetchTemplate(source, { offline: ctx.offline, env: ctx.env });
  // A local directory gets the checks a fetched archive or repository gets (those ran while fetching).
  if (source.kind === 'local') scanLocalTemplate(fetched.dir);
  const meta = await readMetaAt(fetched.dir);
  const trusted = ctx.trust || sourceMatches(ctx.org.trustedSources, shown);
  const starters = startersOf(ctx);
  const template = await loadTemplateAt(fetched.dir, meta, (id) => findStarter(starters, id, shown).dir, [], { untrusted: !trusted });
  return { template, source: source.kind, origin: fetched.origin, trusted, fromCache: fetched.fromCache, featureRoot: { dir: fetched.dir, untrusted: !trusted } };
}

/** The source an upgrade fetches from: the recorded origin, at its recorded ref. */
export function sourceFromOrigin(origin: TemplateOrigin): Exclude<TemplateSource, { kind: 'builtin' }> {
  if (origin.kind === 'local') return { kind: 'local', dir: origin.url };
  if (origin.kind === 'tarball') return { kind: 'tarball', url: origin.url, sha256: undefined };
  return { kind: 'git', url: origin.url, ref: origin.ref, subdir: origin.subdir };
}
