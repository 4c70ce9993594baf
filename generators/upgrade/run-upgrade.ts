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
import { assertSafeRelativePath } from '../plan/paths.js';
import { runPostSteps, type StepResult } from '../post/run-steps.js';
import type { ResolvedTemplate } from '../sources/resolve-template.js';
import { collectTemplateVars } from '../answers/template-vars.js';
import type { Reporter } from '../ui/reporter.js';
import { applyUpgrade, interruptedUpgrade, realApplyIo, recoverInterruptedUpgrade, type ApplyIo } from './apply.js';
import type { FileVersion } from './classify.js';
import { findLockfiles, readBlockingParents, readProjectFiles, readProjectState } from './detect.js';
import { gitInfo, markUnmerged, uncommittedChanges } from './git-index.js';
import { planUpgrade, type FileOp, type UpgradePlan } from './plan-upgrade.js';
import { blockedError, commandOf, conflictAdvice, humanSummary, jsonSummary, needsAttention, type UpgradeSummary } from './report.js';
import { printJson, type UpgradeJson } from '../ui/json-result.js';
import { compareVersions, renamesBetween } from './version.js';
import type { FeatureAction } from '../answers/args.js';
import type { ChosenFeatures } from '../features/choices.js';
import { chooseFeatures } from '../features/choose.js';
import { featureManifests, type FeatureRoot } from '../features/discover.js';
import { NONE } from '../features/feature-meta.js';

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
  /** Where features are found; `change` is an `add`/`remove` run: one answer changed, same template version. */
  features?: { roots: readonly FeatureRoot[]; change?: { action: FeatureAction; id: string } };
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

/** One lockfile regeneration per part that installs dependencies (the hybrid: gateway and service). */
function regenerateSteps(plan: Plan, installs: readonly { kind: 'node' | 'python'; cwd?: string }[], up: UpgradePlan, enabled: boolean, trusted: boolean): PostStep[] {
  if (!up.regenerate) return [];
  return installs.map((install) => {
    const [command, plain] = install.kind === 'node' ? installCommand(plan.answers.packageManager) : (['uv', ['lock']] as [string, string[]]);
    // An untrusted template's dependencies install without running their scripts, as at creation.
    const args = trusted || install.kind !== 'node' ? plain : [...plain, '--ignore-scripts'];
    const cwd = install.cwd ?? '.';
    const text = `${command} ${args.join(' ')}`;
    return {
      id: cwd === '.' ? 'regenerate-lockfile' : `regenerate-lockfile-${cwd.replace(/\//g, '-')}`,
      title: `Regenerate the lockfile with ${text}${cwd === '.' ? '' : ` in ${cwd}/`}`,
      kind: 'install',
      command,
      args,
      cwd,
      rerun: cwd === '.' ? text : `(cd ${cwd} && ${text})`,
      skipped: up.regenerateBlocked ?? (enabled ? undefined : '--no-install'),
    };
  });
}

/** An interrupted earlier upgrade is undone first; --dry-run and --check refuse to look past one. */
async function recoverIfInterrupted(opts: UpgradeOptions, deps: UpgradeDeps): Promise<void> {
  const interrupted = await interruptedUpgrade(opts.root);
  // Staging alone (a crash before the swap, or a tidy-up that failed after the commit) changes nothing
  // in the project: --dry-run and --check may look past it; a real run drops it.
  if (!(interrupted === 'journal' || (interrupted === 'staging' && !opts.dryRun && !opts.check))) return;
  if (opts.dryRun || opts.check) {
    throw new CliError('upgrade', 'An earlier upgrade of this project was interrupted and has not been rolled back yet.', {
      exitCode: ExitCode.usage,
      hint: 'Run the upgrade without --dry-run/--check: it first restores the project exactly as it was.',
    });
  }
  const recovered = await recoverInterruptedUpgrade(opts.root, deps.applyIo ?? realApplyIo);
  if (recovered === 'rolled-back') deps.reporter.warn('An interrupted upgrade was found and undone: the project is as it was before it.');
}

/** The feature answer an add/remove sets, or why nothing needs doing. */
type AnswerChange = { question: string; value: string; label: string } | { noop: string } | undefined;

function answerChange(manifest: Manifest, roots: readonly FeatureRoot[], opts: UpgradeOptions): AnswerChange {
  const change = opts.features?.change;
  if (!change) return undefined;
  const catalog = featureManifests(roots);
  const feature = catalog.get(change.id)?.meta;
  if (!feature) {
    throw new CliError('args', `There is no feature "${change.id}".`, { exitCode: ExitCode.usage, hint: `Features: ${[...catalog.keys()].join(', ') || 'none'}.` });
  }
  const current = typeof manifest.answers[feature.question] === 'string' ? String(manifest.answers[feature.question]) : NONE;
  const label = `${change.action} ${change.id}`;
  if (change.action === 'add') return current === change.id ? { noop: `The project already has ${change.id}.` } : { question: feature.question, value: change.id, label };
  return current === change.id ? { question: feature.question, value: NONE, label } : { noop: `The project does not have ${change.id} (its ${feature.question} is ${current}).` };
}

function upToDate(opts: UpgradeOptions, deps: UpgradeDeps, manifest: Manifest, message: string, json: Partial<UpgradeJson>): UpgradeResult {
  if (!opts.json) deps.reporter.outro(message);
  const change = opts.features?.change;
  return {
    exitCode: ExitCode.ok,
    stdout: opts.json ? printJson({ ok: true, command: commandOf(change ? `${change.action} ${change.id}` : undefined), upgrade: true, directory: opts.root, template: { id: manifest.template.id }, ...json }) : undefined,
  };
}

/** Template id and version against the manifest's: refuses another template and a downgrade. */
function compareTemplate(manifest: Manifest, resolved: ResolvedTemplate, change: AnswerChange): number {
  const { template } = resolved;
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
  if (order > 0 && change && 'question' in change) {
    throw new CliError('upgrade', `This project is on ${manifest.template.id} ${from} and this version renders ${to}; "${change.label}" changes one answer at a time.`, {
      exitCode: ExitCode.usage,
      hint: 'Nothing was changed. Upgrade first (npx create-polyglot-backend upgrade), commit, then run it again.',
    });
  }
  return order;
}

async function refuseDirty(opts: UpgradeOptions, git: Awaited<ReturnType<typeof gitInfo>>): Promise<void> {
  if (!git || opts.allowDirty || opts.dryRun) return;
  const dirty = await uncommittedChanges(opts.root);
  if (dirty.length === 0) return;
  throw new CliError('upgrade', 'The git work tree has uncommitted changes; refusing to upgrade over them.', {
    exitCode: ExitCode.usage,
    details: [...dirty.slice(0, 10), ...(dirty.length > 10 ? [`… and ${dirty.length - 10} more`] : [])],
    hint: 'Commit or stash them first so the upgrade can be reviewed and undone with git, or pass --allow-dirty.',
  });
}

/** The newer template rendered with the recorded answers (one feature answer changed for add/remove). */
async function renderNew(manifest: Manifest, resolved: ResolvedTemplate, roots: readonly FeatureRoot[], change: AnswerChange, opts: UpgradeOptions, deps: UpgradeDeps): Promise<Plan> {
  const { template } = resolved;
  const answers = await answersFor(manifest.answers, opts.root, opts, deps);
  const ask = deps.launch.interactive && !opts.yes && !opts.json && deps.prompter !== undefined;
  const recorded = change && 'question' in change ? { ...manifest.answers, [change.question]: change.value } : manifest.answers;
  const features: ChosenFeatures = await chooseFeatures({ roots, parts: template.parts, starter: template.meta.id, flags: {}, recorded, ask: false, prompter: undefined });
  // A new version may add questions: --set or the preset answer them (the manifest's answers win over
  // the preset for the old ones); presets and org defaults may name questions this template lacks.
  const askable = new Set(template.meta.prompts.map((p) => p.name));
  const presetVars = Object.fromEntries(Object.entries(opts.vars?.preset ?? {}).filter(([k]) => askable.has(k)));
  const vars = await collectTemplateVars(template.meta.prompts, { set: opts.vars?.set ?? {}, preset: presetVars }, { ask, prompter: deps.prompter, previous: manifest.vars ?? {} });
  return buildPlan(answers, template, {
    cwd: opts.root,
    generatorName: GENERATOR_NAME,
    generatorVersion: GENERATOR_VERSION,
    nodeVersion: '24',
    templateSource: resolved.source,
    origin: resolved.origin,
    vars,
    trusted: resolved.trusted,
    features,
  });
}

/** base (the stored baseline) + ours (the project) + theirs (the new render) -> file operations. */
async function planMerge(state: Awaited<ReturnType<typeof readProjectState>>, plan: Plan, template: ResolvedTemplate['template'], to: string) {
  const root = plan.targetDir;
  const theirs = new Map<string, FileVersion>();
  const tracking: FileOp[] = [];
  for (const f of plan.files) {
    if (f.path === MANIFEST_PATH || f.path === BASELINE_PATH) tracking.push({ kind: 'write', path: f.path, content: f.content, executable: false });
    else if (!f.path.startsWith(`${MANIFEST_DIR}/`)) theirs.set(f.path, { content: f.content, executable: f.executable });
  }
  const renames = renamesBetween(template.meta.migrations, state.manifest.template.version, to);
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
  return { up, tracking };
}

export async function runUpgrade(opts: UpgradeOptions, deps: UpgradeDeps): Promise<UpgradeResult> {
  const { root } = opts;
  const { reporter } = deps;
  await recoverIfInterrupted(opts, deps);

  const state = await readProjectState(root);
  const { manifest } = state;
  const resolved = await opts.templateFor(manifest);
  const roots = [...(opts.features?.roots ?? []), ...(resolved.featureRoot ? [resolved.featureRoot] : [])];
  const change = answerChange(manifest, roots, opts);
  if (change && 'noop' in change) return upToDate(opts, deps, manifest, `${change.noop} Nothing was changed.`, { changed: false });
  const order = compareTemplate(manifest, resolved, change);
  const from = manifest.template.version;
  const to = resolved.template.meta.version;
  if (order === 0 && !change) return upToDate(opts, deps, manifest, `${manifest.template.id} ${from} is already up to date.`, { upToDate: true, template: { id: manifest.template.id, from, to } });
  if (opts.check) {
    if (!opts.json) reporter.outro(`An upgrade is available: ${manifest.template.id} ${from} → ${to}. Run the command again without --check to apply it.`);
    return {
      exitCode: ExitCode.upgradeNeedsAttention,
      stdout: opts.json ? printJson({ ok: true, command: 'upgrade', upgrade: true, upToDate: false, directory: root, template: { id: manifest.template.id, from, to } }) : undefined,
    };
  }
  const git = await gitInfo(root);
  await refuseDirty(opts, git);

  const plan = await renderNew(manifest, resolved, roots, change, opts, deps);
  const { up, tracking } = await planMerge(state, { ...plan, targetDir: root }, resolved.template, to);
  const summary: UpgradeSummary = { directory: root, template: manifest.template.id, from, to, dryRun: opts.dryRun, plan: up, postSteps: [], ...(change ? { change: change.label } : {}), features: plan.features };
  const regen = regenerateSteps(plan, resolved.template.installs, up, plan.answers.install, resolved.trusted);
  if (opts.dryRun) return dryRunResult(opts, deps, summary, regen);
  return applyAndReport(opts, deps, { summary, up, tracking, plan, regen, git });
}

function dryRunResult(opts: UpgradeOptions, deps: UpgradeDeps, summary: UpgradeSummary, regen: PostStep[]): UpgradeResult {
  if (!opts.json) {
    deps.reporter.info(humanSummary(summary));
    for (const step of regen) deps.reporter.info(`Then: ${step.skipped ? `${step.rerun} (skipped: ${step.skipped})` : step.rerun}`);
    deps.reporter.outro('Dry run: nothing was written.');
  }
  return { exitCode: ExitCode.ok, plan: summary.plan, stdout: opts.json ? jsonSummary(summary) : undefined };
}

interface Applying {
  summary: UpgradeSummary;
  up: UpgradePlan;
  tracking: FileOp[];
  plan: Plan;
  regen: PostStep[];
  git: Awaited<ReturnType<typeof gitInfo>>;
}

async function applyAndReport(opts: UpgradeOptions, deps: UpgradeDeps, { summary, up, tracking, plan, regen, git }: Applying): Promise<UpgradeResult> {
  const { root } = opts;
  const { reporter } = deps;
  const what = summary.change ?? `upgrade ${summary.template} ${summary.from} → ${summary.to}`;
  if (!opts.json) reporter.info(humanSummary(summary));
  if (deps.launch.interactive && !opts.yes && !opts.json && deps.prompter) {
    const open = needsAttention(up).length;
    const ok = await deps.prompter.confirm({
      message: open > 0 ? `Apply the ${summary.change ? `change (${summary.change})` : 'upgrade'}? ${open} file(s) will need your decision afterwards.` : `Apply the ${summary.change ? `change (${summary.change})` : 'upgrade'}?`,
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
    applying?.fail(`Applying the ${summary.change ? 'change' : 'upgrade'} failed`);
    throw err;
  }
  applying?.done(summary.change ? `Applied ${what}` : `Upgraded ${summary.template} ${summary.from} → ${summary.to}`);
  if (applied.leftover) reporter.warn(`The upgrade is applied, but ${applied.leftover}`);

  if (git && up.conflicts.length > 0) {
    try {
      await markUnmerged(git, up.conflicts);
    } catch (err) {
      reporter.warn(`Could not mark the conflicted files as unmerged in git's index: ${(err as Error).message}`);
    }
  }

  let steps: StepResult[] = [];
  if (regen.length) steps = await runPostSteps({ ...plan, targetDir: root, postSteps: regen }, reporter);
  summary.postSteps = steps;
  const attention = needsAttention(up).length > 0;
  const failed = steps.find((s) => s.status === 'failed');
  if (!opts.json) {
    if (attention) reporter.warn(conflictAdvice(up, git !== undefined));
    if (failed) reporter.warn(`Regenerating the lockfile failed (${failed.reason ?? 'unknown error'}); run \`${failed.rerun}\` by hand.`);
    else if (regen[0]?.skipped) reporter.info(`Lockfiles were not regenerated (${regen[0].skipped}); run ${regen.map((s) => `\`${s.rerun}\``).join(' and ')} when ready.`);
    reporter.outro(attention ? `${summary.change ? 'Change' : 'Upgrade'} applied with conflicts.` : `${summary.change ? 'Change' : 'Upgrade'} applied. Review it with \`git diff\`.`);
  }
  const exitCode = attention ? ExitCode.upgradeNeedsAttention : failed ? ExitCode.postStepFailed : ExitCode.ok;
  return { exitCode, plan: up, stdout: opts.json ? jsonSummary(summary, { ok: exitCode === ExitCode.ok }) : undefined };
}
