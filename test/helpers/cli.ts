import path from 'node:path';
import { execa } from 'execa';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'create-polyglot-backend.js');

/** Runs the built CLI as a user would, without a terminal: stdin closed, CI unset, bounded in time. */
export interface CliRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], opts: { cwd: string; env?: Record<string, string>; timeout?: number }): Promise<CliRun> {
  const r = await execa('node', [BIN, ...args], {
    cwd: opts.cwd,
    reject: false,
    stdin: 'ignore',
    timeout: opts.timeout ?? 60_000,
    env: { CI: '', npm_config_user_agent: '', ...opts.env },
  });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

export async function buildCli(): Promise<void> {
  await execa('node', ['scripts/build.mjs'], { cwd: REPO_ROOT });
}
