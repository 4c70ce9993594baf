/**
 * The published artifact, not the source: `npm pack`, then run it the way `npx create-polyglot-backend`
 * does, and check what installing it costs (at most 3 packages and 3 MB).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, REPO_ROOT } from '../test/helpers/cli.js';
import { listTree, makeTmp } from '../test/helpers/tmp.js';

const tmp = makeTmp('cpb-e2e-pack-');
let tarball = '';

function dirSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirSize(p) : fs.lstatSync(p).size;
  }
  return total;
}

beforeAll(async () => {
  await buildCli();
  const r = await execa('npm', ['pack', '--json', '--pack-destination', tmp.dir], { cwd: REPO_ROOT });
  tarball = path.join(tmp.dir, (JSON.parse(r.stdout) as { filename: string }[])[0]!.filename);
}, 120_000);
afterAll(() => tmp.cleanup());

describe('the packed CLI', () => {
  it('ships bin, dist and templates, and no sources or tests', async () => {
    const r = await execa('tar', ['-tzf', tarball]);
    const files = r.stdout.split('\n');
    expect(files).toContain('package/bin/create-polyglot-backend.js');
    expect(files).toContain('package/dist/cli.js');
    expect(files).toContain('package/templates/express/template.json');
    expect(files.filter((f) => /^package\/(generators|test|e2e|bench)\//.test(f))).toEqual([]);
  });

  it('runs as npx does (npm exec of the tarball) and generates a project', async () => {
    const work = path.join(tmp.dir, 'npx-run');
    fs.mkdirSync(work);
    const r = await execa('npm', ['exec', '--yes', `--package=${tarball}`, '--', 'create-polyglot-backend', 'via-npx', '--template', 'express', '--no-install', '--no-git'], {
      cwd: work,
      env: { CI: 'true' },
      stdin: 'ignore',
      reject: false,
      all: true,
      timeout: 180_000,
    });
    expect(r.exitCode, r.all).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(work, 'via-npx', 'package.json'), 'utf8')) as { name: string };
    expect(pkg.name).toBe('via-npx');
    expect(listTree(path.join(work, 'via-npx'))).toContain('.polyglot/manifest.json');
  });

  it('installs as at most 3 packages and 3 MB', async () => {
    const consumer = path.join(tmp.dir, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), '{"name":"consumer","private":true}');
    await execa('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tarball], { cwd: consumer, timeout: 180_000 });
    const nm = path.join(consumer, 'node_modules');
    const packages = listTree(nm).filter((p) => p.endsWith('/package.json') && p.split('/').length <= 3 && !p.includes('/node_modules/'));
    expect(packages.length).toBeGreaterThanOrEqual(1);
    expect(packages.length).toBeLessThanOrEqual(3);
    expect(dirSize(nm)).toBeLessThan(3 * 1024 * 1024);
  });
});
