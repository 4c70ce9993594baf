/**
 * After the project is written: install, template scripts (prisma generate …), git. Each step can be
 * switched off; a failing or interrupted step stops the rest, keeps the project (it is complete by then),
 * and says how to run what is left.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import type { Plan, PostStep } from '../plan/plan.js';
import { trapSignals, type Signal, type SignalTrap } from '../signal-trap.js';
import type { Reporter } from '../ui/reporter.js';

export type StepStatus = 'done' | 'skipped' | 'failed' | 'cancelled' | 'not-run';
export interface StepResult {
  id: string;
  status: StepStatus;
  reason?: string;
  /** The signal that interrupted a cancelled step. */
  signal?: Signal;
  rerun: string;
}

const COMMIT_MESSAGE = 'Initial commit from create-polyglot-backend';
// Used only when the machine has no git identity, so the first commit never fails for that reason.
const FALLBACK_IDENTITY = ['-c', 'user.name=create-polyglot-backend', '-c', 'user.email=create-polyglot-backend@users.noreply.invalid'];

const SIGNAL_GRACE_MS = 500;

// execa is loaded on first use: runs with --no-install --no-git never pay for it.
const loadExeca = async () => (await import('execa')).execa;

interface Child {
  kill(signal?: NodeJS.Signals): boolean;
}
type Run = (command: string, args: string[], opts: { cwd: string; reject?: boolean; env?: Record<string, string> }) => Promise<{ exitCode?: number; stdout: string }>;

/** Runs commands (stdin ignored: nothing may wait for an answer) and keeps the live ones in `live`. */
function childRunner(live: Set<Child>): Run {
  return async (command, args, opts) => {
    const execa = await loadExeca();
    const child = execa(command, args, { stdin: 'ignore', all: true, ...opts });
    live.add(child);
    try {
      return await child;
    } finally {
      live.delete(child);
    }
  };
}

async function insideGitWorkTree(dir: string, run: Run): Promise<boolean> {
  const r = await run('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, reject: false });
  return r.exitCode === 0 && r.stdout.trim() === 'true';
}

/**
 * Why the git step must not run here, if it must not: a repository the user already has (the target's
 * own `.git`, or one around it) is theirs. Committing there would land on their branch, and `add -A`
 * would stage the deletion of every tracked file the target does not hold.
 */
async function existingRepository(dir: string, run: Run): Promise<string | undefined> {
  if (existsSync(path.join(dir, '.git'))) return 'the directory already holds a git repository; nothing was committed to it';
  if (await insideGitWorkTree(path.dirname(dir), run)) return 'already inside a git repository';
  return undefined;
}

async function runGit(dir: string, run: Run): Promise<string | undefined> {
  const existing = await existingRepository(dir, run);
  if (existing) return existing;
  await run('git', ['init', '--quiet'], { cwd: dir });
  await run('git', ['add', '-A'], { cwd: dir });
  const email = await run('git', ['config', 'user.email'], { cwd: dir, reject: false });
  const identity = email.exitCode === 0 && email.stdout.trim() !== '' ? [] : FALLBACK_IDENTITY;
  await run('git', [...identity, 'commit', '--quiet', '--no-verify', '-m', COMMIT_MESSAGE], { cwd: dir });
  return undefined;
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function runStep(step: PostStep, projectDir: string, run: Run): Promise<string | undefined> {
  const cwd = path.join(projectDir, step.cwd);
  if (step.kind === 'git') return runGit(cwd, run);
  await run(step.command, step.args, { cwd, env: { FORCE_COLOR: '0' } });
  return undefined;
}

/**
 * Ctrl-C or SIGTERM while a step runs: the project was already written completely and moved into place,
 * so it is kept, and the run ends with 130/143 and the commands that finish it. In a terminal the child
 * got the signal from the terminal too; without one it is passed on, so the step stops now.
 */
function trapForSteps(live: Set<Child>): SignalTrap {
  return trapSignals(
    'post-step',
    () => {
      for (const child of live) child.kill('SIGKILL'); // the user insists
    },
    (signal) => {
      for (const child of live) child.kill(signal);
    },
  );
}

/**
 * `keepOnSignal`: a signal while a step runs stops the steps and marks that one `cancelled` (see
 * trapForSteps). Without it signals keep their default effect (upgrades handle them themselves).
 */
export async function runPostSteps(plan: Plan, reporter: Reporter, opts: { keepOnSignal?: boolean } = {}): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const live = new Set<Child>();
  const run = childRunner(live);
  const trap = opts.keepOnSignal ? trapForSteps(live) : undefined;
  let stopped = false;
  try {
    for (const step of plan.postSteps) {
      // A step switched off (--no-git, --no-install) stays skipped after a failure: it is not "left to do".
      if (step.skipped) {
        results.push({ id: step.id, status: 'skipped', reason: step.skipped, rerun: step.rerun });
      } else if (stopped) {
        results.push({ id: step.id, status: 'not-run', rerun: step.rerun });
      } else {
        const result = await runOne(step, plan.targetDir, reporter, run, trap);
        results.push(result);
        stopped = result.status === 'failed' || result.status === 'cancelled';
      }
    }
  } finally {
    trap?.release();
  }
  return results;
}

/**
 * Ctrl-C in a terminal reaches the child and this process together, but this process may see the child's
 * exit first (measured: about one time in four, by a millisecond). A failed step therefore waits a moment
 * for a signal before it is called a failure; the wait is bounded and costs nothing on success.
 */
async function signalAfterFailure(trap: SignalTrap | undefined): Promise<Signal | undefined> {
  for (let waited = 0; trap && !trap.signal() && waited < SIGNAL_GRACE_MS; waited += 25) await new Promise((r) => setTimeout(r, 25));
  return trap?.signal();
}

async function runOne(step: PostStep, projectDir: string, reporter: Reporter, run: Run, trap: SignalTrap | undefined): Promise<StepResult> {
  const progress = reporter.progress(step.title);
  let outcome: { skipped?: string; error?: unknown };
  try {
    outcome = { skipped: await runStep(step, projectDir, run) };
  } catch (error) {
    outcome = { error };
  }
  // A signal decides, whatever the interrupted child made of it (some exit 0, some 1, some die).
  const signal = outcome.error === undefined ? trap?.signal() : await signalAfterFailure(trap);
  if (signal) {
    progress.fail(`${step.title}: interrupted (${signal})`);
    return { id: step.id, status: 'cancelled', reason: `interrupted by ${signal}`, signal, rerun: step.rerun };
  }
  if (outcome.error === undefined) {
    progress.done(outcome.skipped ? `${step.title}: skipped (${outcome.skipped})` : step.title);
    return { id: step.id, status: outcome.skipped ? 'skipped' : 'done', ...(outcome.skipped ? { reason: outcome.skipped } : {}), rerun: step.rerun };
  }
  const e = outcome.error as { shortMessage?: string; message: string; all?: string; code?: string };
  progress.fail(`${step.title} failed`);
  if (e.all) reporter.warn(tail(e.all));
  const reason = e.code === 'ENOENT' ? `${step.command} is not installed or not on PATH` : (e.shortMessage ?? e.message);
  return { id: step.id, status: 'failed', reason, rerun: step.rerun };
}

/** `cd <project> && <what is left>`, with the project relative to where the user ran the command. */
export function finishByHand(plan: Plan, results: StepResult[], fromDir: string): string {
  const remaining = results.filter((r) => r.status === 'failed' || r.status === 'cancelled' || r.status === 'not-run');
  const rel = path.relative(fromDir, plan.targetDir);
  const dir = rel === '' ? '.' : rel.startsWith('..') ? plan.targetDir : rel;
  const quoted = /^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replaceAll("'", `'\\''`)}'`;
  return [...(dir === '.' ? [] : [`cd ${quoted}`]), ...remaining.map((r) => r.rerun)].join(' && ');
}

export function postStepError(plan: Plan, results: StepResult[], fromDir: string): CliError | undefined {
  const cancelled = results.find((r) => r.status === 'cancelled');
  if (cancelled) {
    return new CliError('post-step', `Cancelled during "${cancelled.id}". The project was written completely and is kept in ${plan.targetDir}, but its remaining steps did not run.`, {
      exitCode: cancelled.signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.cancelled,
      hint: `To finish by hand: ${finishByHand(plan, results, fromDir)}`,
    });
  }
  const failed = results.find((r) => r.status === 'failed');
  if (!failed) return undefined;
  return new CliError('post-step', `Step "${failed.id}" failed: ${failed.reason ?? 'unknown error'}. The project was generated and kept in ${plan.targetDir}.`, {
    exitCode: ExitCode.postStepFailed,
    hint: `To finish by hand: ${finishByHand(plan, results, fromDir)}`,
  });
}
