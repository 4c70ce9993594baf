import path from 'node:path';
import { execa, type Options } from 'execa';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'create-polyglot-backend.js');

/** Runs the built CLI as a user would, without a terminal: stdin closed, CI unset, bounded in time. */
export function runCli(args: string[], opts: Options & { cwd: string }) {
  return execa('node', [BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
    ...opts,
    env: { CI: '', npm_config_user_agent: '', ...opts.env },
  });
}

export async function buildCli(): Promise<void> {
  await execa('node', ['scripts/build.mjs'], { cwd: REPO_ROOT });
}
