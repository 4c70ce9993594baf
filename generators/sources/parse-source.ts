/**
 * `--template <value>` -> where the template comes from. Pure: no file system or network access beyond
 * the caller's `isDirectory` probe. A value is, in this order:
 *   - a starter's id (built-in, or from --templates <dir>; the caller passes the ids found on disk);
 *   - a local path (./kit, ../kit, /abs/kit, ~/kit, or any existing directory);
 *   - a tarball URL (http(s)://… ending in .tar.gz or .tgz; a `#sha256=<hex>` pins its digest);
 *   - a git URL: https://….git, ssh://…, git@host:org/repo(.git), file://…, git+https://…, with `#ref`;
 *   - a shorthand: github:org/repo[/subdir][#ref] (also gitlab:, bitbucket:), or org/repo[#ref].
 * Git URLs take a sub-directory after `//` in the path or as `#ref:subdir`, like npm and degit do.
 */
import path from 'node:path';
import { CliError } from '../errors.js';

export type TemplateSource =
  | { kind: 'builtin'; id: string }
  | { kind: 'local'; dir: string }
  | { kind: 'git'; url: string; ref: string | undefined; subdir: string | undefined }
  | { kind: 'tarball'; url: string; sha256: string | undefined };

const HOSTS: Record<string, string> = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' };
const SEGMENT = /^[A-Za-z0-9_.-]+$/;

function bad(value: string, why: string): CliError {
  return new CliError('template', `--template ${value}: ${why}`, {
    hint: 'Use a starter (listed by --help), a local directory, a git URL (https, ssh, file://, github:org/repo#ref) or a .tar.gz URL.',
  });
}

/** A sub-directory inside a template repository: relative, no "..", plain segments. */
function checkSubdir(value: string, subdir: string | undefined): string | undefined {
  if (subdir === undefined || subdir === '') return undefined;
  const clean = subdir.replace(/^\/+|\/+$/g, '');
  if (!clean.split('/').every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) throw bad(value, `"${subdir}" is not a safe sub-directory.`);
  return clean;
}

function checkRef(value: string, ref: string | undefined): string | undefined {
  if (ref === undefined || ref === '') return undefined;
  // git check-ref-format's rules, roughly; and never an option (a leading "-").
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(ref) || ref.includes('..') || ref.endsWith('.lock') || ref.endsWith('/')) {
    throw bad(value, `"${ref}" is not a valid git ref.`);
  }
  return ref;
}

/** "ref:subdir" after the '#'. */
function splitFragment(value: string, fragment: string | undefined): { ref?: string; subdir?: string } {
  if (fragment === undefined) return {};
  const colon = fragment.indexOf(':');
  return colon < 0 ? { ref: checkRef(value, fragment) } : { ref: checkRef(value, fragment.slice(0, colon)), subdir: checkSubdir(value, fragment.slice(colon + 1)) };
}

/** Credentials in a URL would be recorded in the manifest and shown in logs: refuse them. */
function refuseUserinfo(url: URL): void {
  if (url.password || (url.username && url.protocol !== 'ssh:')) {
    throw new CliError('template', `--template: the URL carries credentials; they would end up in logs and in the project's manifest.`, {
      hint: 'Remove them from the URL and set CPB_TEMPLATE_TOKEN (or GITHUB_TOKEN / GITLAB_TOKEN), or use git’s credential helper or an SSH key.',
    });
  }
}

export function parseTemplateSource(value: string, opts: { builtinIds: readonly string[]; cwd: string; isDirectory: (p: string) => boolean; home?: string }): TemplateSource {
  if (value.trim() === '' || /[\0\r\n]/.test(value)) throw bad(JSON.stringify(value), 'empty or contains control characters.');
  if (opts.builtinIds.includes(value)) return { kind: 'builtin', id: value };

  const hash = value.indexOf('#');
  const base = hash < 0 ? value : value.slice(0, hash);
  const fragment = hash < 0 ? undefined : value.slice(hash + 1);

  // Local paths: explicit forms first, then anything that exists as a directory.
  if (/^(\.{1,2}[\\/]|[\\/]|~[\\/]|[A-Za-z]:[\\/])/.test(value) || value === '.' || value === '..') {
    const expanded = value.startsWith('~') ? path.join(opts.home ?? '', value.slice(2)) : value;
    return { kind: 'local', dir: path.resolve(opts.cwd, expanded) };
  }

  const short = /^(github|gitlab|bitbucket):(.+)$/.exec(base);
  if (short) {
    const [org, repo, ...rest] = short[2]!.split('/');
    if (!org || !repo || !SEGMENT.test(org) || !SEGMENT.test(repo)) throw bad(value, 'expected <host>:org/repo[/subdir][#ref].');
    const frag = splitFragment(value, fragment);
    return {
      kind: 'git',
      url: `https://${HOSTS[short[1]!]}/${org}/${repo.replace(/\.git$/, '')}.git`,
      ref: frag.ref,
      subdir: checkSubdir(value, rest.length ? rest.join('/') : frag.subdir),
    };
  }

  const scp = /^([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+):(.+)$/.exec(base);
  if (scp && !base.includes('://')) {
    const frag = splitFragment(value, fragment);
    return { kind: 'git', url: `ssh://${scp[1]}@${scp[2]}/${scp[3]!.replace(/^\/+/, '')}`, ref: frag.ref, subdir: frag.subdir };
  }

  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) {
    let url: URL;
    try {
      url = new URL(base.replace(/^git\+/, ''));
    } catch {
      throw bad(value, 'not a valid URL.');
    }
    refuseUserinfo(url);
    const isTarball = /\.(tar\.gz|tgz)$/i.test(url.pathname);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && isTarball) {
      const pin = fragment === undefined ? undefined : /^sha256=([0-9a-f]{64})$/.exec(fragment)?.[1];
      if (fragment !== undefined && pin === undefined) throw bad(value, 'a tarball URL takes only #sha256=<64 hex digits>.');
      return { kind: 'tarball', url: url.toString(), sha256: pin };
    }
    if (!['https:', 'http:', 'ssh:', 'file:', 'git:'].includes(url.protocol)) throw bad(value, `unsupported protocol ${url.protocol}`);
    // npm/degit style sub-directory: https://host/org/repo.git//packages/kit
    let subdir: string | undefined;
    const dbl = url.pathname.indexOf('//');
    if (dbl >= 0 && url.protocol !== 'file:') {
      subdir = url.pathname.slice(dbl + 2);
      url.pathname = url.pathname.slice(0, dbl);
    }
    const frag = splitFragment(value, fragment);
    return { kind: 'git', url: url.toString(), ref: frag.ref, subdir: checkSubdir(value, subdir ?? frag.subdir) };
  }

  if (opts.isDirectory(path.resolve(opts.cwd, value))) return { kind: 'local', dir: path.resolve(opts.cwd, value) };

  // org/repo[#ref]: GitHub, as npm and degit read it.
  const pair = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(base);
  if (pair) {
    const frag = splitFragment(value, fragment);
    return { kind: 'git', url: `https://github.com/${pair[1]}/${pair[2]!.replace(/\.git$/, '')}.git`, ref: frag.ref, subdir: frag.subdir };
  }
  throw bad(value, `not a starter (${opts.builtinIds.join(', ')}), an existing directory, a git URL or a tarball URL.`);
}

/** How a source is shown and recorded: never with credentials (the parser refuses them anyway). */
export function describeSource(source: TemplateSource): string {
  switch (source.kind) {
    case 'builtin':
      return source.id;
    case 'local':
      return source.dir;
    case 'git':
      return `${source.url}${source.ref ? `#${source.ref}` : ''}${source.subdir ? `${source.ref ? '' : '#'}:${source.subdir}` : ''}`;
    case 'tarball':
      return source.url;
  }
}
