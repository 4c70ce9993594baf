/**
 * Upgrade scenarios: generate a project from a fixture template version into a real git repository,
 * let the test edit and commit it like a user, then run the CLI's pipeline in-process against another
 * fixture version (the templates directory is a parameter of run(), as in production).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Prompter } from '../../generators/answers/collect.js';
import { CliError } from '../../generators/errors.js';
import { run, type Deps } from '../../generators/main.js';
import type { ApplyIo } from '../../generators/upgrade/apply.js';
import { plainReporter } from '../../generators/ui/reporter.js';

export const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'upgrade');
export const templatesOf = (version: 'v1' | 'v2' | 'v3') => path.join(FIXTURES, version);

export interface Outcome {
  exitCode: number;
  stdout: string;
  /** Everything the reporter printed. */
  log: string;
  error?: CliError;
}

export async function runIn(cwd: string, argv: string[], opts: { templates: string; applyIo?: ApplyIo; prompter?: Prompter; interactive?: boolean }): Promise<Outcome> {
  const lines: string[] = [];
  const deps: Deps = {
    launch: { interactive: opts.interactive ?? false, launchedBy: 'npm', cwd },
    prompter: opts.prompter,
    reporterFor: () => plainReporter((l) => lines.push(l)),
    templatesDir: opts.templates,
    applyIo: opts.applyIo,
  };
  try {
    const r = await run(argv, deps);
    return { exitCode: r.exitCode ?? 0, stdout: r.stdout ?? '', log: lines.join('\n') };
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    return { exitCode: err.exitCode, stdout: '', log: lines.join('\n'), error: err };
  }
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await execa('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', ...args], { cwd, stripFinalNewline: false });
  return r.stdout;
}

export const porcelain = async (cwd: string) => (await git(cwd, 'status', '--porcelain', '--untracked-files=all')).split('\n').filter(Boolean).sort();
export const unmerged = async (cwd: string) => (await git(cwd, 'ls-files', '-u')).split('\n').filter(Boolean);

/** Generates `app` from the v1 fixture (or another version, or a templates directory) in `parent`, commits it, and returns its path. */
export async function generateProject(parent: string, version: 'v1' | 'v2' | 'v3' | { templates: string } = 'v1'): Promise<string> {
  const templates = typeof version === 'string' ? templatesOf(version) : version.templates;
  const r = await runIn(parent, ['app', '-t', 'express', '--pm', 'npm', '--no-install', '--no-git'], { templates });
  if (r.exitCode !== 0) throw new Error(`generation failed: ${r.error?.message ?? r.log}`);
  const root = path.join(parent, 'app');
  await git(root, 'init', '--quiet', '-b', 'main');
  await git(root, 'config', 'core.autocrlf', 'false');
  await commitAll(root, 'generated');
  return root;
}

/** generateProject, then a user edit that v2 merges and one that conflicts: every kind of operation is in flight. */
export async function generateEditedProject(parent: string): Promise<string> {
  const root = await generateProject(parent);
  edit(root, 'src/app.js', "return 'stopped';", "return 'bye';");
  edit(root, 'notes/unicode.md', 'draft', 'mine');
  await commitAll(root, 'user edits');
  return root;
}

export async function commitAll(root: string, message: string): Promise<void> {
  await git(root, 'add', '-A');
  await git(root, 'commit', '--quiet', '--no-verify', '-m', message);
}

export const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'utf8');
export const readBytes = (root: string, p: string) => fs.readFileSync(path.join(root, p));
export const write = (root: string, p: string, content: string | Buffer) => {
  fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
  fs.writeFileSync(path.join(root, p), content);
};
export const exists = (root: string, p: string) => fs.existsSync(path.join(root, p));
export const isExecutable = (root: string, p: string) => (fs.statSync(path.join(root, p)).mode & 0o100) !== 0;
export const edit = (root: string, p: string, from: string, to: string) => {
  const text = read(root, p);
  if (!text.includes(from)) throw new Error(`${p} does not contain ${JSON.stringify(from)}`);
  write(root, p, text.replace(from, to));
};

/** Every file below root except .git/, with its bytes and mode: for "nothing changed" assertions. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      const rel = path.relative(root, abs).split(path.sep).join('/');
      if (rel === '.git') continue;
      if (entry.isDirectory()) {
        out.set(`${rel}/`, 'dir');
        walk(abs);
      } else {
        out.set(rel, `${(fs.statSync(abs).mode & 0o777).toString(8)} ${fs.readFileSync(abs).toString('base64')}`);
      }
    }
  };
  walk(root);
  return out;
}

export interface JsonFileOutcome {
  path: string;
  outcome: string;
  from?: string;
  conflicts?: number;
  templateCopy?: string;
  mergedBy?: string;
}
export interface JsonResult {
  ok: boolean;
  dryRun: boolean;
  template: { id: string; from: string; to: string };
  conflicts: string[];
  files: JsonFileOutcome[];
  postSteps: { id: string; status: string; reason?: string }[];
}
