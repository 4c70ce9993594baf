#!/usr/bin/env node
// Adds a message type to the contract and regenerates the Zod and Pydantic models:
//
//   npm run contracts:add -- order.shipped.v1      a new type: schema + valid/invalid examples
//   npm run contracts:add -- job.requested.v2      a new version: starts as a copy of the latest one
//
// The schema starts with the fields every message carries (schemaVersion, the id of what it is about,
// when it happened); add your own properties to it and to `required`, then run
// `npm run contracts:generate`. Routing (a queue and a binding in topology.json) is yours to add:
// see contracts/README.md, "Adding a message type". Refuses a type that exists, writing nothing.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOutputs, ContractError, findDrift, loadContracts } from './generate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

function fail(message, code = 2) {
  console.error(`contracts:add: ${message}`);
  process.exit(code);
}

const type = process.argv[2];
if (!type || process.argv.length > 3) fail('usage: npm run contracts:add -- <name.in.dots>.v<N>  (e.g. order.shipped.v1)');
const match = /^([a-z][a-z0-9]*(?:\.[a-z][a-z0-9]*)*)\.v([1-9][0-9]{0,2})$/.exec(type);
if (!match) fail(`"${type}" is not a message type: lowercase words separated by dots, ending in .v<N> (order.shipped.v1).`);
const [, base, versionText] = match;
const version = Number(versionText);
const words = base.split('.');
const slug = `${words.join('-')}-v${version}`;
const title = `${words.map((w) => w[0].toUpperCase() + w.slice(1)).join('')}V${version}`;
const schemaDir = join(root, 'contracts', 'schemas');
const file = join(schemaDir, `${slug}.schema.json`);
if (existsSync(file)) fail(`${type} exists already (contracts/schemas/${slug}.schema.json).`);
const titles = readdirSync(schemaDir)
  .filter((f) => f.endsWith('.schema.json'))
  .map((f) => JSON.parse(readFileSync(join(schemaDir, f), 'utf8')).title);
if (titles.includes(title)) fail(`a schema titled ${title} exists already.`);

// A new version starts from the latest earlier one, so only the change has to be made.
let previous;
for (let v = version - 1; v >= 1 && !previous; v--) {
  const candidate = join(schemaDir, `${words.join('-')}-v${v}.schema.json`);
  if (existsSync(candidate)) previous = { v, json: JSON.parse(readFileSync(candidate, 'utf8')) };
}
if (version > 1 && !previous) fail(`${type}: there is no earlier version of ${base} to start from; start at .v1.`);

const idField = `${words[0]}Id`;
const schema = previous
  ? {
      ...previous.json,
      $id: `https://example.com/contracts/${slug}.schema.json`,
      title,
      description: `${(previous.json.description ?? '').replaceAll(`${base}.v${previous.v}`, type)} Version ${version}: describe what changed from v${previous.v}.`.trim(),
      'x-message-type': type,
      properties: { ...previous.json.properties, schemaVersion: { type: 'integer', const: version } },
    }
  : {
      $schema: DRAFT,
      $id: `https://example.com/contracts/${slug}.schema.json`,
      title,
      description: `${words.join(' ')} (message type ${type}). Describe who publishes it and who consumes it.`,
      'x-message-type': type,
      type: 'object',
      properties: {
        schemaVersion: { type: 'integer', const: version },
        [idField]: { type: 'string', format: 'uuid' },
        occurredAt: { type: 'string', format: 'date-time' },
      },
      required: ['schemaVersion', idField, 'occurredAt'],
      additionalProperties: false,
    };

// Examples both parts' contract tests pick up: one valid body, and the two ways a sender most often
// gets a message wrong (a wrong version, an unknown field).
const valid = previous ? examplesOf(`${words.join('-')}-v${previous.v}`) : undefined;
const body = valid
  ? { ...valid, schemaVersion: version }
  : { schemaVersion: version, [idField]: '5f0c8e52-1c3b-4d7a-9b1e-2f3a4b5c6d7e', occurredAt: '2025-06-01T12:00:00Z' };

function examplesOf(prefix) {
  const dir = join(root, 'contracts', 'examples', 'valid');
  const name = readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}.`))
    .sort()[0];
  return name ? JSON.parse(readFileSync(join(dir, name), 'utf8')) : undefined;
}

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;
const writes = [
  [file, json(schema)],
  [join(root, 'contracts', 'examples', 'valid', `${slug}.basic.json`), json(body)],
  [join(root, 'contracts', 'examples', 'invalid', `${slug}.wrong-schema-version.json`), json({ ...body, schemaVersion: version + 1 })],
  [join(root, 'contracts', 'examples', 'invalid', `${slug}.extra-field.json`), json({ ...body, unexpected: true })],
];

// Generate in memory first: a schema the generator refuses leaves the project as it was.
let outputs;
try {
  const contracts = loadContracts(root);
  contracts.schemas.push({ file: `${slug}.schema.json`, json: schema });
  outputs = buildOutputs(contracts);
} catch (error) {
  if (error instanceof ContractError) fail(error.message, 1);
  throw error;
}
for (const [path, content] of writes) writeFileSync(path, content, { flag: 'wx' });
for (const path of findDrift(root, outputs)) writeFileSync(join(root, path), outputs[path]);
console.log(`contracts: added ${type} as contracts/schemas/${slug}.schema.json (${title}), with examples; regenerated the Zod and Pydantic models.`);
console.log(`Next: add its fields, run \`npm run contracts:generate\`, and route it in contracts/topology.json if it needs a queue.`);
