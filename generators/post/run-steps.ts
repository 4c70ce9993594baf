/**
 * After the project is written: install, template scripts (prisma generate …), git. Each step can be
 * switched off; a failing step stops the rest, keeps the project, and says how to rerun what is left.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import type { Plan, PostStep } from '../plan/plan.js';
import type { Reporter } from '../ui/reporter.js';

export type StepStatus = 'done' | 'skipped' | 'failed' | 'not-run';
export interface StepResult {
  id: string;
  status: StepStatus;
  reason?: string;
  rerun: string;
}

const COMMIT_MESSAGE = 'Initial commit from create-polyglot-backend';
// Used only when the machine has no git identity, so the first commit never fails for that reason.
const FALLBACK_IDENTITY = ['-c', 'user.name=create-polyglot-backend', '-c', 'user.email=create-polyglot-backend@users.noreply.invalid'];

// execa is loaded on first use: runs with --no-install --no-git never pay for it.
const loadExeca = async () => (await import('execa')).execa;

async function insideGitWorkTree(dir: string): Promise<boolean> {
  const execa = await loadExeca();
  const r = await execa('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, reject: false });
  return r.exitCode === 0 && r.stdout.trim() === 'true';
}

/**
 * Why the git step must not run here, if it must not: a repository the user already has (the target's
 * own `.git`, or one around it) is theirs. Committing there would land on their branch, and `add -A`
 * would stage the deletion of every tracked file the target does not hold.
 */
async function existingRepository(dir: string): Promise<string | undefined> {
  if (existsSync(path.join(dir, '.git'))) return 'the directory already holds a git repository; nothing was committed to it';
  if (await insideGitWorkTree(path.dirname(dir))) return 'already inside a git repository';
  return undefined;
}

async function runGit(dir: string): Promise<string | undefined> {
  const execa = await loadExeca();
  const existing = await existingRepository(dir);
  if (existing) return existing;
  const opts = { cwd: dir, all: true, stdin: 'ignore' } as const;
  await execa('git', ['init', '--quiet'], opts);
  await execa('git', ['add', '-A'], opts);
  const email = await execa('git', ['config', 'user.email'], { cwd: dir, reject: false });
  const identity = email.exitCode === 0 && email.stdout.trim() !== '' ? [] : FALLBACK_IDENTITY;
  await execa('git', [...identity, 'commit', '--quiet', '--no-verify', '-m', COMMIT_MESSAGE], opts);
  return undefined;
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function runStep(step: PostStep, projectDir: string): Promise<string | undefined> {
  const cwd = path.join(projectDir, step.cwd);
  if (step.kind === 'git') return runGit(cwd);
  // stdin ignored: a package manager must never wait for an answer from a non-interactive run.
  const execa = await loadExeca();
  await execa(step.command, step.args, { cwd, stdin: 'ignore', all: true, env: { FORCE_COLOR: '0' } });
  return undefined;
}

export async function runPostSteps(plan: Plan, reporter: Reporter): Promise<StepResult[]> {
  const results: StepResult[] = [];
  let failed: PostStep | undefined;
  for (const step of plan.postSteps) {
    if (failed) {
      results.push({ id: step.id, status: 'not-run', rerun: step.rerun });
      continue;
    }
    if (step.skipped) {
      results.push({ id: step.id, status: 'skipped', reason: step.skipped, rerun: step.rerun });
      continue;
    }
    const progress = reporter.progress(step.title);
    try {
      const skipped = await runStep(step, plan.targetDir);
      if (skipped) {
        progress.done(`${step.title}: skipped (${skipped})`);
        results.push({ id: step.id, status: 'skipped', reason: skipped, rerun: step.rerun });
      } else {
        progress.done(step.title);
        results.push({ id: step.id, status: 'done', rerun: step.rerun });
      }
    } catch (err) {
      const e = err as { shortMessage?: string; message: string; all?: string; code?: string };
      const reason = e.code === 'ENOENT' ? `${step.command} is not installed or not on PATH` : (e.shortMessage ?? e.message);
      progress.fail(`${step.title} failed`);
      if (e.all) reporter.warn(tail(e.all));
      results.push({ id: step.id, status: 'failed', reason, rerun: step.rerun });
      failed = step;
    }
  }
  return results;
}

export function postStepError(plan: Plan, results: StepResult[]): CliError | undefined {
  const failed = results.find((r) => r.status === 'failed');
  if (!failed) return undefined;
  const remaining = results.filter((r) => r.status === 'failed' || r.status === 'not-run');
  return new CliError('post-step', `Step "${failed.id}" failed: ${failed.reason ?? 'unknown error'}. The project was generated and kept in ${plan.targetDir}.`, {
    exitCode: ExitCode.postStepFailed,
    hint: `To finish by hand: cd ${JSON.stringify(plan.targetDir)} && ${remaining.map((r) => r.rerun).join(' && ')}`,
  });
}
