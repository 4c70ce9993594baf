/**
 * The one shape of every `--json` result on stdout: `ok`, the `command` that ran, and that command's
 * fields. Errors add `error` (and keep what the command did before it failed). Pure formatting.
 */
import type { StepResult } from '../post/run-steps.js';
import type { FileReport } from '../upgrade/plan-upgrade.js';

export type JsonCommand = 'create' | 'upgrade' | 'add' | 'remove';

interface Base {
  ok: boolean;
  command: JsonCommand;
  directory: string;
  /** Every feature question's answer (`none` or a feature id). */
  features?: Record<string, string>;
}

export interface CreateJson extends Base {
  command: 'create';
  dryRun: boolean;
  template: { id: string; version: string; source: string };
  answers: Record<string, unknown>;
  files: { path: string; bytes: number; executable: boolean }[];
  postSteps: ({ id: string; status: 'skipped' | 'planned'; reason?: string; rerun: string } | StepResult)[];
}

export interface UpgradeJson extends Base {
  command: 'upgrade' | 'add' | 'remove';
  upgrade: true;
  template: { id: string; from?: string; to?: string };
  /** Nothing to do: up to date, or the feature is already (not) there. */
  upToDate?: boolean;
  changed?: boolean;
  dryRun?: boolean;
  change?: string;
  conflicts?: string[];
  files?: FileReport[];
  regenerateLockfiles?: boolean;
  postSteps?: StepResult[];
}

export interface ErrorJson {
  ok: false;
  error: { phase: string; message: string; hint: string | undefined; details: readonly string[]; exitCode: number };
}

export type JsonResult = CreateJson | UpgradeJson;

export function printJson(result: JsonResult | ErrorJson | (JsonResult & ErrorJson)): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
