/** The "what now" message after a successful run. */
import path from 'node:path';
import type { Plan } from '../plan/plan.js';
import type { StepResult } from '../post/run-steps.js';

export function nextSteps(plan: Plan, steps: StepResult[], cwd: string): string {
  const rel = path.relative(cwd, plan.targetDir) || '.';
  const lines: string[] = [];
  if (rel !== '.') lines.push(`cd ${rel.includes(' ') ? JSON.stringify(rel) : rel}`);
  for (const s of steps) if (s.status === 'skipped' && s.id !== 'git') lines.push(s.rerun);
  lines.push(...plan.setupCommands, plan.devCommand);
  return `Done. Next:\n  ${lines.join('\n  ')}`;
}
