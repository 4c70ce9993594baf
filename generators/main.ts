/**
 * The generator's pipeline: argv/prompts -> answers -> plan -> write -> post-steps. Each stage hands plain
 * data to the next; only write/ touches the target directory.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgv, UPGRADE_COMMAND, type ParsedArgs } from './answers/args.js';
import { allQuestionNames, questionsFor, type ChosenFeatures } from './features/choices.js';
import { chooseFeatures } from './features/choose.js';
import { featureManifests, type FeatureRoot } from './features/discover.js';
import { TEMPLATES_DIR } from './package-root.js';
import { flagName, type AnswerKey } from './answers/schema.js';
import { collectAnswers, type Prompter } from './answers/collect.js';
import type { LaunchContext } from './env/launch.js';
import { CliError } from './errors.js';
import { GENERATOR_NAME, GENERATOR_VERSION } from './package-root.js';
import { MANIFEST_PATH } from './plan/manifest.js';
import { buildPlan, type Plan } from './plan/plan.js';
import { assertPackageManagerOnPath } from './plan/check-package-manager.js';
import { runPostSteps, postStepError, type StepResult } from './post/run-steps.js';
import { loadOrgConfig, loadPreset, type OrgConfig } from './answers/org-config.js';
import { collectTemplateVars, parseSetFlags } from './answers/template-vars.js';
import { UNTRUSTED_REASON } from './plan/plan.js';
import { isBuiltinChoice, parseSource, resolveBuiltin, resolveSource, sourceFromOrigin, startersOf, type ResolveContext, type ResolvedTemplate } from './sources/resolve-template.js';
import { helpText } from './ui/help.js';
import { printJson } from './ui/json-result.js';
import { nextSteps } from './ui/next-steps.js';
import type { Reporter } from './ui/reporter.js';
import { assertTargetUsable, inspectTarget } from './write/target.js';
import { writeProject } from './write/writer.js';
import type { ApplyIo } from './upgrade/apply.js';
import type { UpgradePlan } from './upgrade/plan-upgrade.js';

export interface RunResult {
  /** Printed on stdout: the JSON result with --json, help/version text otherwise. */
  stdout?: string;
  /** Set when the run ends with something other than 0 without an error (upgrade conflicts, --check). */
  exitCode?: number;
  /** What an upgrade did, file by file. */
  upgrade?: UpgradePlan;
  plan?: Plan;
  steps?: StepResult[];
}

export interface Deps {
  launch: LaunchContext;
  prompter: Prompter | undefined;
  /** Chosen after argv is parsed (--json changes where output goes). */
  reporterFor: (opts: { json: boolean }) => Reporter;
  /** The built-in templates directory (tests point it at fixtures); --templates <dir> overrides it per id. */
  templatesDir?: string;
  /** File operations for upgrades; tests inject failures here. */
  applyIo?: ApplyIo;
  /** Environment for tokens, the org config and the cache (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

function templatesOption(args: ParsedArgs, deps: Deps): string | undefined {
  return args.options.templates === undefined ? undefined : path.resolve(deps.launch.cwd, args.options.templates);
}

function resolveContext(args: ParsedArgs, deps: Deps, org: OrgConfig): ResolveContext {
  const local = templatesOption(args, deps);
  if (local !== undefined && !existsSync(local)) {
    throw new CliError('args', `--templates ${args.options.templates}: no such directory.`, { hint: 'Give a directory that holds <id>/template.json.' });
  }
  return {
    cwd: deps.launch.cwd,
    builtinDir: deps.templatesDir,
    localTemplatesDir: local,
    org,
    trust: args.options.trust,
    offline: args.options.offline,
    env: deps.env ?? process.env,
  };
}

/** A built-in id (or --templates override) loads directly; anything else is a source to fetch. */
async function resolveValue(value: string, ctx: ResolveContext): Promise<ResolvedTemplate> {
  const source = parseSource(value, ctx);
  return source.kind === 'builtin' ? resolveBuiltin(source.id, ctx) : resolveSource(source, ctx);
}

/** What every kind of run shares, decided once from argv and the environment. */
interface RunContext {
  args: ParsedArgs;
  deps: Deps;
  /** --cwd resolved (the launch directory without it). */
  cwd: string;
  launch: LaunchContext;
  org: OrgConfig;
  rctx: ResolveContext;
  preset: ReturnType<typeof loadPreset> | undefined;
  setVars: ReturnType<typeof parseSetFlags>;
  reporter: Reporter;
  /** Where features are found for every run: beside the built-in starters and in --templates <dir>. */
  featureRoots: FeatureRoot[];
}

function runContext(args: ParsedArgs, deps: Deps): RunContext {
  const cwd = args.options.cwd === undefined ? deps.launch.cwd : path.resolve(deps.launch.cwd, args.options.cwd);
  if (args.options.cwd !== undefined && !existsSync(cwd)) {
    throw new CliError('args', `--cwd ${args.options.cwd}: no such directory.`, { hint: 'Pass an existing directory (the project to upgrade, or where to create one).' });
  }
  const org = loadOrgConfig(deps.env ?? process.env);
  return {
    args,
    deps,
    cwd,
    launch: { ...deps.launch, cwd },
    org,
    rctx: resolveContext(args, deps, org),
    preset: args.options.preset === undefined ? undefined : loadPreset(path.resolve(deps.launch.cwd, args.options.preset)),
    setVars: parseSetFlags(args.options.set),
    reporter: deps.reporterFor({ json: args.options.json }),
    featureRoots: featureRootsOf(deps, templatesOption(args, deps)),
  };
}

function featureRootsOf(deps: Deps, localTemplates: string | undefined): FeatureRoot[] {
  return [{ dir: deps.templatesDir ?? TEMPLATES_DIR }, ...(localTemplates === undefined ? [] : [{ dir: localTemplates }])];
}

/** Flags are parsed before anything is loaded, so the feature questions (flags) come from a look at --templates. */
function parseWithFeatureFlags(argv: readonly string[], deps: Deps): ParsedArgs {
  const i = argv.findIndex((a) => a === '--templates' || a.startsWith('--templates='));
  const value = i < 0 ? undefined : argv[i]!.startsWith('--templates=') ? argv[i]!.slice('--templates='.length) : argv[i + 1];
  const local = value === undefined || value === '' ? undefined : path.resolve(deps.launch.cwd, value);
  const roots = featureRootsOf(deps, local !== undefined && existsSync(local) ? local : undefined);
  return parseArgv(argv, allQuestionNames(featureManifests(roots)));
}

function help(args: ParsedArgs, deps: Deps): RunResult {
  const local = templatesOption(args, deps);
  const catalog = featureManifests(featureRootsOf(deps, local));
  // Every question on disk, as if one starter had a part of each kind.
  const questions = questionsFor(catalog, [{ kind: 'node', dir: '.', compose: [], ci: [] }, { kind: 'python', dir: '.', compose: [], ci: [] }]);
  return { stdout: helpText(GENERATOR_VERSION, startersOf({ builtinDir: deps.templatesDir, localTemplatesDir: local }), questions) };
}

export async function run(argv: readonly string[], deps: Deps): Promise<RunResult> {
  const args = parseWithFeatureFlags(argv, deps);
  if (args.options.help) return help(args, deps);
  if (args.options.version) return { stdout: `${GENERATOR_VERSION}\n` };
  const ctx = runContext(args, deps);
  if (deps.launch.interactive && !args.options.json) ctx.reporter.intro(`${GENERATOR_NAME} ${GENERATOR_VERSION}`);

  // Inside a generated project, the plain command (no directory) upgrades it; `upgrade` says so explicitly.
  const inProject = existsSync(path.join(ctx.cwd, MANIFEST_PATH));
  if (args.featureCommand || args.upgradeCommand || (inProject && args.given.directory === undefined)) return upgradeProject(ctx, inProject);
  if (args.options.check || args.options.allowDirty) {
    throw new CliError('args', `--check and --allow-dirty apply to upgrades, and ${ctx.cwd} is not a generated project (no ${MANIFEST_PATH}).`, {
      hint: 'Run them inside a project generated by create-polyglot-backend, or pass --cwd <project>.',
    });
  }
  return createProject(ctx);
}

async function upgradeProject({ args, deps, cwd, launch, org, rctx, preset, setVars, reporter, featureRoots }: RunContext, inProject: boolean): Promise<RunResult> {
  const command = args.featureCommand ? `${args.featureCommand.action} ${args.featureCommand.id}` : UPGRADE_COMMAND;
  if (!inProject) {
    throw new CliError('upgrade', `${cwd} is not a project generated by ${GENERATOR_NAME} (it has no ${MANIFEST_PATH}).`, {
      hint: `Run "${command}" inside the project, or pass --cwd <project>.`,
    });
  }
  const flags = Object.keys(args.features);
  if (flags.length > 0) {
    throw new CliError('args', `An upgrade keeps the features recorded in ${MANIFEST_PATH}; it does not take ${flags.map((f) => `--${f}`).join(', ')}.`, {
      hint: 'Change a feature with "add <feature>" or "remove <feature>".',
    });
  }
  if (args.featureCommand && args.options.check) throw new CliError('args', `--check applies to upgrades, not to "${command}".`, { hint: `Use --dry-run to see what "${command}" would change.` });
  // --template on an upgrade says where the newer version of the same template is (an org kit's next tag).
  const given = Object.keys(args.given).filter((k) => k !== 'install' && k !== 'template');
  if (given.length > 0) {
    throw new CliError('args', `An upgrade keeps the answers recorded in ${MANIFEST_PATH}; it does not take ${given.map((k) => (k === 'directory' ? 'a directory' : `--${flagName(k as AnswerKey)}`)).join(', ')}.`);
  }
  const { runUpgrade } = await import('./upgrade/run-upgrade.js');
  const r = await runUpgrade(
    {
      root: cwd,
      templateFor: (manifest) => {
        const override = typeof args.given.template === 'string' ? args.given.template : undefined;
        if (override !== undefined) return resolveValue(override, rctx);
        const origin = manifest.template.origin;
        return origin ? resolveSource(sourceFromOrigin(origin), rctx) : resolveBuiltin(manifest.template.id, rctx);
      },
      dryRun: args.options.dryRun,
      check: args.options.check,
      json: args.options.json,
      yes: args.options.yes,
      allowDirty: args.options.allowDirty,
      install: args.given.install !== false,
      vars: { set: setVars, preset: { ...org.defaults?.vars, ...preset?.vars } },
      features: { roots: featureRoots, ...(args.featureCommand ? { change: args.featureCommand } : {}) },
    },
    { launch, prompter: args.options.json ? undefined : deps.prompter, reporter, applyIo: deps.applyIo },
  );
  return { stdout: r.stdout, exitCode: r.exitCode, upgrade: r.plan };
}

/** answers -> the template -> its own questions -> the plan. Nothing is written. */
/** The feature questions' answers: flags (and --set for a kit's own questions), the preset, the org, a prompt. */
async function pickFeatures(ctx: RunContext, resolved: ResolvedTemplate, prompter: Prompter | undefined): Promise<ChosenFeatures> {
  const { args, deps, org, preset, setVars, featureRoots } = ctx;
  const roots = resolved.featureRoot ? [...featureRoots, resolved.featureRoot] : featureRoots;
  const questions = allQuestionNames(featureManifests(roots));
  const fromSet = Object.fromEntries(Object.entries(setVars).filter(([k]) => questions.includes(k)));
  return chooseFeatures({
    roots,
    parts: resolved.template.parts,
    starter: resolved.template.meta.id,
    flags: { ...fromSet, ...args.features },
    defaults: { ...org.defaults?.features, ...preset?.features },
    ask: deps.launch.interactive && !args.options.yes && prompter !== undefined,
    prompter,
  });
}

async function planProject(ctx: RunContext): Promise<Plan> {
  const { args, deps, cwd, launch, org, rctx, preset, reporter } = ctx;
  const fileDefaults = { ...org.defaults, ...preset };
  const { vars: _orgVars, template: presetTemplate, ...answerDefaults } = fileDefaults;
  const templateValue = typeof args.given.template === 'string' ? args.given.template : presetTemplate;
  // An org template is resolved first: its id is the answer, and its own questions come after.
  let resolved: ResolvedTemplate | undefined;
  if (templateValue !== undefined && !isBuiltinChoice(templateValue, rctx)) resolved = await resolveValue(templateValue, rctx);
  const prompter = args.options.json ? undefined : deps.prompter;
  // The feature questions come right after the starter is chosen (before install), as its parts decide them.
  let features: ChosenFeatures | undefined;
  const answers = await collectAnswers(args, launch, prompter, {
    defaults: { ...answerDefaults, ...(resolved === undefined && presetTemplate !== undefined ? { template: presetTemplate } : {}) },
    fixedTemplate: resolved?.template.meta.id,
    starters: startersOf(rctx),
    afterTemplate: async (id) => {
      resolved ??= await resolveBuiltin(id, rctx);
      features = await pickFeatures(ctx, resolved, prompter);
    },
  });
  resolved ??= await resolveBuiltin(answers.template, rctx);
  features ??= await pickFeatures(ctx, resolved, prompter);
  const template = resolved.template;
  const askable = new Set(template.meta.prompts.map((p) => p.name));
  const featureQuestions = new Set(Object.keys(features.answers));
  const vars = await collectTemplateVars(
    template.meta.prompts,
    {
      set: Object.fromEntries(Object.entries(ctx.setVars).filter(([k]) => !featureQuestions.has(k))),
      // The org's defaults may cover several templates: only the questions this one asks apply.
      preset: { ...Object.fromEntries(Object.entries(org.defaults?.vars ?? {}).filter(([k]) => askable.has(k))), ...preset?.vars },
    },
    { ask: deps.launch.interactive && !args.options.yes && prompter !== undefined, prompter },
  );
  const plan = buildPlan(answers, template, {
    cwd,
    generatorName: GENERATOR_NAME,
    generatorVersion: GENERATOR_VERSION,
    nodeVersion: '24',
    templateSource: resolved.source,
    origin: resolved.origin,
    vars,
    trusted: resolved.trusted,
    features,
  });
  if (!resolved.trusted) {
    const gated = plan.postSteps.filter((s) => s.skipped === UNTRUSTED_REASON).map((s) => `${s.id}: ${s.rerun}`);
    reporter.warn(
      `${describeOrigin(resolved)} is not a trusted template source: dependency install scripts are disabled${gated.length ? ` and these steps are skipped (run them yourself after reviewing the template):\n  ${gated.join('\n  ')}` : '.'}`,
    );
  }
  return plan;
}

async function createProject(ctx: RunContext): Promise<RunResult> {
  const { args, deps, reporter } = ctx;
  const plan = await planProject(ctx);
  assertPackageManagerOnPath(plan);
  // Refuse a non-empty target before doing anything else (the writer checks again before writing).
  assertTargetUsable(plan.targetDir, await inspectTarget(plan.targetDir));

  if (args.options.dryRun) {
    if (!args.options.json) {
      reporter.info(`Dry run: would create ${plan.targetDir} with ${plan.files.length} files${describeFeatures(plan)}:`);
      reporter.info(plan.files.map((f) => `  ${f.path}  (${f.content.length} B${f.executable ? ', executable' : ''})`).join('\n'));
      reporter.info(`Then: ${plan.postSteps.map((s) => (s.skipped ? `${s.id} (skipped: ${s.skipped})` : s.id)).join(', ')}`);
      reporter.outro('Nothing was written.');
    }
    return { plan, stdout: args.options.json ? jsonResult(plan, [], true) : undefined };
  }

  const writing = reporter.progress(`Writing ${plan.files.length} files`);
  try {
    await writeProject(plan);
  } catch (err) {
    writing.fail('Nothing was written');
    throw err;
  }
  writing.done(`Created ${plan.targetDir}`);

  const steps = await runPostSteps(plan, reporter, { keepOnSignal: true });
  const failure = postStepError(plan, steps, deps.launch.cwd);
  if (failure) throw Object.assign(failure, { result: args.options.json ? jsonResult(plan, steps, false) : undefined });
  if (!args.options.json) reporter.outro(nextSteps(plan, steps, deps.launch.cwd));
  return { plan, steps, stdout: args.options.json ? jsonResult(plan, steps, false) : undefined };
}

function describeFeatures(plan: Plan): string {
  const chosen = Object.entries(plan.features).filter(([, v]) => v !== 'none');
  return chosen.length ? ` (${chosen.map(([q, v]) => `${q}: ${v}`).join(', ')})` : '';
}

function describeOrigin(r: ResolvedTemplate): string {
  return r.origin ? `${r.origin.url}${r.origin.ref ? `#${r.origin.ref}` : ''}` : r.template.meta.id;
}

function jsonResult(plan: Plan, steps: StepResult[], dryRun: boolean): string {
  return printJson({
    ok: true,
    command: 'create',
    dryRun,
    directory: plan.targetDir,
    template: plan.template,
    answers: plan.answers,
    features: plan.features,
    files: plan.files.map((f) => ({ path: f.path, bytes: f.content.length, executable: f.executable })),
    postSteps: dryRun ? plan.postSteps.map((s) => ({ id: s.id, status: s.skipped ? 'skipped' : 'planned', reason: s.skipped, rerun: s.rerun })) : steps,
  });
}

export { CliError };
