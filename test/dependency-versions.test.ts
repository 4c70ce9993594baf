/**
 * One place per ecosystem for a dependency's version: across every starter, layer overlay and feature,
 * a Node package is pinned in one package.json and a Python requirement written in one pyproject.toml
 * (the uv lock, cut per project, holds the resolved versions). A second pin would drift.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { TEMPLATES_DIR } from '../generators/package-root.js';
import { requirementName } from '../generators/toml/dependency-arrays.js';

function filesNamed(names: readonly string[], dir = TEMPLATES_DIR): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((p) => p.split(path.sep).join('/'))
    .filter((p) => !p.includes('node_modules/') && names.includes(path.posix.basename(p)));
}

function owners(entries: [string, string][]): Record<string, string[]> {
  const byName: Record<string, string[]> = {};
  for (const [name, file] of entries) (byName[name] ??= []).push(file);
  return Object.fromEntries(Object.entries(byName).filter(([, files]) => files.length > 1));
}

describe('dependency versions are written once per ecosystem', () => {
  it('Node: each package in one package.json', () => {
    const entries = filesNamed(['package.json']).flatMap((file) => {
      const pkg = JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, file), 'utf8')) as Record<string, Record<string, string> | undefined>;
      return ['dependencies', 'devDependencies', 'optionalDependencies'].flatMap((k) => Object.keys(pkg[k] ?? {}).map((n): [string, string] => [n, file]));
    });
    expect(entries.length).toBeGreaterThan(20);
    expect(owners(entries)).toEqual({});
  });

  it('Python: each requirement in one pyproject.toml (the dev extra mirrors the dev group by design)', () => {
    const entries = filesNamed(['pyproject.toml', 'pyproject.toml.ejs']).flatMap((file) => {
      const text = fs.readFileSync(path.join(TEMPLATES_DIR, file), 'utf8').replace(/<%[=-][^%]*%>/g, '"x"').replace(/""x""/g, '"x"');
      const data = parse(text) as { project?: { dependencies?: string[]; 'optional-dependencies'?: Record<string, string[]> }; 'dependency-groups'?: Record<string, string[]> };
      const reqs = [...(data.project?.dependencies ?? []), ...Object.values(data['dependency-groups'] ?? {}).flat()];
      return reqs.map((r): [string, string] => [requirementName(r) ?? r, file]);
    });
    expect(entries.length).toBeGreaterThan(10);
    expect(owners(entries)).toEqual({});
  });
});
