/**
 * The upgrade pipeline, loaded by main.ts only when it runs: detect -> plan (pure) -> show / confirm ->
 * apply -> git index -> regenerate lockfiles. Data flows one way; only apply.ts and git-index.ts change
 * anything, and only after every check has passed.
 */
import { answerFields, answersSchema, ANSWER_KEYS, type Answers, type AnswerKey, type Field } from '../answers/schema.js';
import { promptFor, type Prompter } from '../answers/collect.js';
import type { LaunchContext } from '../env/launch.js';
import { CancelledError, CliError, ExitCode } from '../errors.js';
import { GENERATOR_NAME, GENERATOR_VERSION } from '../package-root.js';
import { BASELINE_PATH, MANIFEST_DIR, MANIFEST_PATH, type Manifest } from '../plan/manifest.js';
import { installCommand } from '../plan/package-manager.js';
import { buildPlan, type Plan, type PostStep } from '../plan/plan.js';
import { assertSafeRelativePath } from '../plan/render.js';
import { runPostSteps, type StepResult } from '../post/run-steps.js';
import type { ResolvedTemplate } from '../sources/resolve-template.js';
import { collectTemplateVars } from '../answers/template-vars.js';
import type { Reporter } from '../ui/reporter.js';
import { applyUpgrade, interruptedUpgrade, realApplyIo, recoverInterruptedUpgrade, type ApplyIo } from './apply.js';
import type { FileVersion } from './classify.js';
import { findLockfiles, readBlockingParents, readProjectFiles, readProjectState } from './detect.js';
import { gitInfo, markUnmerged, uncommittedChanges } from './git-index.js';
import { planUpgrade, type FileOp, type UpgradePlan } from './plan-upgrade.js';
import { blockedError, conflictAdvice, humanSummary, jsonSummary, needsAttention, type UpgradeSummary } from './report.js';
import { compareVersions, renamesBetween } from './version.js';

export interface UpgradeOptions {
  root: string;
  /** Loads the newer template for this project (its recorded origin, a --templates override or the built-ins). */
  templateFor: (manifest: Manifest) => Promise<ResolvedTemplate>;
  dryRun: boolean;
  check: boolean;
  json: boolean;
  yes: boolean;
  allowDirty: boolean;
  /** --no-install: do not regenerate lockfiles (they are reported instead). */
  install: boolean;
  /** Answers to the template's own questions: --set (strict), then the preset and org defaults. */
  vars?: { set: Readonly<Record<string, string>>; preset: Readonly<Record<string, string | boolean>> };
}

export interface UpgradeDeps {
  launch: LaunchContext;
  prompter: Prompter | undefined;
  reporter: Reporter;
  applyIo?: ApplyIo;
}

export interface UpgradeResult {
  stdout?: string;
  exitCode: number;
  plan?: UpgradePlan;
}

async function answersFor(recorded: Record<string, unknown>, root: string, opts: UpgradeOptions, deps: UpgradeDeps): Promise<Answers> {
  const ask = deps.launch.interactive && !opts.yes && !opts.json && deps.prompter !== undefined;
  const known: Record<string, unknown> = { directory: '.', install: opts.install, git: false };
  for (const key of ANSWER_KEYS) {
    const field: Field = answerFields[key];
    if (!field.recorded) continue;
    if (recorded[key] !== undefined) {
      known[key] = recorded[key];
      continue;
    }
    // A question this version added: ask it (or take its default), and record the answer from now on.
    const fallback = field.default({ launchedBy: deps.launch.launchedBy, known: { directory: root } });
    known[key] = ask && field.prompt ? await promptFor(deps.prompter!, key as AnswerKey, field, fallback) : fallback;
  }
  const parsed = answersSchema.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError('upgrade', `${MANIFEST_PATH} records an invalid answer for ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`, {
      exitCode: ExitCode.usage,
      hint: 'Nothing was changed. Restore .polyglot/ from version control and run again.',
    });
  }
  return parsed.data;
}

function regenerateStep(plan: Plan, install: 'node' | 'python' | 'none', up: UpgradePlan, enabled: boolean, trusted: boolean): PostStep | undefined {
  if (!up.regenerate || install === 'none') return undefined;
  const [command, plain] = install === 'node' ? installCommand(plan.answers.packageManager) : (['uv', ['lock']] as [string, string[]]);
  // An untrusted template's dependencies install without running their scripts, as at creation.
  const args = trusted || install !== 'node' ? plain : [...plain, '--ignore-scripts'];
  return {
    id: 'regenerate-lockfile',
    title: `Regenerate the lockfile with ${command} ${args.join(' ')}`,
    kind: 'install',
    command,
    args,
    cwd: '.',
    rerun: `${command} ${args.join(' ')}`,
    skipped: up.regenerateBlocked ?? (enabled ? undefined : '--no-install'),
  };
}

export async function runUpgrade(opts: UpgradeOptions, deps: UpgradeDeps): Promise<UpgradeResult> {
  const { root } = opts;
  const { reporter } = deps;
  const interrupted = await interruptedUpgrade(root);
  // Staging alone (a crash before the swap, or a tidy-up that failed after the commit) changes nothing
  // in the project: --dry-run and --check may look past it; a real run drops it.
  if (interrupted === 'journal' || (interrupted === 'staging' && !opts.dryRun && !opts.check)) {
    if (opts.dryRun || opts.check) {
      throw new CliError('upgrade', 'An earlier upgrade of this project was interrupted and has not been rolled back yet.', {
        exitCode: ExitCode.usage,
        hint: 'Run the upgrade without --dry-run/--check: it first restores the project exactly as it was.',
      });
    }
    const recovered = await recoverInterruptedUpgrade(root, deps.applyIo ?? realApplyIo);
    if (recovered === 'rolled-back') reporter.warn('An interrupted upgrade was found and undone: the project is as it was before it.');
  }

  const state = await readProjectState(root);
  const { manifest } = state;
  const resolved = await opts.templateFor(manifest);
  const { template, source } = resolved;
  if (template.meta.id !== manifest.template.id) {
    throw new CliError('upgrade', `The template fetched is "${template.meta.id}", but this project was generated from "${manifest.template.id}".`, {
      exitCode: ExitCode.usage,
      hint: 'Nothing was changed. Point --template at a newer version of the same template.',
    });
  }
  const from = manifest.template.version;
  const to = template.meta.version;
  const order = compareVersions(to, from);
  if (order < 0) {
    throw new CliError('upgrade', `This project was generated from ${manifest.template.id} ${from}, newer than the ${to} this create-polyglot-backend ${GENERATOR_VERSION} has; refusing to downgrade.`, {
      exitCode: ExitCode.usage,
      hint: 'Nothing was changed. Run a newer version: npx create-polyglot-backend@latest upgrade',
    });
  }
  if (order === 0) {
    const message = `${manifest.template.id} ${from} is already up to date.`;
    if (!opts.json) reporter.outro(message);
    return {
      exitCode: ExitCode.ok,
      stdout: opts.json ? `${JSON.stringify({ ok: true, upgrade: true, upToDate: true, directory: root, template: { id: manifest.template.id, from, to } }, null, 2)}\n` : undefined,
    };
  }
  if (opts.check) {
    if (!opts.json) reporter.outro(`An upgrade is available: ${manifest.template.id} ${from} → ${to}. Run the command again without --check to apply it.`);
    return {
      exitCode: ExitCode.upgradeNeedsAttention,
      stdout: opts.json ? `${JSON.stringify({ ok: true, upgrade: true, upToDate: false, directory: root, template: { id: manifest.template.id, from, to } }, null, 2)}\n` : undefined,
    };
  }

  const git = await gitInfo(root);
  if (git && !opts.allowDirty && !opts.dryRun) {
    const dirty = await uncommittedChanges(root);
    if (dirty.length > 0) {
      throw new CliError('upgrade', 'The git work tree has uncommitted changes; refusing to upgrade over them.', {
        exitCode: ExitCode.usage,
        details: [...dirty.slice(0, 10), ...(dirty.length > 10 ? [`… and ${dirty.length - 10} more`] : [])],
        hint: 'Commit or stash them first so the upgrade can be reviewed and undone with git, or pass --allow-dirty.',
      });
    }
  }

  const answers = await answersFor(manifest.answers, root, opts, deps);
  // A new version may add questions: --set or the preset answer them (the manifest's answers win over
  // the preset for the old ones); presets and org defaults may name questions this template lacks.
  const askable = new Set(template.meta.prompts.map((p) => p.name));
  const presetVars = Object.fromEntries(Object.entries(opts.vars?.preset ?? {}).filter(([k]) => askable.has(k)));
  const vars = await collectTemplateVars(template.meta.prompts, { set: opts.vars?.set ?? {}, preset: presetVars }, {
    ask: deps.launch.interactive && !opts.yes && !opts.json && deps.prompter !== undefined,
    prompter: deps.prompter,
    previous: manifest.vars ?? {},
  });
  const plan = buildPlan(answers, template, {
    cwd: root,
    generatorName: GENERATOR_NAME,
    generatorVersion: GENERATOR_VERSION,
    nodeVersion: '24',
    templateSource: source,
    origin: resolved.origin,
    vars,
    trusted: resolved.trusted,
  });
  const theirs = new Map<string, FileVersion>();
  const tracking: FileOp[] = [];
  for (const f of plan.files) {
    if (f.path === MANIFEST_PATH || f.path === BASELINE_PATH) tracking.push({ kind: 'write', path: f.path, content: f.content, executable: false });
    else if (!f.path.startsWith(`${MANIFEST_DIR}/`)) theirs.set(f.path, { content: f.content, executable: f.executable });
  }
  const renames = renamesBetween(template.meta.migrations, from, to);
  for (const [a, b] of renames) {
    assertSafeRelativePath(a);
    assertSafeRelativePath(b);
  }
  const paths = new Set([...state.baseline.keys(), ...theirs.keys(), ...renames.keys(), ...renames.values()]);
  const { files: ours, directories } = await readProjectFiles(root, paths);
  const otherLockfiles = (await findLockfiles(root, [...state.baseline.keys(), ...theirs.keys()])).filter((p) => !paths.has(p));

  const up = planUpgrade({
    base: state.baseline,
    ours,
    theirs,
    renames,
    labels: { ours: 'yours', base: 'base', theirs: `template ${to}` },
    otherLockfiles,
    blockingParents: await readBlockingParents(root, paths),
    directories,
  });
  // A file where a directory must go cannot be merged or swapped: refuse before anything is written.
  if (up.blocked.length > 0) throw blockedError(up.blocked, to);
  const summary: UpgradeSummary = { directory: root, template: manifest.template.id, from, to, dryRun: opts.dryRun, plan: up, postSteps: [] };
  const rootInstall = template.installs.find((i) => i.cwd === undefined)?.kind ?? template.meta.install;
  const step = regenerateStep(plan, rootInstall, up, answers.install, resolved.trusted);

  if (opts.dryRun) {
    if (!opts.json) {
      reporter.info(humanSummary(summary));
      if (step) reporter.info(`Then: ${step.skipped ? `${step.rerun} (skipped: ${step.skipped})` : step.rerun}`);
      reporter.outro('Dry run: nothing was written.');
    }
    return { exitCode: ExitCode.ok, plan: up, stdout: opts.json ? jsonSummary(summary) : undefined };
  }

  if (!opts.json) reporter.info(humanSummary(summary));
  if (deps.launch.interactive && !opts.yes && !opts.json && deps.prompter) {
    const open = needsAttention(up).length;
    const ok = await deps.prompter.confirm({
      message: open > 0 ? `Apply the upgrade? ${open} file(s) will need your decision afterwards.` : 'Apply the upgrade?',
      initialValue: true,
    });
    if (!ok) throw new CancelledError('upgrade');
  }

  const applying = opts.json ? undefined : reporter.progress(`Applying ${up.ops.length} change(s)`);
  let applied;
  try {
    applied = await applyUpgrade(root, [...up.ops, ...tracking], deps.applyIo ?? realApplyIo);
  } catch (err) {
    // The error itself says what state the project is in (restored, or what could not be put back).
    applying?.fail('Applying the upgrade failed');
    throw err;
  }
  applying?.done(`Upgraded ${manifest.template.id} ${from} → ${to}`);
  if (applied.leftover) reporter.warn(`The upgrade is applied, but ${applied.leftover}`);

  if (git && up.conflicts.length > 0) {
    try {
      await markUnmerged(git, up.conflicts);
    } catch (err) {
      reporter.warn(`Could not mark the conflicted files as unmerged in git's index: ${(err as Error).message}`);
    }
  }

  let steps: StepResult[] = [];
  if (step) steps = await runPostSteps({ ...plan, targetDir: root, postSteps: [step] }, reporter);
  summary.postSteps = steps;
  const attention = needsAttention(up).length > 0;
  const failed = steps.find((s) => s.status === 'failed');
  if (!opts.json) {
    if (attention) reporter.warn(conflictAdvice(up, git !== undefined));
    if (failed) reporter.warn(`Regenerating the lockfile failed (${failed.reason ?? 'unknown error'}); run \`${failed.rerun}\` by hand.`);
    else if (step?.skipped) reporter.info(`Lockfiles were not regenerated (${step.skipped}); run \`${step.rerun}\` when ready.`);
    reporter.outro(attention ? 'Upgrade applied with conflicts.' : 'Upgrade applied. Review it with `git diff`.');
  }
  const exitCode = attention ? ExitCode.upgradeNeedsAttention : failed ? ExitCode.postStepFailed : ExitCode.ok;
  return { exitCode, plan: up, stdout: opts.json ? jsonSummary(summary, { ok: exitCode === ExitCode.ok }) : undefined };
}
