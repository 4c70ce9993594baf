/**
 * Reads what an upgrade starts from, and writes nothing: is this a generated project, its manifest and
 * baseline (verified: JSON, schema, sha256 of the baseline and of every file in it), the project's files
 * as they are now, and git's view of the work tree.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CliError, ExitCode } from '../errors.js';
import { BASELINE_PATH, baselineSchema, MANIFEST_PATH, manifestSchema, sha256, type Manifest } from '../plan/manifest.js';
import { assertSafeRelativePath } from '../plan/paths.js';
import { LOCKFILES, type FileVersion } from './classify.js';

export interface ProjectState {
  root: string;
  manifest: Manifest;
  baseline: Map<string, FileVersion>;
}

function broken(root: string, what: string, details: string[] = []): CliError {
  return new CliError('upgrade', `${what}; refusing to upgrade.`, {
    exitCode: ExitCode.usage,
    details,
    hint: `Nothing was changed. Restore .polyglot/ from version control (git checkout -- ${JSON.stringify(path.join(root, '.polyglot'))}) and run again.`,
  });
}

export async function readProjectState(root: string): Promise<ProjectState> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(path.join(root, MANIFEST_PATH));
  } catch (err) {
    throw broken(root, `Cannot read ${MANIFEST_PATH}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw broken(root, `${MANIFEST_PATH} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw broken(
      root,
      `${MANIFEST_PATH} does not match the manifest format`,
      parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const manifest = parsed.data;
  if (manifest.baseline.path !== BASELINE_PATH) throw broken(root, `${MANIFEST_PATH} points at an unexpected baseline "${manifest.baseline.path}"`);
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(manifest.template.version)) {
    throw broken(root, `${MANIFEST_PATH} records template version "${manifest.template.version}", which is not a semantic version`);
  }
  if (manifest.answers['template'] !== undefined && manifest.answers['template'] !== manifest.template.id) {
    throw broken(root, `${MANIFEST_PATH} says template "${manifest.template.id}" but its answers say "${String(manifest.answers['template'])}"`);
  }

  let gz: Buffer;
  try {
    gz = await fs.readFile(path.join(root, BASELINE_PATH));
  } catch (err) {
    throw broken(root, `Cannot read ${BASELINE_PATH}: ${(err as Error).message}`);
  }
  if (sha256(gz) !== manifest.baseline.sha256) throw broken(root, `${BASELINE_PATH} does not match the sha256 recorded in ${MANIFEST_PATH}`);
  let baselineJson: unknown;
  try {
    baselineJson = JSON.parse(gunzipSync(gz).toString('utf8'));
  } catch (err) {
    throw broken(root, `${BASELINE_PATH} is not a gzipped JSON file (${(err as Error).message})`);
  }
  const b = baselineSchema.safeParse(baselineJson);
  if (!b.success) throw broken(root, `${BASELINE_PATH} does not match the baseline format`);

  const baseline = new Map<string, FileVersion>();
  const mismatched: string[] = [];
  for (const [p, f] of Object.entries(b.data.files)) {
    try {
      assertSafeRelativePath(p);
    } catch {
      throw broken(root, `${BASELINE_PATH} lists an unsafe path "${p}"`);
    }
    const content = Buffer.from(f.base64, 'base64');
    if (manifest.files[p] !== sha256(content)) mismatched.push(p);
    baseline.set(p, { content, executable: f.executable });
  }
  for (const p of Object.keys(manifest.files)) if (!baseline.has(p)) mismatched.push(p);
  if (mismatched.length > 0) {
    throw broken(root, `${BASELINE_PATH} and ${MANIFEST_PATH} disagree about ${mismatched.length} file(s)`, mismatched.slice(0, 10));
  }
  return { root, manifest, baseline };
}

export interface ProjectFiles {
  /** Content and exec bit at each path, or undefined when there is no file there. */
  files: Map<string, FileVersion | undefined>;
  /** Paths that are directories in the project: what is inside (files, and empty directories as "dir/"). */
  directories: Map<string, string[]>;
}

/** Everything below a directory, relative to root: files and links, and empty directories as "dir/". */
async function listTree(root: string, rel: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, ...rel.split('/')), { withFileTypes: true });
  if (entries.length === 0) return [`${rel}/`];
  const out: string[] = [];
  for (const e of entries) {
    const child = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listTree(root, child)));
    else out.push(child);
  }
  return out.sort();
}

/** The project at `paths`: files (content, exec bit) and directories (what is in them). Refuses links and devices. */
export async function readProjectFiles(root: string, paths: Iterable<string>): Promise<ProjectFiles> {
  const files = new Map<string, FileVersion | undefined>();
  const directories = new Map<string, string[]>();
  const odd: string[] = [];
  const list = [...new Set(paths)];
  const BATCH = 64;
  for (let i = 0; i < list.length; i += BATCH) {
    await Promise.all(
      list.slice(i, i + BATCH).map(async (p) => {
        const abs = path.join(root, ...p.split('/'));
        const stat = await fs.lstat(abs).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
          throw err;
        });
        if (stat?.isDirectory()) directories.set(p, await listTree(root, p));
        else if (stat && !stat.isFile()) odd.push(p);
        // A directory is no file: the plan decides whether the upgrade may replace it (see plan-upgrade.ts).
        files.set(p, stat?.isFile() ? { content: await fs.readFile(abs), executable: (stat.mode & 0o100) !== 0 } : undefined);
      }),
    );
  }
  if (odd.length > 0) {
    throw new CliError('upgrade', 'Where the template has (or had) a file, the project has a symbolic link or a special file; refusing to upgrade.', {
      exitCode: ExitCode.usage,
      details: odd.sort(),
      hint: 'Nothing was changed. Move or rename each of them (for example git mv <path> <path>.mine), commit, and run again.',
    });
  }
  return { files, directories };
}

/**
 * Parent directories of `paths` that are something else in the project (the user's file `docs` where the
 * template has `docs/guide.md`): path -> what is there. Symbolic links are left to apply's own refusal.
 */
export async function readBlockingParents(root: string, paths: Iterable<string>): Promise<Map<string, string>> {
  const parents = new Set<string>();
  for (const p of paths) for (let d = path.posix.dirname(p); d !== '.'; d = path.posix.dirname(d)) parents.add(d);
  const out = new Map<string, string>();
  for (const d of [...parents].sort()) {
    const stat = await fs.lstat(path.join(root, ...d.split('/'))).catch(() => undefined);
    if (stat && !stat.isDirectory() && !stat.isSymbolicLink()) out.set(d, stat.isFile() ? 'a file' : 'not a directory');
  }
  return out;
}

/** Lockfiles present in the project beside any package.json / pyproject.toml the template generates. */
export async function findLockfiles(root: string, manifestPaths: Iterable<string>): Promise<string[]> {
  const dirs = new Set<string>();
  for (const p of manifestPaths) {
    const base = path.posix.basename(p);
    if (base === 'package.json' || base === 'pyproject.toml') dirs.add(path.posix.dirname(p));
  }
  const found: string[] = [];
  for (const dir of dirs) {
    for (const name of LOCKFILES) {
      const rel = dir === '.' ? name : `${dir}/${name}`;
      try {
        if ((await fs.lstat(path.join(root, rel))).isFile()) found.push(rel);
      } catch {
        // absent
      }
    }
  }
  return found.sort();
}
