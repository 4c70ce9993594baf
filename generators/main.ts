/**
 * The generator's pipeline: argv/prompts -> answers -> plan -> write -> post-steps. Each stage hands plain
 * data to the next; only write/ touches the target directory.
 */
import { parseArgv } from './answers/args.js';
import { collectAnswers, type Prompter } from './answers/collect.js';
import type { LaunchContext } from './env/launch.js';
import { CliError } from './errors.js';
import { GENERATOR_NAME, GENERATOR_VERSION, TEMPLATES_DIR } from './package-root.js';
import { buildPlan, type Plan } from './plan/plan.js';
import { runPostSteps, postStepError, type StepResult } from './post/run-steps.js';
import { loadTemplate } from './templates/load.js';
import { helpText } from './ui/help.js';
import { nextSteps } from './ui/next-steps.js';
import type { Reporter } from './ui/reporter.js';
import { assertTargetUsable, inspectTarget } from './write/target.js';
import { writeProject } from './write/writer.js';

export interface RunResult {
  /** Printed on stdout: the JSON result with --json, help/version text otherwise. */
  stdout?: string;
  plan?: Plan;
  steps?: StepResult[];
}

export interface Deps {
  launch: LaunchContext;
  prompter: Prompter | undefined;
  /** Chosen after argv is parsed (--json changes where output goes). */
  reporterFor: (opts: { json: boolean }) => Reporter;
  templatesDir?: string;
}

export async function run(argv: readonly string[], deps: Deps): Promise<RunResult> {
  const args = parseArgv(argv);
  if (args.options.help) return { stdout: helpText(GENERATOR_VERSION) };
  if (args.options.version) return { stdout: `${GENERATOR_VERSION}\n` };

  const reporter = deps.reporterFor({ json: args.options.json });
  if (deps.launch.interactive && !args.options.json) reporter.intro(`${GENERATOR_NAME} ${GENERATOR_VERSION}`);

  const answers = await collectAnswers(args, deps.launch, args.options.json ? undefined : deps.prompter);
  const template = await loadTemplate(answers.template, deps.templatesDir ?? TEMPLATES_DIR);
  const plan = buildPlan(answers, template, {
    cwd: deps.launch.cwd,
    generatorName: GENERATOR_NAME,
    generatorVersion: GENERATOR_VERSION,
    nodeVersion: '24',
    templateSource: 'builtin',
  });
  // Refuse a non-empty target before doing anything else (the writer checks again before writing).
  assertTargetUsable(plan.targetDir, await inspectTarget(plan.targetDir));

  if (args.options.dryRun) {
    if (!args.options.json) {
      reporter.info(`Dry run: would create ${plan.targetDir} with ${plan.files.length} files:`);
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

  const steps = await runPostSteps(plan, reporter);
  const failure = postStepError(plan, steps);
  if (failure) throw Object.assign(failure, { result: args.options.json ? jsonResult(plan, steps, false) : undefined });
  if (!args.options.json) reporter.outro(nextSteps(plan, steps, deps.launch.cwd));
  return { plan, steps, stdout: args.options.json ? jsonResult(plan, steps, false) : undefined };
}

function jsonResult(plan: Plan, steps: StepResult[], dryRun: boolean): string {
  return `${JSON.stringify(
    {
      ok: true,
      dryRun,
      directory: plan.targetDir,
      template: plan.template,
      answers: plan.answers,
      files: plan.files.map((f) => ({ path: f.path, bytes: f.content.length, executable: f.executable })),
      postSteps: dryRun
        ? plan.postSteps.map((s) => ({ id: s.id, status: s.skipped ? 'skipped' : 'planned', reason: s.skipped, rerun: s.rerun }))
        : steps,
    },
    null,
    2,
  )}\n`;
}

export { CliError };
