/** The pure parts of an upgrade: diff/diff3, line endings, structured merges, the decision table, versions. */
import { describe, expect, it } from 'vitest';
import { classify, type FileVersion } from '../../generators/upgrade/classify.js';
import { diffLines, splitLines } from '../../generators/upgrade/diff.js';
import { mergeJson } from '../../generators/upgrade/merge-json.js';
import { isBinary, mergeStrings, mergeText } from '../../generators/upgrade/merge-text.js';
import { mergeToml } from '../../generators/upgrade/merge-toml.js';
import { mergeYaml } from '../../generators/upgrade/merge-yaml.js';
import { compareVersions, renamesBetween } from '../../generators/upgrade/version.js';

const L = { ours: 'yours', base: 'base', theirs: 'template 2.0.0' };
const B = (s: string) => Buffer.from(s);

/** Deterministic pseudo-random lines, for property checks. */
function* random(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield x;
  }
}
const lines = (rng: Generator<number>, n: number) => Array.from({ length: n }, () => `${'abcde'[rng.next().value % 5]}\n`).join('');

describe('diff and diff3', () => {
  it('diff hunks rebuild the other side (500 random pairs)', () => {
    const rng = random(7);
    for (let i = 0; i < 500; i++) {
      const a = splitLines(lines(rng, rng.next().value % 30));
      const b = splitLines(lines(rng, rng.next().value % 30));
      const out: string[] = [];
      let pos = 0;
      for (const h of diffLines(a, b)) {
        out.push(...a.slice(pos, h.oStart), ...b.slice(h.sStart, h.sEnd));
        pos = h.oEnd;
      }
      out.push(...a.slice(pos));
      expect(out).toEqual(b);
    }
  });

  it('a change on one side only is taken as is; identical changes merge (500 random files)', () => {
    const rng = random(11);
    for (let i = 0; i < 500; i++) {
      const base = lines(rng, rng.next().value % 25);
      const x = lines(rng, rng.next().value % 25);
      expect(mergeStrings(base, base, x, L)).toEqual({ text: x, conflicts: 0 });
      expect(mergeStrings(base, x, base, L)).toEqual({ text: x, conflicts: 0 });
      expect(mergeStrings(base, x, x, L)).toEqual({ text: x, conflicts: 0 });
    }
  });

  it('changes separated by an unchanged line merge cleanly; adjacent ones conflict (as in git)', () => {
    expect(mergeStrings('a\nb\nc\n', 'A\nb\nc\n', 'a\nb\nC\n', L)).toEqual({ text: 'A\nb\nC\n', conflicts: 0 });
    expect(mergeStrings('a\nb\n', 'A\nb\n', 'a\nB\n', L).conflicts).toBe(1);
  });

  it('trims a conflict to the lines the sides disagree on', () => {
    expect(mergeStrings('x\n', 'same\nmine\n', 'same\ntheirs\n', L).text).toBe('same\n<<<<<<< yours\nmine\n||||||| base\nx\n=======\ntheirs\n>>>>>>> template 2.0.0\n');
  });

  it('a missing final newline does not glue a conflict marker to a line', () => {
    expect(mergeStrings('a', 'b', 'c', L).text).toBe('<<<<<<< yours\nb\n||||||| base\na\n=======\nc\n>>>>>>> template 2.0.0\n');
  });
});

describe('line endings and encodings', () => {
  it('CRLF user file, LF template: merged in CRLF; no \\r\\r\\n even from a stray CR', () => {
    const r = mergeText(B('a\r\nb\r\nc\r\n'), B('A\r\nb\r\nc\r\n'), B('a\nb\nC\n'), L);
    expect(r.content.toString()).toBe('A\r\nb\r\nC\r\n');
    const stray = mergeText(B('a\r\nb\r\n'), B('a\r\nb\r\nx\r\r\n'), B('A\r\nb\r\n'), L).content.toString();
    expect(stray).not.toContain('\r\r\n');
  });

  it('LF user file stays LF when the template moved to CRLF', () => {
    expect(mergeText(B('a\nb\nc\n'), B('A\nb\nc\n'), B('a\r\nb\r\nC\r\n'), L).content.toString()).toBe('A\nb\nC\n');
  });

  it('keeps a UTF-8 BOM the user file has', () => {
    expect(mergeText(B('a\nb\nc\n'), B('\uFEFFA\nb\nc\n'), B('a\nb\nC\n'), L).content.toString()).toBe('\uFEFFA\nb\nC\n');
  });

  it('binary: NUL bytes or invalid UTF-8', () => {
    expect(isBinary(Buffer.from([0x89, 0x50, 0, 1]))).toBe(true);
    expect(isBinary(Buffer.from([0xff, 0xfe, 0x41]))).toBe(true);
    expect(isBinary(B('Grüße 東京 ✓'))).toBe(false);
  });
});

describe('package.json by key', () => {
  const pkg = (deps: Record<string, string>, extra: Record<string, unknown> = {}) => B(`${JSON.stringify({ name: 'x', ...extra, dependencies: deps }, null, 2)}\n`);

  it('takes the template bump, keeps the user addition and the user order; a new key follows its template predecessor', () => {
    const out = mergeJson(pkg({ a: '1', b: '1' }), pkg({ b: '1', a: '1', mine: '1' }), pkg({ a: '2', b: '1', c: '1' }));
    expect(JSON.parse(out!.toString())).toEqual({ name: 'x', dependencies: { b: '1', a: '2', mine: '1', c: '1' } });
    expect(Object.keys((JSON.parse(out!.toString()) as { dependencies: object }).dependencies)).toEqual(['b', 'c', 'a', 'mine']);
  });

  it('keeps the user indentation and CRLF', () => {
    const ours = B('{\r\n    "name": "x",\r\n    "dependencies": {\r\n        "a": "1"\r\n    }\r\n}\r\n');
    const out = mergeJson(pkg({ a: '1' }), ours, pkg({ a: '2' }));
    expect(out!.toString()).toBe('{\r\n    "name": "x",\r\n    "dependencies": {\r\n        "a": "2"\r\n    }\r\n}\r\n');
  });

  it('gives up (line merge decides) when both changed the same key, or a side does not parse', () => {
    expect(mergeJson(pkg({ a: '1' }), pkg({ a: '3' }), pkg({ a: '2' }))).toBeUndefined();
    expect(mergeJson(pkg({ a: '1' }), B('{ broken'), pkg({ a: '2' }))).toBeUndefined();
    // The user deleted a key the template changed.
    expect(mergeJson(pkg({ a: '1', b: '1' }), pkg({ b: '1' }), pkg({ a: '2', b: '1' }))).toBeUndefined();
  });
});

describe('YAML by key, comments kept', () => {
  it('merges compose services by key; comments on both sides survive', () => {
    const base = 'services:\n  db:\n    image: postgres:16 # pinned\n  app:\n    build: .\n';
    const ours = '# mine\nservices:\n  db:\n    image: postgres:16 # pinned\n  app:\n    build: .\n    environment:\n      DEBUG: "1" # local\n';
    const theirs = 'services:\n  db:\n    image: postgres:17 # pinned\n  app:\n    build: .\n  # the cache\n  cache:\n    image: redis:7\n';
    expect(mergeYaml(B(base), B(ours), B(theirs))!.toString()).toBe(
      '# mine\nservices:\n  db:\n    image: postgres:17 # pinned\n  app:\n    build: .\n    environment:\n      DEBUG: "1" # local\n  # the cache\n  cache:\n    image: redis:7\n',
    );
  });

  it('matches workflow steps by name/action, so an action bump and a user edit of the same step combine', () => {
    const base = 'steps:\n  - uses: actions/setup-node@v4\n    with:\n      node-version: 20\n';
    const ours = 'steps:\n  - uses: actions/setup-node@v4\n    with:\n      node-version: 22\n';
    const theirs = 'steps:\n  - uses: actions/setup-node@v5\n    with:\n      node-version: 20\n';
    expect(mergeYaml(B(base), B(ours), B(theirs))!.toString()).toBe('steps:\n  - uses: actions/setup-node@v5\n    with:\n      node-version: 22\n');
  });

  it('falls back to the line merge when structure is ambiguous (anchors, same key changed twice)', () => {
    expect(mergeYaml(B('a: &x 1\nb: *x\n'), B('a: &x 2\nb: *x\n'), B('a: &x 1\nb: 3\n'))).toBeUndefined();
    expect(mergeYaml(B('a: 1\n'), B('a: 2\n'), B('a: 3\n'))).toBeUndefined();
  });
});

describe('pyproject.toml dependencies by package name', () => {
  const py = (deps: string[], dev: string[] = ['pytest>=8']) =>
    B(`[project]\nname = "x"\ndependencies = [\n${deps.map((d) => `    "${d}",\n`).join('')}]\n\n[dependency-groups]\ndev = [${dev.map((d) => `"${d}"`).join(', ')}]\n`);

  it('bumps what the template bumped, keeps what the user added or bumped, also in dependency groups', () => {
    const r = mergeToml(py(['fastapi>=0.110', 'uvicorn>=0.30']), py(['fastapi>=0.110', 'Uvicorn[standard]>=0.31', 'httpx']), py(['fastapi>=0.115', 'uvicorn>=0.30', 'pydantic>=2'], ['pytest>=8.3']), L);
    expect(r).toEqual({
      conflicts: 0,
      content: py(['fastapi>=0.115', 'Uvicorn[standard]>=0.31', 'pydantic>=2', 'httpx'], ['pytest>=8.3']),
    });
  });

  it('a package changed differently on both sides is left to the line merge (conflict markers)', () => {
    expect(mergeToml(py(['fastapi>=0.110']), py(['fastapi>=0.111']), py(['fastapi>=0.115']), L)).toBeUndefined();
  });
});

describe('the decision table', () => {
  const f = (s: string, executable = false): FileVersion => ({ content: B(s), executable });
  it.each([
    ['untouched, template changed', f('a'), f('a'), f('b'), 'write:updated'],
    ['user changed, template did not', f('a'), f('u'), f('a'), 'keep:kept-yours'],
    ['both changed identically', f('a'), f('b'), f('b'), 'keep:unchanged'],
    ['both changed', f('a'), f('u'), f('t'), 'merge'],
    ['user deleted', f('a'), undefined, f('t'), 'keep:kept-deleted'],
    ['template deleted, untouched', f('a'), f('a'), undefined, 'remove:removed'],
    ['template deleted, user changed', f('a'), f('u'), undefined, 'keep:kept-modified-deleted-by-template'],
    ['template added', undefined, undefined, f('t'), 'write:added'],
    ['both added differently', undefined, f('u'), f('t'), 'merge'],
    ['user chmod +x, template changed content', f('a'), f('a', true), f('t'), 'write:merged'],
    ['template chmod +x, user changed content', f('a'), f('u'), f('a', true), 'write:merged'],
  ] as const)('%s', (_name, base, ours, theirs, expected) => {
    const d = classify('some/file.txt', base, ours, theirs);
    expect(d.action === 'merge' ? 'merge' : `${d.action}:${d.outcome}`).toBe(expected);
  });

  it('lockfiles are never merged', () => {
    expect(classify('package-lock.json', f('a'), f('u'), f('t'))).toEqual({ action: 'keep', outcome: 'lockfile-regenerate' });
    expect(classify('sub/uv.lock', f('a'), f('a'), f('t'))).toMatchObject({ action: 'write', outcome: 'lockfile-regenerate' });
  });
});

describe('versions and declared renames', () => {
  it('orders semver, prereleases before releases', () => {
    const sorted = ['1.10.0', '1.2.0', '1.2.0-rc.1', '1.2.0-beta', '0.9.9', '1.2.0-rc.10'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.9', '1.2.0-beta', '1.2.0-rc.1', '1.2.0-rc.10', '1.2.0', '1.10.0']);
  });

  it('composes the renames of the versions in (from, to]', () => {
    const migrations: { version: string; renames: Record<string, string> }[] = [
      { version: '1.2.0', renames: { 'b.js': 'c.js' } },
      { version: '1.1.0', renames: { 'a.js': 'b.js', 'x.js': 'y.js' } },
      { version: '2.0.0', renames: { 'c.js': 'd.js' } },
    ];
    expect([...renamesBetween(migrations, '1.0.0', '1.2.0')]).toEqual([
      ['a.js', 'c.js'],
      ['x.js', 'y.js'],
    ]);
    expect([...renamesBetween(migrations, '1.1.0', '1.2.0')]).toEqual([['b.js', 'c.js']]);
  });
});
