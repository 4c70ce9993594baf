/**
 * A parsed template source -> a local directory holding its template.json, plus what the manifest records
 * about where it came from (URL, ref, resolved commit or archive sha256; never credentials).
 *
 * Git is driven through the user's own `git` (every protocol, their SSH keys and credential helpers work,
 * nothing to bundle); degit was the brief's suggestion, but it cannot fetch file:// or private repos
 * through a credential helper, resolves refs through GitHub's web API, and records no commit for ssh.
 * Tarballs are fetched with Node's fetch and unpacked by untar.ts. Tokens come from the environment only
 * (CPB_TEMPLATE_TOKEN; GITHUB_TOKEN / GITLAB_TOKEN for those hosts), are handed to git through
 * GIT_CONFIG_* environment variables (never argv, never a config file) and are never sent to another
 * host after a redirect. Every fetch refreshes the cache; only --offline reads from it, and a failed
 * fetch is an error, not a silent fall back to what was cached.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { CliError, ExitCode } from '../errors.js';
import { checkTemplateFiles, hostile, LIMITS } from './entries.js';
import { fetchError, redact, tokenFor } from './fetch-errors.js';
import { download, idleTimeoutSeconds } from './http-download.js';
import { describeSource, type TemplateSource } from './parse-source.js';
import { untarGz } from './untar.js';

export { redact, tokenFor };

export interface TemplateOrigin {
  kind: 'local' | 'git' | 'tarball';
  /** The URL or path as given, without credentials. */
  url: string;
  ref?: string;
  subdir?: string;
  /** git: the commit that was checked out. */
  commit?: string;
  /** tarball: sha256 of the archive bytes. */
  sha256?: string;
}

export interface FetchedTemplate {
  /** Directory with template.json at its top. */
  dir: string;
  origin: TemplateOrigin;
  fromCache: boolean;
}

export interface FetchOptions {
  offline: boolean;
  env: NodeJS.ProcessEnv;
  cacheDir?: string;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const base = env['XDG_CACHE_HOME'] || path.join(env['HOME'] || os.homedir(), '.cache');
  return path.join(base, 'create-polyglot-backend', 'templates');
}

function git(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd: opts.cwd, env: opts.env, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout, stderr: stderr.toString() });
    });
  });
}

function gitEnv(url: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // Never prompt (no TTY must never hang); ext:: (runs a command) is off whatever the user's config says.
  const out: NodeJS.ProcessEnv = { ...env, GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never', GIT_ASKPASS: '', SSH_ASKPASS: '' };
  // A stalled HTTP(S) transfer ends after the same idle time as a tarball download (git's own low-speed check).
  out['GIT_HTTP_LOW_SPEED_LIMIT'] = '1';
  out['GIT_HTTP_LOW_SPEED_TIME'] = String(Math.ceil(idleTimeoutSeconds(env)));
  const config: [string, string][] = [['protocol.ext.allow', 'never']];
  const parsed = new URL(url);
  const token = parsed.protocol === 'https:' || parsed.protocol === 'http:' ? tokenFor(parsed.hostname, env) : undefined;
  if (token) {
    // Scoped to this origin by git's URL matching; redirects off: the header must not follow one elsewhere.
    config.push([`http.${parsed.origin}/.extraHeader`, `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`]);
    config.push(['http.followRedirects', 'false']);
  }
  out['GIT_CONFIG_COUNT'] = String(config.length);
  config.forEach(([k, v], i) => {
    out[`GIT_CONFIG_KEY_${i}`] = k;
    out[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return out;
}

function cacheKey(source: TemplateSource): string {
  return createHash('sha256').update(describeSource(source)).digest('hex').slice(0, 32);
}

/** Atomically replaces cache/<key> with a fresh tree and its origin record. */
function storeInCache(cacheDir: string, key: string, fill: (treeDir: string) => void, origin: TemplateOrigin): string {
  fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const staging = fs.mkdtempSync(path.join(cacheDir, `.${key}-`));
  try {
    fill(path.join(staging, 'tree'));
    fs.writeFileSync(path.join(staging, 'origin.json'), `${JSON.stringify(origin, null, 2)}\n`);
    const final = path.join(cacheDir, key);
    const old = `${final}.old-${process.pid}`;
    if (fs.existsSync(final)) fs.renameSync(final, old);
    fs.renameSync(staging, final);
    fs.rmSync(old, { recursive: true, force: true });
    return path.join(final, 'tree');
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

function fromCache(cacheDir: string, source: TemplateSource): FetchedTemplate {
  const dir = path.join(cacheDir, cacheKey(source));
  const originFile = path.join(dir, 'origin.json');
  if (!fs.existsSync(originFile)) {
    throw new CliError('template', `--offline: ${describeSource(source)} is not in the template cache (${cacheDir}).`, {
      exitCode: ExitCode.fetchFailed,
      hint: 'Run once without --offline to fetch it.',
    });
  }
  return { dir: path.join(dir, 'tree'), origin: JSON.parse(fs.readFileSync(originFile, 'utf8')) as TemplateOrigin, fromCache: true };
}

async function fetchGit(source: Extract<TemplateSource, { kind: 'git' }>, opts: FetchOptions, cacheDir: string): Promise<FetchedTemplate> {
  const shown = describeSource(source);
  const env = gitEnv(source.url, opts.env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cpb-git-'));
  try {
    const init = await git(['init', '-q', work], { cwd: work, env });
    if (init.code !== 0) throw fetchError(shown, redact(init.stderr.trim(), opts.env) || 'git init failed (is git installed?)', false);
    const fetched = await git(['fetch', '-q', '--depth', '1', '--no-tags', '--', source.url, source.ref ?? 'HEAD'], { cwd: work, env, timeoutMs: 300_000 });
    if (fetched.code !== 0) throw fetchError(shown, redact(fetched.stderr.trim().split('\n').slice(-3).join(' '), opts.env) || `git exited with ${fetched.code}`);
    const commit = (await git(['rev-parse', 'FETCH_HEAD'], { cwd: work, env })).stdout.toString().trim();
    // Inspect the tree before checking anything out: links and submodules are refused, paths checked.
    const tree = await git(['ls-tree', '-r', '-l', '-z', '--full-tree', 'FETCH_HEAD'], { cwd: work, env });
    if (tree.code !== 0) throw fetchError(shown, tree.stderr.trim());
    const prefix = source.subdir ? `${source.subdir}/` : '';
    const entries: { path: string; size: number }[] = [];
    for (const line of tree.stdout.toString('utf8').split('\0').filter(Boolean)) {
      const tab = line.indexOf('\t');
      const [mode, , , size] = line.slice(0, tab).split(/\s+/);
      const p = line.slice(tab + 1);
      if (!p.startsWith(prefix)) continue;
      if (mode === '120000') throw hostile(`The template repository contains a symbolic link (${p}); templates may only hold regular files.`);
      if (mode === '160000') throw hostile(`The template repository contains a submodule (${p}); templates may only hold regular files.`);
      entries.push({ path: p.slice(prefix.length), size: Number(size) || 0 });
    }
    checkTemplateFiles(entries);
    if (!entries.some((e) => e.path === 'template.json')) {
      throw new CliError('template', `${shown} has no template.json${source.subdir ? ` in ${source.subdir}/` : ' at its top'}.`, {
        hint: 'Point at the directory of the template (github:org/repo/path#ref, or url#ref:path).',
      });
    }
    const checkout = await git(['-c', 'core.symlinks=false', 'checkout', '-q', 'FETCH_HEAD', '--', prefix || '.'], { cwd: work, env });
    if (checkout.code !== 0) throw fetchError(shown, checkout.stderr.trim());
    const origin: TemplateOrigin = { kind: 'git', url: source.url, commit, ...(source.ref ? { ref: source.ref } : {}), ...(source.subdir ? { subdir: source.subdir } : {}) };
    const dir = storeInCache(cacheDir, cacheKey(source), (treeDir) => {
      fs.cpSync(path.join(work, source.subdir ?? ''), treeDir, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
    }, origin);
    return { dir, origin, fromCache: false };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function fetchTarball(source: Extract<TemplateSource, { kind: 'tarball' }>, opts: FetchOptions, cacheDir: string): Promise<FetchedTemplate> {
  const bytes = await download(source.url, opts.env, LIMITS.maxArchiveBytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (source.sha256 && source.sha256 !== sha256) {
    throw hostile(`The template archive's sha256 is ${sha256}, not the pinned ${source.sha256}.`, 'The archive changed since it was pinned; nothing was written.');
  }
  const files = untarGz(bytes);
  if (!files.some((f) => f.path === 'template.json')) throw new CliError('template', `${source.url} has no template.json at its top.`);
  const origin: TemplateOrigin = { kind: 'tarball', url: source.url, sha256 };
  const dir = storeInCache(cacheDir, cacheKey(source), (treeDir) => {
    for (const f of files) {
      const target = path.join(treeDir, ...f.path.split('/'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.content, { mode: f.executable ? 0o755 : 0o644, flag: 'wx' });
    }
  }, origin);
  return { dir, origin, fromCache: false };
}

export async function fetchTemplate(source: Exclude<TemplateSource, { kind: 'builtin' }>, opts: FetchOptions): Promise<FetchedTemplate> {
  if (source.kind === 'local') {
    if (!fs.existsSync(source.dir)) throw new CliError('template', `--template ${source.dir}: no such directory.`, { hint: 'Check the path (relative paths start from the current directory).' });
    if (!fs.existsSync(path.join(source.dir, 'template.json'))) {
      throw new CliError('template', `${source.dir} has no template.json.`, { hint: 'Point --template at a template directory (see docs/templates.md).' });
    }
    return { dir: source.dir, origin: { kind: 'local', url: source.dir }, fromCache: false };
  }
  const cacheDir = opts.cacheDir ?? defaultCacheDir(opts.env);
  if (opts.offline) return fromCache(cacheDir, source);
  return source.kind === 'git' ? fetchGit(source, opts, cacheDir) : fetchTarball(source, opts, cacheDir);
}
