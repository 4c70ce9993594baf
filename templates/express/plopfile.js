// `npm run gen resource <name>` (plop): adds a CRUD resource that passes lint, typecheck and tests as
// generated. Templates live in plop-templates/resource/. Nothing is written unless every check passes.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const FEATURES_FILE = 'src/features.ts';
const MIGRATIONS_DIR = 'prisma/migrations';
const TEMPLATES = 'plop-templates/resource';

// Plural words, lowercase, words separated by single hyphens: orders, line-items.
const NAME = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;
const MAX_NAME_LENGTH = 40; // table and index names stay well under PostgreSQL's 63 characters
const IRREGULAR = {
  people: 'person',
  children: 'child',
  men: 'man',
  women: 'woman',
  mice: 'mouse',
  geese: 'goose',
  teeth: 'tooth',
  feet: 'foot',
  indices: 'index',
  matrices: 'matrix',
  vertices: 'vertex',
  analyses: 'analysis',
  statuses: 'status',
  aliases: 'alias',
  buses: 'bus',
};
// Singular names whose type or OpenAPI component would clash with something that already exists.
const RESERVED = new Set([
  ...['array', 'boolean', 'date', 'decimal', 'error', 'function', 'json', 'map', 'number'],
  ...['object', 'prisma', 'promise', 'record', 'set', 'string', 'symbol'],
  ...['feature', 'health', 'router'],
]);

/** `line-items` → its singular word, or an explanation why it is not a plural. */
function singularize(word) {
  if (Object.hasOwn(IRREGULAR, word)) return IRREGULAR[word];
  if (/[^aeiou]ies$/.test(word)) return word.slice(0, -3) + 'y';
  if (/(ss|sh|ch|x|z)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return undefined;
  if (word.endsWith('s') && word.length > 2) return word.slice(0, -1);
  return undefined;
}

const pascal = (words) => words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const camel = (words) => words[0] + pascal(words.slice(1));

/** Every spelling the templates need, or `{ error }`. */
export function resourceNames(input) {
  const name = String(input ?? '').trim();
  if (!name) return { error: 'Give the resource name: npm run gen resource <name>, e.g. orders' };
  if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    return {
      error:
        `"${name}" is not a valid resource name: use lowercase letters and digits, words joined ` +
        `by single hyphens, at most ${MAX_NAME_LENGTH} characters (e.g. orders, line-items).`,
    };
  }
  const words = name.split('-');
  const last = words.at(-1);
  const singularLast = singularize(last);
  if (!singularLast) {
    return {
      error:
        `"${name}" should be a plural noun (e.g. orders, line-items, categories): ` +
        `"${last}" does not look like one.`,
    };
  }
  const singularWords = [...words.slice(0, -1), singularLast];
  if (RESERVED.has(singularWords.join(''))) {
    return { error: `"${name}" is reserved (its singular, ${singularLast}, is a built-in name).` };
  }
  return {
    name, // line-items: folder, file names and URL path
    table: words.join('_'), // line_items
    camelPlural: camel(words), // lineItems
    pascalPlural: pascal(words), // LineItems
    camelSingular: camel(singularWords), // lineItem: also the Prisma client accessor
    pascalSingular: pascal(singularWords), // LineItem: Prisma model and OpenAPI component
    humanPlural: words.join(' '), // line items
    humanSingular: singularWords.join(' '), // line item
    titlePlural: words.join(' ').replace(/^./, (c) => c.toUpperCase()), // Line items
    titleSingular: singularWords.join(' ').replace(/^./, (c) => c.toUpperCase()), // Line item
  };
}

const read = (rel) => readFileSync(path.join(ROOT, rel), 'utf8');

/** Reasons the resource cannot be added to this project (empty: it can). */
export function conflicts(names) {
  const found = [];
  const moduleDir = `src/modules/${names.name}`;
  if (existsSync(path.join(ROOT, moduleDir))) found.push(`${moduleDir}/ exists`);
  if (existsSync(path.join(ROOT, `prisma/${names.name}.prisma`))) {
    found.push(`prisma/${names.name}.prisma exists`);
  }
  for (const file of readdirSync(path.join(ROOT, 'prisma'))) {
    if (!file.endsWith('.prisma')) continue;
    const schema = read(`prisma/${file}`);
    if (new RegExp(`^\\s*(model|enum|type|view)\\s+${names.pascalSingular}\\b`, 'm').test(schema)) {
      found.push(`prisma/${file} already defines ${names.pascalSingular}`);
    }
    if (schema.includes(`@@map("${names.table}")`)) {
      found.push(`prisma/${file} already maps a model to the table "${names.table}"`);
    }
  }
  for (const dir of readdirSync(path.join(ROOT, MIGRATIONS_DIR), { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const sqlFile = `${MIGRATIONS_DIR}/${dir.name}/migration.sql`;
    if (!existsSync(path.join(ROOT, sqlFile))) continue;
    if (read(sqlFile).includes(`CREATE TABLE "${names.table}"`)) {
      found.push(`${sqlFile} already creates the table "${names.table}"`);
    }
  }
  const features = read(FEATURES_FILE);
  if (features.includes(`${names.camelPlural}Feature`)) {
    found.push(`${FEATURES_FILE} already registers ${names.camelPlural}Feature`);
  }
  return found;
}

const FEATURES_ARRAY = /(export const features\s*:[^=]*=\s*\[)([^\]]*)(\])/;
// Slot markers (create-polyglot-backend's features list their lines above them): `// slot: <name>`.
const slotMarker = (name) => new RegExp(`^(\\s*)// slot: ${name}\\b`);

/** Inserts `line` above the slot marker `name` in `lines`, indented like it; false without one. */
function insertAboveSlot(lines, name, line) {
  const at = lines.findIndex((l) => slotMarker(name).test(l));
  if (at === -1) return false;
  lines.splice(at, 0, `${slotMarker(name).exec(lines[at])[1]}${line}`);
  return true;
}

/** src/features.ts with the new feature imported and listed; throws if its shape is unknown. */
function registerFeature(source, names) {
  if (!FEATURES_ARRAY.test(source)) {
    throw new Error(
      `${FEATURES_FILE}: cannot find "export const features: readonly Feature[] = [...]"`,
    );
  }
  const importLine = `import { ${names.camelPlural}Feature } from './modules/${names.name}/${names.name}.feature.js';`;
  const entry = `${names.camelPlural}Feature()`;
  const lines = source.split('\n');
  if (!insertAboveSlot(lines, 'imports', importLine)) {
    // After the last import (which may span several lines).
    let lastImport = -1;
    let open = false;
    lines.forEach((line, i) => {
      if (open || /^import\s/.test(line)) {
        lastImport = i;
        open = !line.trimEnd().endsWith(';');
      }
    });
    lines.splice(lastImport + 1, 0, importLine);
  }
  // The marker is a comment inside the array: the entry goes on its own line above it.
  if (insertAboveSlot(lines, 'features', `${entry},`)) return lines.join('\n');
  return lines.join('\n').replace(FEATURES_ARRAY, (_all, open, items, close) => {
    const listed = items.trim().replace(/,$/, '');
    return `${open}${listed ? `${listed}, ${entry}` : entry}${close}`;
  });
}

/** YYYYMMDDHHMMSS (UTC), later than every existing migration so it sorts last. */
function migrationTimestamp() {
  const stamps = readdirSync(path.join(ROOT, MIGRATIONS_DIR))
    .map((dir) => /^(\d{14})_/.exec(dir)?.[1])
    .filter(Boolean)
    .sort();
  const latest = stamps.at(-1);
  let time = new Date();
  if (latest) {
    const parsed = Date.UTC(
      Number(latest.slice(0, 4)),
      Number(latest.slice(4, 6)) - 1,
      Number(latest.slice(6, 8)),
      Number(latest.slice(8, 10)),
      Number(latest.slice(10, 12)),
      Number(latest.slice(12, 14)),
    );
    if (time.getTime() <= parsed) time = new Date(parsed + 1000);
  }
  return time.toISOString().replace(/\D/g, '').slice(0, 14);
}

async function format(text, rel) {
  const options = (await prettier.resolveConfig(path.join(ROOT, rel))) ?? {};
  return prettier.format(text, { ...options, filepath: path.join(ROOT, rel) });
}

export default function plopfile(plop) {
  plop.setGenerator('resource', {
    description: 'CRUD resource: Prisma model + migration, Zod schemas, routes, OpenAPI, tests',
    prompts: [
      {
        type: 'input',
        name: 'name',
        message: 'Resource name (plural, lowercase, e.g. orders or line-items):',
        // Runs for `plop resource <name>` too, before any action: a refusal writes nothing.
        validate: (value) => {
          const names = resourceNames(value);
          if (names.error) return names.error;
          const found = conflicts(names);
          if (found.length > 0) {
            return `Resource "${names.name}" already exists: ${found.join('; ')}. Nothing was written.`;
          }
          return true;
        },
      },
    ],
    actions: (answers) => {
      const names = resourceNames(answers.name);
      if (names.error) throw new Error(names.error);
      // Everything that can fail is computed here, before the first file is written.
      const features = registerFeature(read(FEATURES_FILE), names);
      const migration = `${migrationTimestamp()}_${names.table}`;
      const dir = `src/modules/${names.name}`;
      const tsFile = (suffix) => ({
        type: 'add',
        path: `${dir}/${names.name}.${suffix}.ts`,
        templateFile: `${TEMPLATES}/${suffix}.ts.hbs`,
        data: names,
        transform: (text) => format(text, `${dir}/${names.name}.${suffix}.ts`),
      });
      return [
        {
          type: 'add',
          path: `prisma/${names.name}.prisma`,
          templateFile: `${TEMPLATES}/model.prisma.hbs`,
          data: names,
        },
        {
          type: 'add',
          path: `${MIGRATIONS_DIR}/${migration}/migration.sql`,
          templateFile: `${TEMPLATES}/migration.sql.hbs`,
          data: names,
        },
        ...['schemas', 'repository', 'service', 'router', 'openapi', 'feature', 'test'].map(tsFile),
        async function registerInFeatures() {
          writeFileSync(path.join(ROOT, FEATURES_FILE), await format(features, FEATURES_FILE));
          return `${FEATURES_FILE} (registered ${names.camelPlural}Feature())`;
        },
        function generatePrismaClient() {
          // The new model's types come from the generated client: regenerate it now so lint,
          // typecheck and tests pass straight away.
          const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
          const result = spawnSync(npm, ['run', '--silent', 'db:generate'], {
            cwd: ROOT,
            encoding: 'utf8',
            shell: process.platform === 'win32',
          });
          if (result.status !== 0) {
            throw new Error(
              'the files were written, but `npm run db:generate` failed; fix it and run it again:\n' +
                `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`,
            );
          }
          return 'Prisma client regenerated (npm run db:generate)';
        },
      ];
    },
  });
}
