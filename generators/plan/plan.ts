/**
 * answers + loaded template -> plan. Pure: the plan holds every file's final bytes and the post-steps to
 * run; nothing here reads or writes the target.
 */
import path from 'node:path';
import { recordedAnswers, type Answers } from '../answers/schema.js';
import { pythonDistributionName, pythonModuleName } from '../answers/names.js';
import { CliError } from '../errors.js';
import type { LoadedTemplate } from '../templates/load.js';
import type { TemplateOrigin } from '../sources/fetch-source.js';
import { BASELINE_PATH, buildManifestFiles, MANIFEST_PATH } from './manifest.js';
import { installCommand, pmCommands, runScriptCommand, runScriptText } from './package-manager.js';
import { layFiles, type PlannedFile } from './lay-files.js';
import type { RenderData } from './render.js';
import type { ChosenFeatures } from '../features/choices.js';

export type { PlannedFile };

export interface PostStep {
  id: string;
  title: string;
  kind: 'install' | 'script' | 'git';
  command: string;
  args: string[];
  /** Relative to the project root. */
  cwd: string;
  /** How the user reruns it by hand, shown when it fails or was skipped. */
  rerun: string;
  /** Set when the step is planned but switched off by an answer (e.g. --no-install). */
  skipped?: string;
}

export interface Plan {
  targetDir: string;
  /** How to start the generated project in development. */
  devCommand: string;
  /** Shown before devCommand in the next steps. */
  setupCommands: string[];
  answers: Answers;
  /** Every feature question the starter was asked, answered (`none` or a feature id). */
  features: Record<string, string>;
  template: { id: string; version: string; source: string; origin?: TemplateOrigin };
  files: PlannedFile[];
  postSteps: PostStep[];
}

export interface PlanContext {
  cwd: string;
  generatorName: string;
  generatorVersion: string;
  nodeVersion: string;
  templateSource: string;
  /** Where a non-built-in template came from (recorded in the manifest for upgrades). */
  origin?: TemplateOrigin;
  /** Answers to the template's own prompts (template.json `prompts`), rendered as EJS locals. */
  vars?: TemplateVars;
  /**
   * false for a template that is neither built in nor trusted (--trust or the org config's trust list):
   * its post-steps are listed and skipped, and installs run with install scripts disabled.
   */
  trusted?: boolean;
  /** The answers to the feature questions and the chosen features' files (none: no features). */
  features?: ChosenFeatures;
}

export type TemplateVars = Readonly<Record<string, string | boolean>>;
export const UNTRUSTED_REASON = 'untrusted template (pass --trust, or add its source to trustedSources in the org config)';

export function renderData(answers: Answers, template: LoadedTemplate, ctx: PlanContext): RenderData {
  return {
    projectName: answers.name,
    title: answers.name,
    pythonPackage: pythonDistributionName(answers.name),
    pythonModule: pythonModuleName(answers.name),
    packageManager: answers.packageManager,
    pmRun: runScriptText(answers.packageManager, '').trimEnd(),
    ...pmCommands(answers.packageManager),
    nodeVersion: ctx.nodeVersion,
    generatorVersion: ctx.generatorVersion,
    templateVersion: template.meta.version,
    ...ctx.vars,
  };
}

/** A command to run from the project root; a sub-shell keeps the user's shell where it was. */
function inDir(cwd: string, command: string): string {
  return cwd === '.' ? command : `(cd ${cwd} && ${command})`;
}

/**
 * Installing an untrusted template's dependencies must not run its code: npm without lifecycle scripts
 * and without git (a project .npmrc can point `git` at a script of the template's), uv without building
 * anything from source, the project itself included (its build backend's hooks are template code).
 */
function untrustedInstall(kind: 'node' | 'python', pm: string, command: string, args: string[]): [string, string[]] {
  if (kind === 'python') return [command, [...args, '--no-build', '--no-install-project']];
  return [command, [...args, '--ignore-scripts', ...(pm === 'npm' ? ['--git=false'] : [])]];
}

function planPostSteps(answers: Answers, template: LoadedTemplate, trusted: boolean): PostStep[] {
  const steps: PostStep[] = [];
  const pm = answers.packageManager;
  const noInstall = answers.install ? undefined : '--no-install';
  for (const install of template.installs) {
    const plain = install.kind === 'node' ? installCommand(pm) : (['uv', ['sync']] as [string, string[]]);
    const [command, args] = trusted ? plain : untrustedInstall(install.kind, pm, ...plain);
    const cwd = install.cwd ?? '.';
    const where = cwd === '.' ? '' : ` in ${cwd}/`;
    steps.push({
      id: cwd === '.' ? 'install' : `install-${cwd.replace(/\//g, '-')}`,
      title: `Install dependencies with ${command}${where}`,
      kind: 'install',
      command,
      args,
      cwd,
      rerun: inDir(cwd, `${command} ${args.join(' ')}`),
      skipped: noInstall,
    });
  }
  for (const s of template.postSteps) {
    const [command, args] = runScriptCommand(pm, s.script);
    const cwd = s.cwd ?? '.';
    // Untrusted wins: the step is listed as gated even when --no-install would skip it anyway.
    const skipped = trusted ? noInstall : UNTRUSTED_REASON;
    steps.push({ id: s.id, title: s.title, kind: 'script', command, args, cwd, rerun: inDir(cwd, runScriptText(pm, s.script)), skipped });
  }
  steps.push({
    id: 'git',
    title: 'Initialise git and commit',
    kind: 'git',
    command: 'git',
    args: [],
    cwd: '.',
    rerun: 'git init && git add -A && git commit -m "Initial commit from create-polyglot-backend"',
    skipped: answers.git ? undefined : '--no-git',
  });
  return steps;
}

export function buildPlan(answers: Answers, template: LoadedTemplate, ctx: PlanContext): Plan {
  const data = renderData(answers, template, ctx);
  const features = ctx.features ?? { answers: {}, loaded: [] };
  const files = layFiles(answers, template, features, data);
  const templateRef = { id: template.meta.id, version: template.meta.version, source: ctx.templateSource, ...(ctx.origin ? { origin: ctx.origin } : {}) };
  const { manifest, baseline } = buildManifestFiles({
    generatorName: ctx.generatorName,
    generatorVersion: ctx.generatorVersion,
    template: templateRef,
    answers: { ...recordedAnswers(answers), ...features.answers },
    vars: ctx.vars,
    files,
  });
  files.push(
    { path: BASELINE_PATH, content: baseline, executable: false },
    { path: MANIFEST_PATH, content: manifest, executable: false },
  );
  return {
    targetDir: path.resolve(ctx.cwd, answers.directory),
    devCommand: template.meta.devCommand ?? runScriptText(answers.packageManager, 'dev'),
    setupCommands: template.meta.setupCommands,
    answers,
    features: features.answers,
    template: templateRef,
    files,
    postSteps: planPostSteps(answers, template, ctx.trusted ?? true),
  };
}
