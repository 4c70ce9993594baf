/** Exit codes are a contract: each outcome has its own, and the README lists exactly these. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../generators/errors.js';
import { buildCli, REPO_ROOT, runCli } from './helpers/cli.js';
import { makeTmp } from './helpers/tmp.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'upgrade');

describe('exit codes', () => {
  it('no two outcomes share a code, so CI can tell a bug (1) from an available upgrade', () => {
    const byCode = new Map<number, string[]>();
    for (const [name, code] of Object.entries(ExitCode)) byCode.set(code, [...(byCode.get(code) ?? []), name]);
    expect([...byCode.values()].filter((names) => names.length > 1)).toEqual([]);
    expect(ExitCode.upgradeNeedsAttention).toBe(7);
  });

  it("README's exit-code list names every code", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const list = /\*\*Exit codes\*\*:([\s\S]*?)\n\n/.exec(readme)?.[1] ?? '';
    const documented = [...list.matchAll(/(?:^|·)\s*(\d+) /g)].map((m) => Number(m[1]));
    expect(documented.sort((a, b) => a - b)).toEqual([...new Set(Object.values(ExitCode))].sort((a, b) => a - b));
    expect(list).toMatch(/\b1 internal error \(a bug, and nothing else\)/);
  });
});

describe('the built CLI', () => {
  beforeAll(buildCli, 60_000);
  let tmp: ReturnType<typeof makeTmp>;
  beforeEach(() => {
    tmp = makeTmp('cpb-exit-');
  });
  afterEach(() => tmp.cleanup());

  it('upgrade --check exits 7 when a newer template exists, 0 when not', async () => {
    const gen = await runCli(['app', '-t', 'express', '--templates', path.join(FIXTURES, 'v1'), '--no-install', '--no-git'], { cwd: tmp.dir });
    expect(gen.exitCode, gen.stderr).toBe(0);
    const app = path.join(tmp.dir, 'app');
    const newer = await runCli(['--check', '--templates', path.join(FIXTURES, 'v2')], { cwd: app });
    expect(newer.exitCode, newer.stderr).toBe(7);
    expect(newer.stderr).not.toMatch(/internal error/);
    const same = await runCli(['--check', '--templates', path.join(FIXTURES, 'v1')], { cwd: app });
    expect(same.exitCode, same.stderr).toBe(0);
  }, 120_000);
});
