/**
 * SIGINT / SIGTERM while the install runs, without a terminal: the project was written completely, so
 * it is kept, the install is stopped (the signal is passed on to it), and the run ends 130 / 143 with the
 * exact commands that finish it. The install is a PATH shim for npm that records its pid and sleeps, so
 * the signal always lands mid-install; every process is gone when the test ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, buildCli } from './helpers/cli.js';
import { alive, slowNpmShim, startedPid, until } from './helpers/slow-install.js';
import { makeTmp } from './helpers/tmp.js';

beforeAll(buildCli, 60_000);
let tmp: ReturnType<typeof makeTmp>;
let cli: ReturnType<typeof startCli> | undefined;
let installPid: number | undefined;
beforeEach(() => {
  tmp = makeTmp('cpb-cancel-');
});
afterEach(() => {
  cli?.kill('SIGKILL');
  if (installPid !== undefined && alive(installPid)) process.kill(installPid, 'SIGKILL');
  cli = undefined;
  installPid = undefined;
  tmp.cleanup();
});

/** The built CLI without a terminal, with `bin` first on PATH; bounded in time. */
const startCli = (args: string[], cwd: string, bin: string) =>
  execa('node', [BIN, ...args], {
    cwd,
    reject: false,
    stdin: 'ignore',
    timeout: 90_000,
    env: { CI: '', npm_config_user_agent: '', PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}` },
  });

/** The install's pid once it runs; fails at once, with the CLI's output, if the CLI ends before that. */
async function installStarted(run: ReturnType<typeof startCli>, marker: string): Promise<number> {
  let ended: string | undefined;
  void run.then((r) => (ended = `exit ${r.exitCode}: ${r.stderr}`));
  return until(
    'the install to start',
    () => {
      const pid = startedPid(marker);
      if (pid === undefined && ended !== undefined) throw new Error(`The CLI ended before the install started (${ended})`);
      return pid;
    },
    60_000,
  );
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s during the install, without a terminal', (signal, code) => {
  it(`keeps the written project, stops the install, exits ${code} with the finish-by-hand command`, async () => {
    const marker = path.join(tmp.dir, 'install.pid');
    const bin = slowNpmShim(tmp.dir, marker);
    const work = path.join(tmp.dir, 'work');
    fs.mkdirSync(work);
    cli = startCli(['my-api', '-t', 'express', '--no-git', '--pm', 'npm'], work, bin);
    installPid = await installStarted(cli, marker);
    cli.kill(signal);
    const r = await cli;

    expect(r.exitCode, r.stderr).toBe(code);
    // Exactly what is left: --no-git's skipped step is not part of it.
    expect(r.stderr).toMatch(/^To finish by hand: cd my-api && npm install && npm run db:generate$/m);
    expect(r.stderr).toMatch(/Cancelled during "install"\. The project was written completely and is kept in /);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    const project = path.join(work, 'my-api');
    expect(fs.existsSync(path.join(project, 'package.json'))).toBe(true);
    expect(fs.existsSync(path.join(project, '.polyglot', 'manifest.json'))).toBe(true);
    expect(fs.existsSync(path.join(project, 'node_modules'))).toBe(false);
    // The signal was passed on: the install is not left running.
    await until('the install to stop', () => (alive(installPid!) ? undefined : true), 20_000);
  }, 120_000);
});

it('--json reports the interrupted step as cancelled and the rest as not run', async () => {
  const marker = path.join(tmp.dir, 'install.pid');
  const bin = slowNpmShim(tmp.dir, marker);
  cli = startCli(['my-api', '-t', 'express', '--pm', 'npm', '--json'], tmp.dir, bin);
  installPid = await installStarted(cli, marker);
  cli.kill('SIGINT');
  const r = await cli;
  expect(r.exitCode).toBe(130);
  const out = JSON.parse(r.stdout) as { ok: boolean; postSteps: { id: string; status: string }[]; error: { exitCode: number; hint: string } };
  expect(out.ok).toBe(false);
  expect(out.postSteps.map((s) => `${s.id}:${s.status}`)).toEqual(['install:cancelled', 'prisma-generate:not-run', 'git:not-run']);
  expect(out.error.hint).toMatch(/^To finish by hand: cd my-api && npm install && npm run db:generate && git init/);
}, 120_000);
