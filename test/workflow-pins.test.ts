/**
 * The generated workflows pin every action to a commit (a moved tag cannot change what runs) with the
 * release it is in a comment, and the GitHub actions every job uses are on their current majors
 * (older majors run on a deprecated Node and miss checkout's fork-PR hardening).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

const CURRENT_MAJOR: Record<string, number> = { 'actions/checkout': 7, 'actions/setup-node': 7 };

function workflowFiles(): string[] {
  const roots = ['templates', path.join('docs', 'example-org-kit')].map((r) => path.join(REPO_ROOT, r));
  return roots.flatMap((root) =>
    fs
      .readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => /dot_github[/\\]workflows[/\\][^/\\]+\.ya?ml(\.ejs)?$/.test(f))
      .map((f) => path.join(root, f)),
  );
}

describe('generated workflows', () => {
  const files = workflowFiles();
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(4));

  it.each(files.map((f) => [path.relative(REPO_ROOT, f), f]))('%s pins actions by commit, on current majors', (_name, file) => {
    const uses = [...fs.readFileSync(file, 'utf8').matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@(\S+)(?:\s+#\s*v(\d+)[\d.]*)?/g)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [line, action, ref, major] of uses) {
      expect(ref, line).toMatch(/^[0-9a-f]{40}$/);
      expect(major, `${line}: version comment`).toBeDefined();
      const current = CURRENT_MAJOR[action!];
      if (current !== undefined) expect(Number(major), line).toBeGreaterThanOrEqual(current);
    }
  });
});
