/**
 * `--template <value>` (or a manifest's recorded origin) -> a loaded template, its source kind, where it
 * came from and whether it is trusted. Built-in starters (and `--templates <dir>` overrides of them) load
 * as before; anything else is checked against the org config's allowedSources, fetched, and laid over
 * the built-in starters it `extends`.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { OrgConfig } from '../answers/org-config.js';
import { sourceMatches } from '../answers/org-config.js';
import { CliError } from '../errors.js';
import { TEMPLATES_DIR } from '../package-root.js';
import { availableTemplates, loadTemplate, loadTemplateAt, readMetaAt, type LoadedTemplate } from '../templates/load.js';
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
}

export interface ResolveContext {
  cwd: string;
  builtinDir?: string;
  /** --templates <dir>: overrides built-in ids it has. */
  localTemplatesDir?: string;
  org: OrgConfig;
  trust: boolean;
  offline: boolean;
  env: NodeJS.ProcessEnv;
}

/** Template ids that load without fetching: the built-ins and a --templates directory's. */
function knownIds(ctx: Pick<ResolveContext, 'builtinDir' | 'localTemplatesDir'>): string[] {
  const ids = availableTemplates(ctx.builtinDir ?? TEMPLATES_DIR);
  if (ctx.localTemplatesDir) ids.push(...availableTemplates(ctx.localTemplatesDir));
  return ids;
}

export function isBuiltinChoice(value: string, ctx: Pick<ResolveContext, 'builtinDir' | 'localTemplatesDir'>): boolean {
  return knownIds(ctx).includes(value);
}

export function parseSource(value: string, ctx: ResolveContext): TemplateSource {
  return parseTemplateSource(value, {
    builtinIds: knownIds(ctx),
    cwd: ctx.cwd,
    home: ctx.env['HOME'],
    isDirectory: (p) => existsSync(p) && statSync(p).isDirectory(),
  });
}

/**
 * A built-in id, honouring --templates <dir> overrides. That directory is a template author's working
 * copy, trusted like the built-ins, but the org config's allowedSources still applies to it.
 */
export async function resolveBuiltin(id: string, ctx: ResolveContext): Promise<ResolvedTemplate> {
  const local = ctx.localTemplatesDir !== undefined && existsSync(path.join(ctx.localTemplatesDir, id, 'template.json'));
  if (local && ctx.org.allowedSources && !sourceMatches(ctx.org.allowedSources, ctx.localTemplatesDir!)) {
    throw new CliError('template', `--templates ${ctx.localTemplatesDir} is not an allowed template source.`, {
      hint: `The org config${ctx.org.file ? ` (${ctx.org.file})` : ''} allows: ${ctx.org.allowedSources.join(', ') || 'built-in starters only'}.`,
    });
  }
  const template = await loadTemplate(id, local ? ctx.localTemplatesDir : (ctx.builtinDir ?? TEMPLATES_DIR));
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
  const builtin = ctx.builtinDir ?? TEMPLATES_DIR;
  const trusted = ctx.trust || sourceMatches(ctx.org.trustedSources, shown);
  const locate = (id: string) => {
    const dir = path.join(builtin, id);
    if (!existsSync(path.join(dir, 'template.json'))) throw new CliError('template', `${shown} extends "${id}", which is not a built-in starter.`);
    return dir;
  };
  const template = await loadTemplateAt(fetched.dir, meta, locate, [], { untrusted: !trusted });
  return { template, source: source.kind, origin: fetched.origin, trusted, fromCache: fetched.fromCache };
}

/** The source an upgrade fetches from: the recorded origin, at its recorded ref. */
export function sourceFromOrigin(origin: TemplateOrigin): Exclude<TemplateSource, { kind: 'builtin' }> {
  if (origin.kind === 'local') return { kind: 'local', dir: origin.url };
  if (origin.kind === 'tarball') return { kind: 'tarball', url: origin.url, sha256: undefined };
  return { kind: 'git', url: origin.url, ref: origin.ref, subdir: origin.subdir };
}
