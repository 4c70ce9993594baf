/**
 * Answers that come from files rather than flags: `--preset file.json` and the organisation's config
 * (CPB_CONFIG, else $XDG_CONFIG_HOME/create-polyglot-backend/config.json). Precedence: flags, then the
 * preset, then the org defaults, then the built-in defaults. The org config also says which template
 * sources may be used at all and which are trusted to run their post-steps.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../errors.js';
import { z, type Infer } from '../zod.js';

const presetSchema = z.strictObject({
  template: z.optional(z.string()),
  name: z.optional(z.string()),
  packageManager: z.optional(z.string()),
  install: z.optional(z.boolean()),
  git: z.optional(z.boolean()),
  /** Answers to the template's own prompts. */
  vars: z._default(z.record(z.string(), z.union([z.string(), z.boolean()])), {}),
  /** Answers to the feature questions: `{ "cache": "redis" }`. */
  features: z._default(z.record(z.string(), z.string()), {}),
});
export type Preset = Infer<typeof presetSchema>;

const orgConfigSchema = z.strictObject({
  defaults: z.optional(presetSchema),
  /** Prefixes of template sources (URLs or paths) that may be used; built-in starters always may. Unset = any. */
  allowedSources: z.optional(z.array(z.string().check(z.minLength(1)))),
  /** Prefixes of sources whose post-steps and install scripts run without --trust. */
  trustedSources: z._default(z.array(z.string().check(z.minLength(1))), []),
});
export type OrgConfig = Infer<typeof orgConfigSchema> & { file?: string };

function readJson<T>(file: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, what: string): T {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    throw new CliError('args', `${what} ${file} cannot be read.`, { hint: 'Check the path.' });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new CliError('args', `${what} ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError('args', `${what} ${file}: ${issue?.path.map(String).join('.') || '(top)'} ${issue?.message ?? 'is invalid'}`, { hint: 'See docs/templates.md for the format.' });
  }
  return parsed.data;
}

export function orgConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  if (env['CPB_CONFIG']) return env['CPB_CONFIG'];
  const base = env['XDG_CONFIG_HOME'] || path.join(env['HOME'] || os.homedir(), '.config');
  const file = path.join(base, 'create-polyglot-backend', 'config.json');
  return fs.existsSync(file) ? file : undefined;
}

export function loadOrgConfig(env: NodeJS.ProcessEnv): OrgConfig {
  const file = orgConfigPath(env);
  if (file === undefined) return { trustedSources: [] };
  return { ...readJson(file, orgConfigSchema, 'The org config'), file };
}

export function loadPreset(file: string): Preset {
  return readJson(file, presetSchema, 'The preset');
}

/** Prefix match on whole segments: "https://git.example.com/org" matches ".../org/kit.git", not ".../organic". */
export function sourceMatches(list: readonly string[], source: string): boolean {
  return list.some((prefix) => {
    if (source === prefix) return true;
    const p = prefix.endsWith('/') || prefix.endsWith(':') ? prefix : `${prefix}/`;
    return source.startsWith(p) || source.startsWith(`${prefix}#`) || source.startsWith(`${prefix}.git`);
  });
}
