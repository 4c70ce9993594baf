/**
 * One Python lock covers every dependency any layer or feature can add (scripts/lock-python.ts writes
 * it); a project's uv.lock is that lock cut down to its own pyproject.toml. Sound because uv keeps the
 * locked versions wherever they still satisfy: a subset of the requirements is satisfied by the same
 * versions, so the cut lock is the one `uv lock` would write (test/python-lock.test.ts runs
 * `uv lock --locked` on every combination). Text edits only, so uv's formatting is kept byte for byte.
 */
import { parse } from 'smol-toml';
import { CliError } from '../errors.js';
import { requirementName } from '../toml/dependency-arrays.js';

interface LockDep {
  name: string;
  extra?: string[];
}
interface LockPackage {
  name: string;
  source?: { editable?: string; virtual?: string };
  dependencies?: LockDep[];
  'optional-dependencies'?: Record<string, LockDep[]>;
  'dev-dependencies'?: Record<string, LockDep[]>;
}

/** PEP 503 normalisation, as uv writes names. */
const normalise = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** Every requirement the pyproject declares: dependencies, extras and dependency groups. */
function declared(pyproject: string): Set<string> {
  const data = parse(pyproject) as {
    project?: { dependencies?: string[]; 'optional-dependencies'?: Record<string, string[]> };
    'dependency-groups'?: Record<string, (string | object)[]>;
  };
  const reqs = [
    ...(data.project?.dependencies ?? []),
    ...Object.values(data.project?.['optional-dependencies'] ?? {}).flat(),
    ...Object.values(data['dependency-groups'] ?? {}).flat().filter((r): r is string => typeof r === 'string'),
  ];
  return new Set(reqs.map((r) => normalise(requirementName(r) ?? r)));
}

/** The lock split into its header and one text block per [[package]]. */
function blocks(lock: string): { header: string; packages: string[] } {
  const parts = lock.split(/^(?=\[\[package\]\]$)/m);
  const header = parts[0]!.startsWith('[[package]]') ? '' : parts.shift()!;
  return { header, packages: parts };
}

const nameOf = (block: string) => /^name = "([^"]+)"$/m.exec(block)?.[1] ?? '';

/**
 * A [[package]] block's name, source and dependency lists, read line by line: uv writes one entry per
 * line, and parsing the whole 650 KB lock as TOML costs more than the rest of planning.
 */
function readBlock(text: string): LockPackage {
  const pkg: LockPackage = { name: nameOf(text) };
  let section = '';
  let array: LockDep[] | undefined;
  for (const line of text.split('\n')) {
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      array = undefined;
      continue;
    }
    if (/^source = \{ (editable|virtual) = "\." \}$/.test(line)) pkg.source = { editable: '.' };
    const open = /^([\w.-]+|"[^"]+") = \[(.*?)\]?$/.exec(line);
    if (open && (open[2] === '' || open[2]!.startsWith('{'))) {
      const key = open[1]!.replace(/^"|"$/g, '');
      array = undefined;
      if (section === 'package' && key === 'dependencies') pkg.dependencies = array = [];
      else if (section === 'package.optional-dependencies') (pkg['optional-dependencies'] ??= {})[key] = array = [];
      else if (section === 'package.dev-dependencies') (pkg['dev-dependencies'] ??= {})[key] = array = [];
      // A short list may sit on the key's line: `dependencies = [{ name = "x" }]`.
      if (line.endsWith(']') && open[2] !== '') {
        array?.push(...entriesIn(open[2]!));
        array = undefined;
      }
      continue;
    }
    if (line === ']') {
      array = undefined;
      continue;
    }
    if (array) array.push(...entriesIn(line));
  }
  return pkg;
}

/** The `{ name = "x", extra = ["y"], … }` entries in a piece of a lock line. */
function entriesIn(text: string): LockDep[] {
  return [...text.matchAll(/\{ name = "([^"]+)"([^}]*)\}/g)].map((m) => {
    const extra = /extra = \[([^\]]*)\]/.exec(m[2]!)?.[1];
    return { name: m[1]!, ...(extra ? { extra: [...extra.matchAll(/"([^"]+)"/g)].map((e) => e[1]!) } : {}) };
  });
}

export function pruneUvLock(lock: string, pyproject: string): string {
  const wanted = declared(pyproject);
  const { header, packages: texts } = blocks(lock);
  // Each block starts with "[[package]]"; treat that line as the [package] section.
  const packages = texts.map((t) => readBlock(t.replace(/^\[\[package\]\]$/m, '[package]')));
  const root = packages.find((p) => p.source?.editable === '.');
  if (!root) return lock;
  const rootDeps = [...(root.dependencies ?? []), ...Object.values(root['optional-dependencies'] ?? {}).flat(), ...Object.values(root['dev-dependencies'] ?? {}).flat()];
  const locked = new Set(rootDeps.map((d) => normalise(d.name)));
  const missing = [...wanted].filter((n) => !locked.has(n));
  if (missing.length) {
    throw new CliError('plan', `The project's pyproject.toml needs ${missing.join(', ')}, which the template's uv.lock does not hold.`, {
      hint: 'The template is out of date: its maintainers run `npx tsx scripts/lock-python.ts`. Nothing was written.',
    });
  }
  const dropped = new Set([...locked].filter((n) => !wanted.has(n)));

  // What the project still needs: the root's kept requirements and everything they pull in.
  const byName = new Map<string, LockPackage[]>();
  for (const p of packages) byName.set(normalise(p.name), [...(byName.get(normalise(p.name)) ?? []), p]);
  const reached = new Set<string>([normalise(root.name)]);
  const queue: LockDep[] = rootDeps.filter((d) => !dropped.has(normalise(d.name)));
  const rootName = normalise(root.name);
  // A dependency named like the project: kept, so the name clash is refused with a clear message.
  let dependsOnItsName = false;
  for (let dep = queue.shift(); dep; dep = queue.shift()) {
    const name = normalise(dep.name);
    if (name === rootName) dependsOnItsName = true;
    const firstVisit = !reached.has(name);
    reached.add(name);
    for (const p of byName.get(name) ?? []) {
      if (firstVisit) queue.push(...(p.dependencies ?? []));
      for (const extra of dep.extra ?? []) queue.push(...(p['optional-dependencies']?.[extra] ?? []));
    }
  }

  const rootAt = packages.indexOf(root);
  const kept = texts.filter((t, i) => {
    const name = normalise(nameOf(t));
    return i !== rootAt && reached.has(name) && (name !== rootName || dependsOnItsName);
  });
  // The template's lock holds the project under a placeholder name: put it where uv sorts the real one.
  const rootText = dropRootLines(texts[rootAt]!, dropped);
  const at = kept.findIndex((t) => normalise(nameOf(t)) > rootName);
  kept.splice(at < 0 ? kept.length : at, 0, rootText);
  // Blocks are separated by one blank line, whichever was last before.
  return `${header}${kept.map((t) => t.replace(/\n+$/, '')).join('\n\n')}\n`;
}

/** The root package's entries naming a dropped requirement, in every array it has. */
function dropRootLines(block: string, dropped: ReadonlySet<string>): string {
  return block
    .split('\n')
    .filter((line) => {
      const m = /^\s+\{ name = "([^"]+)"/.exec(line);
      return !(m && dropped.has(normalise(m[1]!)));
    })
    .join('\n');
}
