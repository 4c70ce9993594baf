/** --help text, derived from the answers schema and the run options so it can never drift from them. */
import { RUN_OPTION_HELP } from '../answers/args.js';
import { ANSWER_KEYS, answerFieldsFor, flagName, type Field } from '../answers/schema.js';
import { ExitCode } from '../errors.js';
import type { FeatureQuestion } from '../features/choices.js';
import type { Starter } from '../templates/starters.js';

/** `starters` and `questions`: those found on disk for this run (built-in and --templates <dir>). */
export function helpText(version: string, starters: readonly Starter[], questions: readonly FeatureQuestion[] = []): string {
  const fields = answerFieldsFor(starters);
  const rows: [string, string][] = [];
  for (const key of ANSWER_KEYS) {
    const field: Field = fields[key];
    if ('positional' in field && field.positional) continue;
    const flag = flagName(key);
    if (field.kind === 'boolean') rows.push([`--${flag}, --no-${flag}`, `${field.help} (default: yes)`]);
    else if (field.kind === 'choice') rows.push([`--${flag} <${field.choices.map((c) => c.value).join('|')}>`, field.help]);
    else rows.push([`--${flag} <value>`, field.help]);
  }
  for (const q of questions) {
    rows.push([`--${q.name} <${q.choices.map((c) => c.value).join('|')}>`, `${q.message} (default: none; ${q.choices.filter((c) => c.value !== 'none').map((c) => `${c.value}: ${c.label}`).join(', ')})`]);
  }
  for (const o of Object.values(RUN_OPTION_HELP)) rows.push([`${o.short ? `-${o.short}, ` : ''}--${o.flag}${o.value ? ` <${o.value}>` : ''}`, o.help]);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const options = rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`).join('\n');
  const templates = starters.map((s) => `  ${s.id.padEnd(10)}${s.description}${s.origin === 'local' ? ' (--templates)' : ''}`).join('\n');
  const codes = Object.entries(ExitCode)
    .map(([name, code]) => `  ${String(code).padEnd(5)}${name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`)
    .join('\n');
  return `create-polyglot-backend ${version}

Usage: create-polyglot-backend [directory] [options]
       npm create polyglot-backend@latest [directory] -- [options]
       create-polyglot-backend [upgrade] [--check] [--dry-run] [--allow-dirty]   (inside a generated project)
       create-polyglot-backend add|remove <feature> [--dry-run]                   (inside a generated project)

Starters:
${templates}
  or an org template: -t ./kit | -t https://git.example.com/org/kit.git#v2 | -t github:org/repo/path#ref
  | -t https://host/kit.tar.gz (see docs/templates.md; --preset, --set, --trust, --offline apply)

Options:
${options}

Without a terminal (pipes, CI=true) nothing is asked: give [directory] and --template, or --yes.

Inside a generated project (it has .polyglot/manifest.json), running without a directory, or with
"upgrade", upgrades it to this version's template: files you never touched are updated, files changed
on both sides are merged, and overlapping changes are left as conflict markers (exit ${ExitCode.upgradeNeedsAttention}).

Examples:
  npx create-polyglot-backend my-api --template express
  npm create polyglot-backend@latest my-api -- --template express --pm npm --no-git
  pnpm create polyglot-backend my-api --template express --no-install
  npx create-polyglot-backend my-api --template fastapi --cache redis
  npx create-polyglot-backend my-api --template express --dry-run --json
  cd my-api && npx create-polyglot-backend@latest upgrade --dry-run
  cd my-api && npx create-polyglot-backend add redis

Exit codes:
${codes}
`;
}
