/**
 * The manifest a generated project carries in .polyglot/: who generated it, from which template version,
 * with which answers, and the pristine baseline an upgrade three-way merges against (stored with the
 * project, so upgrades never depend on re-rendering an old template).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { z, type Infer } from '../zod.js';
import type { RecordedAnswers } from '../answers/schema.js';

export const MANIFEST_DIR = '.polyglot';
export const MANIFEST_PATH = `${MANIFEST_DIR}/manifest.json`;
export const BASELINE_PATH = `${MANIFEST_DIR}/baseline.json.gz`;
export const MANIFEST_VERSION = 1;

const SHA256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const manifestSchema = z.strictObject({
  manifestVersion: z.literal(MANIFEST_VERSION),
  generator: z.object({ name: z.string(), version: z.string() }),
  template: z.object({
    id: z.string(),
    version: z.string(),
    source: z.string(),
    /** git / tarball / local templates: where to fetch the next version from, and what was used. */
    origin: z.optional(
      z.object({
        kind: z.enum(['local', 'git', 'tarball']),
        url: z.string(),
        ref: z.optional(z.string()),
        subdir: z.optional(z.string()),
        commit: z.optional(z.string()),
        sha256: z.optional(z.string()),
      }),
    ),
  }),
  answers: z.record(z.string(), z.union([z.string(), z.boolean(), z.number()])),
  /** Answers to the template's own prompts. */
  vars: z.optional(z.record(z.string(), z.union([z.string(), z.boolean()]))),
  baseline: z.object({ path: z.string(), sha256: SHA256 }),
  /** sha256 of every generated file as generated: lets an upgrade see which files the user changed. */
  files: z.record(z.string(), SHA256),
});
export type Manifest = Infer<typeof manifestSchema>;

/** The baseline archive: every generated file's exact bytes and exec bit. */
export const baselineSchema = z.object({
  files: z.record(z.string(), z.object({ executable: z.boolean(), base64: z.string() })),
});

export interface ManifestInput {
  generatorName: string;
  generatorVersion: string;
  template: Manifest['template'];
  answers: RecordedAnswers;
  vars?: Readonly<Record<string, string | boolean>> | undefined;
  files: readonly { path: string; content: Buffer; executable: boolean }[];
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Returns the two files the manifest consists of. Deterministic: same input, same bytes. */
export function buildManifestFiles(input: ManifestInput): { manifest: Buffer; baseline: Buffer } {
  const sorted = [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const baselineJson = JSON.stringify({
    files: Object.fromEntries(sorted.map((f) => [f.path, { executable: f.executable, base64: f.content.toString('base64') }])),
  });
  // Level 1: a few KB larger than the default, several ms faster on every generation.
  const baseline = gzipSync(baselineJson, { level: 1 });
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    generator: { name: input.generatorName, version: input.generatorVersion },
    template: input.template,
    answers: { ...input.answers },
    ...(input.vars && Object.keys(input.vars).length ? { vars: { ...input.vars } } : {}),
    baseline: { path: BASELINE_PATH, sha256: sha256(baseline) },
    files: Object.fromEntries(sorted.map((f) => [f.path, sha256(f.content)])),
  };
  return { manifest: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), baseline };
}
