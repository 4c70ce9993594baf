/** What an upgrade did (or would do), for people and for --json. Pure formatting. */
import { CliError, ExitCode } from '../errors.js';
import type { StepResult } from '../post/run-steps.js';
import type { BlockedPath, FileReport, UpgradePlan } from './plan-upgrade.js';
import { printJson, type UpgradeJson } from '../ui/json-result.js';

export interface UpgradeSummary {
  directory: string;
  template: string;
  from: string;
  to: string;
  dryRun: boolean;
  plan: UpgradePlan;
  postSteps: StepResult[];
  /** `add redis` / `remove redis`: one answer changed, same template version. */
  change?: string;
  /** Every feature question's answer after the run. */
  features?: Record<string, string>;
}

const ORDER: FileReport['outcome'][] = [
  'conflict',
  'binary-conflict',
  'kept-modified-deleted-by-template',
  'kept-deleted',
  'merged',
  'renamed',
  'updated',
  'added',
  'removed',
  'lockfile-regenerate',
  'kept-yours',
  'unchanged',
];

function describe(f: FileReport): string {
  const extra: string[] = [];
  if (f.from) extra.push(`from ${f.from}`);
  if (f.conflicts) extra.push(`${f.conflicts} conflict${f.conflicts === 1 ? '' : 's'}`);
  if (f.templateCopy) extra.push(`template's version in ${f.templateCopy}`);
  if (f.mergedBy && f.mergedBy !== 'text') extra.push(`merged by key`);
  return `${f.path}${extra.length ? ` (${extra.join('; ')})` : ''}`;
}

export function needsAttention(plan: UpgradePlan): FileReport[] {
  return plan.files.filter((f) => f.outcome === 'conflict' || f.outcome === 'binary-conflict');
}

export function humanSummary(s: UpgradeSummary): string {
  const lines = [
    s.change
      ? `${s.dryRun ? 'Would apply' : 'Applying'} "${s.change}" to ${s.template} ${s.from} in ${s.directory}`
      : `${s.dryRun ? 'Would upgrade' : 'Upgrade'} ${s.template} ${s.from} → ${s.to} in ${s.directory}`,
  ];
  const width = Math.max(...ORDER.map((o) => o.length)) + 2;
  let unchanged = 0;
  for (const outcome of ORDER) {
    for (const f of s.plan.files.filter((x) => x.outcome === outcome)) {
      if (outcome === 'unchanged') unchanged++;
      else lines.push(`  ${outcome.padEnd(width)}${describe(f)}`);
    }
  }
  if (unchanged > 0) lines.push(`  ${unchanged} file${unchanged === 1 ? '' : 's'} unchanged`);
  return lines.join('\n');
}

export function conflictAdvice(plan: UpgradePlan, inGit: boolean): string {
  const open = needsAttention(plan);
  const list = open.map((f) => `  ${f.path}${f.templateCopy ? ` (compare with ${f.templateCopy})` : ''}`).join('\n');
  const how = inGit
    ? 'Resolve the conflict markers (or pick a version), then `git add` each file; `git status` lists them as unmerged.'
    : 'Resolve the conflict markers (or pick a version) in each file.';
  return `${open.length} file${open.length === 1 ? '' : 's'} need${open.length === 1 ? 's' : ''} your decision:\n${list}\n${how}`;
}

export function jsonSummary(s: UpgradeSummary, extra: Partial<UpgradeJson> = {}): string {
  return printJson({
    ok: true,
    command: commandOf(s.change),
    upgrade: true,
    dryRun: s.dryRun,
    directory: s.directory,
    template: { id: s.template, from: s.from, to: s.to },
    ...(s.change ? { change: s.change } : {}),
    ...(s.features ? { features: s.features } : {}),
    conflicts: needsAttention(s.plan).map((f) => f.path),
    files: s.plan.files,
    regenerateLockfiles: s.plan.regenerate,
    postSteps: s.postSteps,
    ...extra,
  });
}

/** "add redis" -> add; no change -> upgrade. */
export function commandOf(change: string | undefined): UpgradeJson['command'] {
  const verb = change?.split(' ')[0];
  return verb === 'add' || verb === 'remove' ? verb : 'upgrade';
}

/** The refusal for files standing where the new template puts a directory. */
export function blockedError(blocked: readonly BlockedPath[], to: string): CliError {
  const [first] = blocked;
  const lead =
    first!.into === first!.path
      ? `${first!.path} is ${first!.what} in the project, but template ${to} puts a file there`
      : `${first!.path} is ${first!.what} in the project, but template ${to} puts a directory there (${first!.into})`;
  const more = blocked.length > 1 ? `, and ${blocked.length - 1} more like it` : '';
  return new CliError('upgrade', `${lead}${more}; refusing to upgrade.`, {
    exitCode: ExitCode.usage,
    details: blocked.map((b) => `${b.path}: ${b.what}; the template writes ${b.into === b.path ? 'a file there' : b.into}`),
    hint: `Nothing was changed. Move or rename ${blocked.length > 1 ? 'each of them' : first!.path} (for example git mv ${first!.path} ${first!.path}.mine), commit, and run again.`,
  });
}
