/**
 * Where a new project is staged before it is moved into place, and how a dead run's staging is found.
 *
 * - A target that does not exist yet is staged beside it (`.<name>.staging-XXXXXX/tree` in the parent),
 *   then the tree is renamed into place in one step.
 * - A target that exists (empty, or holding only .git) is staged inside itself
 *   (`<target>/.polyglot-staging-XXXXXX/tree`): the same directory is always the same filesystem, so an
 *   empty mount point (where a rename from the parent fails with EXDEV) or a read-only parent work too.
 *
 * Each staging directory holds `owner.json` (this tool's name, pid and host). A later run removes a
 * staging directory only when that marker says this tool made it and its process is gone; anything
 * without the marker, or owned by a live process, is never touched.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GENERATOR_NAME } from '../package-root.js';

export const INSIDE_PREFIX = '.polyglot-staging-';
export const OWNER_FILE = 'owner.json';
export const TREE_DIR = 'tree';

export const besidePrefix = (target: string) => `.${path.basename(target)}.staging-`;

interface Owner {
  tool: string;
  pid: number;
  host: string;
}

/** Creates a staging directory in `dir` and marks it as this run's, before anything else goes in. */
export async function makeStaging(dir: string, prefix: string): Promise<{ root: string; tree: string }> {
  const root = await fs.mkdtemp(path.join(dir, prefix));
  try {
    const owner: Owner = { tool: GENERATOR_NAME, pid: process.pid, host: os.hostname() };
    await fs.writeFile(path.join(root, OWNER_FILE), `${JSON.stringify(owner)}\n`, { flag: 'wx' });
    // The tree becomes the project (or its entries do): created with the mode any mkdir gives.
    const tree = path.join(root, TREE_DIR);
    await fs.mkdir(tree);
    return { root, tree };
  } catch (err) {
    await fs.rm(root, { recursive: true, force: true });
    throw err;
  }
}

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function isDeadRunsStaging(dir: string): Promise<boolean> {
  let owner: Partial<Owner>;
  try {
    owner = JSON.parse(await fs.readFile(path.join(dir, OWNER_FILE), 'utf8')) as Partial<Owner>;
  } catch {
    return false; // no readable marker: not provably ours
  }
  if (owner.tool !== GENERATOR_NAME || owner.host !== os.hostname() || !Number.isInteger(owner.pid)) return false;
  return owner.pid !== process.pid && processIsGone(owner.pid!);
}

/** Staging directories of dead runs of this tool, in `dir`, whose names start with `prefix`. */
export async function findDeadStaging(dir: string, prefix: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of entries.filter((e) => e.startsWith(prefix)).sort()) {
    const full = path.join(dir, name);
    const stat = await fs.lstat(full).catch(() => undefined);
    if (stat?.isDirectory() && (await isDeadRunsStaging(full))) out.push(full);
  }
  return out;
}
