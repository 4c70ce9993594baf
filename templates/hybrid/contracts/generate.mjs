#!/usr/bin/env node
// Generates the gateway's Zod models and the service's Pydantic models from contracts/schemas and
// contracts/topology.json, so the two languages can never disagree about a message by accident.
//
//   node contracts/generate.mjs           write gateway/src/contracts/generated.ts and
//                                         service/app/contracts/generated.py
//   node contracts/generate.mjs --check   exit 1 when either file differs from what would be written
//
// No dependencies on purpose: it runs on a fresh clone before `npm install` or `uv sync`, and in CI.
//
// Only the JSON Schema subset these contracts use is supported (see contracts/README.md). Anything
// else stops the run with the schema file and keyword named: a keyword that was silently skipped
// would make one language accept what the schema forbids.

import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HEADER =
  'Generated from contracts/schemas by contracts/generate.mjs — do not edit; run `npm run contracts:generate`.';
const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
// Both starters format at 100 columns (prettier printWidth, ruff line-length).
const WIDTH = 100;

export const OUTPUT_FILES = {
  ts: 'gateway/src/contracts/generated.ts',
  py: 'service/app/contracts/generated.py',
};

/** A problem in the contracts themselves, reported without a stack trace. */
export class ContractError extends Error {}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/** Reads every contracts/schemas/*.schema.json (sorted by file name) and contracts/topology.json. */
export function loadContracts(root) {
  const schemaDir = join(root, 'contracts', 'schemas');
  const files = readdirSync(schemaDir)
    .filter((name) => name.endsWith('.schema.json'))
    .sort();
  if (files.length === 0) throw new ContractError(`no *.schema.json files in contracts/schemas`);
  const schemas = files.map((file) => ({
    file,
    json: readJson(join(schemaDir, file), `contracts/schemas/${file}`),
  }));
  const topology = readJson(join(root, 'contracts', 'topology.json'), 'contracts/topology.json');
  return { schemas, topology };
}

function readJson(path, label) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ContractError(`${label}: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing: JSON Schema -> a small intermediate form that both renderers share
// ---------------------------------------------------------------------------------------------
//
// Node kinds: ref, object, string, integer, number, boolean, enum, const. Any node can be
// `nullable` (from `type: [X, "null"]` or `anyOf: [X, {type: "null"}]`).

const ANNOTATIONS = ['description', '$comment'];
const ROOT_KEYWORDS = ['$schema', '$id', 'title', 'x-message-type'];
const SCALAR_TYPES = ['string', 'integer', 'number', 'boolean'];
const KEYWORDS_BY_TYPE = {
  string: ['format', 'minLength', 'maxLength', 'pattern'],
  integer: ['minimum', 'maximum'],
  number: ['minimum', 'maximum'],
  boolean: [],
};
const FORMATS = ['uuid', 'date-time'];

/** Parses one schema file into { file, title, description, messageType, node }. */
export function parseSchemaFile({ file, json }) {
  const where = { file, path: '' };
  if (!/^[a-z0-9][a-z0-9-]*\.schema\.json$/.test(file)) {
    fail(where, 'file names are kebab-case and end in .schema.json');
  }
  if (!isPlainObject(json)) fail(where, 'a schema must be a JSON object');
  if (json.$schema !== DRAFT_2020_12) fail(where, `"$schema" must be "${DRAFT_2020_12}"`);
  // $ref values are sibling file names, resolved against $id: the $id must therefore end in the
  // file's own name, or a validator loading the files by $id would resolve them elsewhere.
  if (typeof json.$id !== 'string' || !(json.$id === file || json.$id.endsWith(`/${file}`))) {
    fail(where, `"$id" must end with "/${file}"`);
  }
  if (typeof json.title !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(json.title)) {
    fail(where, '"title" must be a PascalCase name: it becomes the generated model name');
  }
  const messageType = json['x-message-type'];
  if (messageType !== undefined) {
    if (json.type !== 'object') fail(where, '"x-message-type" is only allowed on object schemas');
    if (typeof messageType !== 'string' || !/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*$/.test(messageType)) {
      fail(where, '"x-message-type" must be a dotted lower-case name like "job.requested.v1"');
    }
  }
  const node = parseNode(json, where, true);
  return { file, title: json.title, description: node.description, messageType, node };
}

function parseNode(schema, where, isRoot = false) {
  if (!isPlainObject(schema)) fail(where, 'a schema must be a JSON object');
  const extra = isRoot ? ROOT_KEYWORDS : [];
  const description = parseDescription(schema, where);
  let node;
  if ('$ref' in schema) {
    if (isRoot) fail(where, 'a schema file cannot be just a "$ref"');
    allowOnly(schema, where, ['$ref']);
    node = parseRef(schema.$ref, at(where, '$ref'));
  } else if ('anyOf' in schema) {
    allowOnly(schema, where, ['anyOf', ...extra]);
    node = parseNullableAnyOf(schema.anyOf, at(where, 'anyOf'));
  } else if ('enum' in schema) {
    allowOnly(schema, where, ['type', 'enum', ...extra]);
    node = parseEnum(schema, where);
  } else if ('const' in schema) {
    allowOnly(schema, where, ['type', 'const', ...extra]);
    node = parseConst(schema, where);
  } else if ('type' in schema) {
    node = parseTyped(schema, where, extra, isRoot);
  } else {
    fail(where, 'every schema needs one of "type", "enum", "const", "$ref" or "anyOf"');
  }
  return { ...node, description };
}

function parseDescription(schema, where) {
  if (schema.description === undefined) return undefined;
  if (typeof schema.description !== 'string') fail(at(where, 'description'), 'must be a string');
  return schema.description.trim();
}

function parseRef(ref, where) {
  // Only sibling files: no fragments, no folders, no URLs. Keeps one schema = one generated name.
  if (typeof ref !== 'string' || !/^[a-z0-9][a-z0-9-]*\.schema\.json$/.test(ref)) {
    fail(where, `"$ref" must name a sibling schema file, like "job-kind.schema.json"`);
  }
  return { kind: 'ref', file: ref, nullable: false, where };
}

function parseNullableAnyOf(anyOf, where) {
  // The one use of anyOf the generators understand: "this schema, or null" (a nullable $ref).
  const isNull = (s) => isPlainObject(s) && Object.keys(s).length === 1 && s.type === 'null';
  if (!Array.isArray(anyOf) || anyOf.length !== 2 || anyOf.filter(isNull).length !== 1) {
    fail(where, 'only the nullable form is supported: "anyOf": [<schema>, { "type": "null" }]');
  }
  const index = anyOf.findIndex((s) => !isNull(s));
  const inner = parseNode(anyOf[index], at(where, String(index)));
  if (inner.nullable) fail(where, 'nested nullable schemas are not supported');
  if (inner.kind === 'object') fail(where, 'inline objects are not supported: use a "$ref"');
  return { ...inner, nullable: true };
}

function parseEnum(schema, where) {
  if (schema.type !== undefined && schema.type !== 'string') {
    fail(at(where, 'type'), 'enums must be string enums ("type": "string" or no "type")');
  }
  const values = schema.enum;
  const ok =
    Array.isArray(values) &&
    values.length > 0 &&
    values.every((v) => typeof v === 'string') &&
    new Set(values).size === values.length;
  if (!ok) fail(at(where, 'enum'), 'must be a non-empty array of distinct strings');
  return { kind: 'enum', values, nullable: false };
}

function parseConst(schema, where) {
  const value = schema.const;
  const type =
    typeof value === 'string'
      ? 'string'
      : Number.isInteger(value)
        ? 'integer'
        : typeof value === 'boolean'
          ? 'boolean'
          : undefined;
  if (type === undefined) fail(at(where, 'const'), 'must be a string, an integer or a boolean');
  if (schema.type !== undefined && schema.type !== type) {
    fail(at(where, 'type'), `"const" ${JSON.stringify(value)} is not of type "${schema.type}"`);
  }
  return { kind: 'const', value, nullable: false };
}

function parseTyped(schema, where, extra, isRoot) {
  const { type, nullable } = parseType(schema.type, at(where, 'type'));
  if (type === 'object') {
    // Objects become named models, so they live in their own files.
    if (!isRoot) {
      fail(where, 'inline objects are not supported: move it to its own file and "$ref" it');
    }
    allowOnly(schema, where, ['type', 'properties', 'required', 'additionalProperties', ...extra]);
    return parseObject(schema, where);
  }
  allowOnly(schema, where, ['type', ...KEYWORDS_BY_TYPE[type], ...extra]);
  const node = { kind: type, nullable };
  if (type === 'string') Object.assign(node, parseStringKeywords(schema, where));
  if (type === 'integer' || type === 'number')
    Object.assign(node, parseBounds(schema, where, type));
  return node;
}

function parseType(type, where) {
  if (type === 'object' || SCALAR_TYPES.includes(type)) return { type, nullable: false };
  if (
    Array.isArray(type) &&
    type.length === 2 &&
    type.includes('null') &&
    SCALAR_TYPES.includes(type.find((t) => t !== 'null'))
  ) {
    return { type: type.find((t) => t !== 'null'), nullable: true };
  }
  fail(
    where,
    `unsupported "type" ${JSON.stringify(type)}: use object, ${SCALAR_TYPES.join(', ')}, or [<scalar>, "null"]`,
  );
}

function parseObject(schema, where) {
  if (schema.additionalProperties !== false) {
    fail(at(where, 'additionalProperties'), 'must be false (unknown fields are rejected)');
  }
  if (!isPlainObject(schema.properties)) fail(at(where, 'properties'), 'must be an object');
  const names = Object.keys(schema.properties);
  const required = schema.required;
  if (!Array.isArray(required) || new Set(required).size !== required.length) {
    fail(at(where, 'required'), 'must be an array of distinct property names');
  }
  for (const name of required) {
    if (!names.includes(name)) fail(at(where, 'required'), `"${name}" is not a property`);
  }
  const properties = names.map((name) => {
    const propWhere = at(where, 'properties', name);
    // camelCase on the wire (design doc); it also keeps names valid identifiers in both languages.
    if (!/^[a-z][A-Za-z0-9]*$/.test(name)) fail(propWhere, 'property names must be camelCase');
    // Optional fields would mean "absent" in Zod but "null" in Pydantic; say null explicitly.
    if (!required.includes(name)) {
      fail(propWhere, 'every property must be "required" (use [<type>, "null"] for "no value")');
    }
    return { name, node: parseNode(schema.properties[name], propWhere) };
  });
  return { kind: 'object', properties, nullable: false };
}

function parseStringKeywords(schema, where) {
  const out = {};
  if (schema.format !== undefined) {
    if (!FORMATS.includes(schema.format)) {
      fail(
        at(where, 'format'),
        `unsupported format "${schema.format}" (supported: ${FORMATS.join(', ')})`,
      );
    }
    for (const key of KEYWORDS_BY_TYPE.string.filter((k) => k !== 'format')) {
      if (key in schema) fail(at(where, key), `cannot be combined with "format"`);
    }
    out.format = schema.format;
  }
  for (const key of ['minLength', 'maxLength']) {
    if (key in schema) out[key] = nonNegativeInteger(schema[key], at(where, key));
  }
  if (out.minLength !== undefined && out.maxLength !== undefined && out.minLength > out.maxLength) {
    fail(where, '"minLength" is greater than "maxLength"');
  }
  if ('pattern' in schema) {
    if (typeof schema.pattern !== 'string') fail(at(where, 'pattern'), 'must be a string');
    try {
      // JSON Schema patterns are ECMA-262 regular expressions with Unicode semantics.
      new RegExp(schema.pattern, 'u');
    } catch (error) {
      fail(at(where, 'pattern'), error.message);
    }
    out.pattern = schema.pattern;
  }
  return out;
}

function parseBounds(schema, where, type) {
  const out = {};
  for (const key of ['minimum', 'maximum']) {
    if (!(key in schema)) continue;
    const value = schema[key];
    const ok = type === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value);
    if (!ok) fail(at(where, key), `must be ${type === 'integer' ? 'a safe integer' : 'a number'}`);
    out[key] = value;
  }
  if (out.minimum !== undefined && out.maximum !== undefined && out.minimum > out.maximum) {
    fail(where, '"minimum" is greater than "maximum"');
  }
  return out;
}

function nonNegativeInteger(value, where) {
  if (!Number.isSafeInteger(value) || value < 0) fail(where, 'must be a non-negative integer');
  return value;
}

function allowOnly(schema, where, keywords) {
  const allowed = new Set([...keywords, ...ANNOTATIONS]);
  for (const key of Object.keys(schema)) {
    if (!allowed.has(key)) {
      fail(
        at(where, key),
        `unsupported keyword "${key}" here (see contracts/README.md for the subset)`,
      );
    }
  }
}

function at(where, ...segments) {
  return { file: where.file, path: `${where.path}/${segments.join('/')}` };
}

function fail(where, message) {
  const location = where.path ? ` at ${where.path}` : '';
  throw new ContractError(`contracts/schemas/${where.file}${location}: ${message}`);
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Resolving references and ordering
// ---------------------------------------------------------------------------------------------

/**
 * Resolves every $ref to a title and returns the schemas in dependency order (a model is defined
 * before it is used); ties are broken so that enums and scalars come first, then by title.
 */
export function resolveAndOrder(parsed) {
  const byFile = new Map(parsed.map((s) => [s.file, s]));
  const titles = new Map();
  for (const schema of parsed) {
    if (titles.has(schema.title)) {
      throw new ContractError(
        `contracts/schemas/${schema.file}: title "${schema.title}" is also used by ${titles.get(schema.title)}`,
      );
    }
    titles.set(schema.title, schema.file);
  }
  const types = new Map();
  for (const schema of parsed.filter((s) => s.messageType)) {
    if (types.has(schema.messageType)) {
      throw new ContractError(
        `contracts/schemas/${schema.file}: x-message-type "${schema.messageType}" is also used by ${types.get(schema.messageType)}`,
      );
    }
    types.set(schema.messageType, schema.file);
  }

  const deps = new Map();
  for (const schema of parsed) {
    const found = new Set();
    visitRefs(schema.node, (ref) => {
      const target = byFile.get(ref.file);
      if (!target) fail(ref.where, `"$ref" names "${ref.file}", which does not exist`);
      ref.title = target.title;
      found.add(target.title);
    });
    deps.set(schema.title, found);
  }

  const rank = (s) => `${s.node.kind === 'object' ? 1 : 0}:${s.title}`;
  const pending = [...parsed].sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
  const ordered = [];
  const done = new Set();
  while (pending.length > 0) {
    const index = pending.findIndex((s) => [...deps.get(s.title)].every((d) => done.has(d)));
    if (index === -1) {
      throw new ContractError(
        `contracts/schemas: these schemas reference each other in a cycle: ${pending.map((s) => s.file).join(', ')}`,
      );
    }
    const [next] = pending.splice(index, 1);
    ordered.push(next);
    done.add(next.title);
  }
  return ordered;
}

function visitRefs(node, visit) {
  if (node.kind === 'ref') visit(node);
  if (node.kind === 'object') for (const p of node.properties) visitRefs(p.node, visit);
}

// ---------------------------------------------------------------------------------------------
// Topology
// ---------------------------------------------------------------------------------------------

const EXCHANGE_TYPES = ['direct', 'fanout', 'topic', 'headers'];

/** Checks contracts/topology.json against the fixed shape both parts' declare code expects. */
export function parseTopology(json) {
  const fail = (path, message) => {
    throw new ContractError(`contracts/topology.json at ${path}: ${message}`);
  };
  const expectKeys = (value, path, keys) => {
    if (!isPlainObject(value)) fail(path, 'must be an object');
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) fail(`${path}/${key}`, `unsupported key "${key}"`);
    }
    for (const key of keys.filter((k) => k !== '$comment')) {
      if (!(key in value)) fail(path, `"${key}" is missing`);
    }
  };
  const expectString = (value, path) => {
    if (typeof value !== 'string') fail(path, 'must be a string');
  };
  const expectList = (value, path) => {
    if (!Array.isArray(value)) fail(path, 'must be an array');
    return value;
  };

  expectKeys(json, '', ['$comment', 'exchanges', 'queues', 'bindings']);
  const exchanges = expectList(json.exchanges, '/exchanges').map((e, i) => {
    const path = `/exchanges/${i}`;
    expectKeys(e, path, ['name', 'type', 'durable']);
    expectString(e.name, `${path}/name`);
    if (!EXCHANGE_TYPES.includes(e.type)) {
      fail(`${path}/type`, `must be one of ${EXCHANGE_TYPES.join(', ')}`);
    }
    if (typeof e.durable !== 'boolean') fail(`${path}/durable`, 'must be a boolean');
    return { name: e.name, type: e.type, durable: e.durable };
  });
  const exchangeNames = new Set(exchanges.map((e) => e.name));
  const queues = expectList(json.queues, '/queues').map((q, i) => {
    const path = `/queues/${i}`;
    expectKeys(q, path, ['name', 'durable', 'arguments']);
    expectString(q.name, `${path}/name`);
    if (typeof q.durable !== 'boolean') fail(`${path}/durable`, 'must be a boolean');
    if (!isPlainObject(q.arguments)) fail(`${path}/arguments`, 'must be an object');
    for (const [key, value] of Object.entries(q.arguments)) {
      if (typeof value !== 'string' && !Number.isSafeInteger(value)) {
        fail(`${path}/arguments/${key}`, 'must be a string or an integer');
      }
    }
    const dlx = q.arguments['x-dead-letter-exchange'];
    if (dlx !== undefined && !exchangeNames.has(dlx)) {
      fail(`${path}/arguments/x-dead-letter-exchange`, `"${dlx}" is not a declared exchange`);
    }
    return { name: q.name, durable: q.durable, arguments: { ...q.arguments } };
  });
  const queueNames = new Set(queues.map((q) => q.name));
  const bindings = expectList(json.bindings, '/bindings').map((b, i) => {
    const path = `/bindings/${i}`;
    expectKeys(b, path, ['exchange', 'queue', 'routingKey']);
    if (!exchangeNames.has(b.exchange)) {
      fail(`${path}/exchange`, `"${b.exchange}" is not a declared exchange`);
    }
    if (!queueNames.has(b.queue)) fail(`${path}/queue`, `"${b.queue}" is not a declared queue`);
    expectString(b.routingKey, `${path}/routingKey`);
    return { exchange: b.exchange, queue: b.queue, routingKey: b.routingKey };
  });
  for (const [label, names] of [
    ['exchange', exchanges.map((e) => e.name)],
    ['queue', queues.map((q) => q.name)],
  ]) {
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) fail(`/${label}s`, `${label} "${duplicate}" is declared twice`);
  }
  return { exchanges, queues, bindings };
}

// ---------------------------------------------------------------------------------------------
// Shared rendering helpers
// ---------------------------------------------------------------------------------------------

/** JobRequestedV1 -> JOB_REQUESTED_V1 */
function screamingSnake(title) {
  return title.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** schemaVersion -> schema_version, jobURL -> job_url */
function snakeCase(name) {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Greedy word wrap; a word longer than the width gets a line of its own. */
function wrap(text, width) {
  const lines = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** An integer or a finite number as both languages print it (prettier drops an exponent's "+"). */
function numberLiteral(value) {
  return Number.isInteger(value) ? BigInt(value).toString() : String(value).replace('e+', 'e');
}

/**
 * Quotes a string the way the formatters do: the preferred quote unless the other one needs fewer
 * escapes (prettier prefers ', ruff prefers ").
 */
function quote(value, preferred) {
  const other = preferred === "'" ? '"' : "'";
  const count = (q) => value.split(q).length - 1;
  const q = count(preferred) > count(other) ? other : preferred;
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${q}${out}${q}`;
}

// ---------------------------------------------------------------------------------------------
// TypeScript (Zod 4), laid out the way prettier (printWidth 100, singleQuote) prints it
// ---------------------------------------------------------------------------------------------

const tsString = (value) => quote(value, "'");

/** A JSON scalar as a TS literal. */
function tsLiteral(value) {
  if (typeof value === 'string') return tsString(value);
  return typeof value === 'boolean' ? String(value) : numberLiteral(value);
}

/**
 * A node as a Zod expression, split into a head and its chained calls, e.g. head `z.string()` and
 * calls [`.max(1000)`, `.nullable()`], so that a long chain can be broken the way prettier does.
 */
function zodChain(node) {
  const calls = [];
  let head;
  switch (node.kind) {
    case 'ref':
      head = node.title;
      break;
    case 'enum':
      head = `z.enum([${node.values.map(tsString).join(', ')}])`;
      break;
    case 'const':
      head = `z.literal(${tsLiteral(node.value)})`;
      break;
    case 'boolean':
      head = 'z.boolean()';
      break;
    case 'integer':
    case 'number':
      head = node.kind === 'integer' ? 'z.int()' : 'z.number()';
      if (node.minimum !== undefined) calls.push(`.min(${numberLiteral(node.minimum)})`);
      if (node.maximum !== undefined) calls.push(`.max(${numberLiteral(node.maximum)})`);
      break;
    case 'string':
      if (node.format === 'uuid') head = 'z.uuid()';
      else if (node.format === 'date-time') head = 'z.iso.datetime({ offset: true })';
      else head = 'z.string()';
      if (node.minLength !== undefined) calls.push(`.min(${node.minLength})`);
      if (node.maxLength !== undefined) calls.push(`.max(${node.maxLength})`);
      // new RegExp(...) rather than a /literal/: no escaping of "/", and prettier treats it as a
      // simple argument (a long regex literal would force the whole chain onto separate lines).
      if (node.pattern !== undefined)
        calls.push(`.regex(new RegExp(${tsString(node.pattern)}, 'u'))`);
      break;
    default:
      throw new Error(`unexpected node kind ${node.kind}`);
  }
  if (node.nullable) calls.push('.nullable()');
  return { head, calls };
}

/**
 * Lays out `prefix + expression + suffix` at `indent`. Fits -> one line. Otherwise prettier breaks a
 * call chain one call per line (`z` stays on the first line), and a single call such as
 * `z.enum([...])` by breaking its array one element per line.
 */
function tsLayout(indent, prefix, chain, suffix) {
  const oneLine = `${indent}${prefix}${chain.head}${chain.calls.join('')}${suffix}`;
  if (oneLine.length <= WIDTH) return [oneLine];
  if (chain.head.startsWith('z.') && chain.calls.length > 0) {
    // `z.iso.datetime(...)` breaks as `z.iso` + `.datetime(...)`: property accesses stay together.
    const [, object, first] = chain.head.match(/^([\w.]*?)(\.\w+\(.*)$/);
    const inner = `${indent}  `;
    const lines = [`${indent}${prefix}${object}`];
    const groups = [first, ...chain.calls];
    groups.forEach((group, i) =>
      lines.push(
        ...tsBreakArray(`${inner}${group}${i === groups.length - 1 ? suffix : ''}`, inner),
      ),
    );
    return lines;
  }
  return tsBreakArray(oneLine, indent);
}

/** Breaks the first `([...])` on a too-long line into one element per line (prettier's hug). */
function tsBreakArray(line, indent) {
  if (line.length <= WIDTH) return [line];
  const match = line.match(/^(.*?\(\[)(.*?)(\]\).*)$/);
  if (!match) return [line];
  const [, open, items, close] = match;
  return [open, ...splitTopLevel(items).map((item) => `${indent}  ${item},`), `${indent}${close}`];
}

/** Splits `'a', f(b, c)` on its top-level commas; brackets and quoted strings are kept whole. */
function splitTopLevel(list) {
  const items = [];
  let depth = 0;
  let quoteChar = null;
  let current = '';
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (quoteChar) {
      if (ch === '\\') current += list[i++];
      else if (ch === quoteChar) quoteChar = null;
    } else if (ch === "'" || ch === '"') quoteChar = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      items.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  items.push(current.trim());
  return items;
}

function tsDocComment(indent, text) {
  if (!text) return [];
  const lines = wrap(text.replaceAll('*/', '*\\/'), WIDTH - indent.length - 3);
  const single = `${indent}/** ${lines[0]} */`;
  if (lines.length === 1 && single.length <= WIDTH) return [single];
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`.trimEnd()), `${indent} */`];
}

function tsSchema(schema) {
  const lines = [...tsDocComment('', schema.description)];
  if (schema.node.kind === 'object') {
    lines.push(`export const ${schema.title} = z.strictObject({`);
    for (const { name, node } of schema.node.properties) {
      lines.push(...tsDocComment('  ', node.description));
      lines.push(...tsLayout('  ', `${name}: `, zodChain(node), ','));
    }
    lines.push('});');
  } else {
    lines.push(...tsLayout('', `export const ${schema.title} = `, zodChain(schema.node), ';'));
  }
  const typeLine = `export type ${schema.title} = z.infer<typeof ${schema.title}>;`;
  if (typeLine.length <= WIDTH) lines.push(typeLine);
  else lines.push(`export type ${schema.title} = z.infer<`, `  typeof ${schema.title}`, '>;');
  return lines.join('\n');
}

/**
 * A plain JSON value as a TS literal. Objects and arrays stay on one line when they fit, as
 * prettier leaves them; prettier always breaks an array of two or more multi-key objects.
 */
function tsValue(value, indent, prefix, suffix) {
  const flat = `${indent}${prefix}${tsFlat(value)}${suffix}`;
  const isMultiKeyObject = (v) => isPlainObject(v) && Object.keys(v).length > 1;
  const forceBreak = Array.isArray(value) && value.length > 1 && value.every(isMultiKeyObject);
  const empty = Array.isArray(value)
    ? value.length === 0
    : isPlainObject(value) && Object.keys(value).length === 0;
  if (
    empty ||
    (!forceBreak && flat.length <= WIDTH) ||
    !(Array.isArray(value) || isPlainObject(value))
  ) {
    return [flat];
  }
  const inner = `${indent}  `;
  const body = Array.isArray(value)
    ? value.flatMap((item) => tsValue(item, inner, '', ','))
    : Object.entries(value).flatMap(([key, item]) => tsValue(item, inner, `${tsKey(key)}: `, ','));
  return [
    `${indent}${prefix}${Array.isArray(value) ? '[' : '{'}`,
    ...body,
    `${indent}${Array.isArray(value) ? ']' : '}'}${suffix}`,
  ];
}

function tsFlat(value) {
  if (Array.isArray(value)) return `[${value.map(tsFlat).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${tsKey(k)}: ${tsFlat(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return tsLiteral(value);
}

function tsKey(key) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : tsString(key);
}

/** Renders gateway/src/contracts/generated.ts. */
export function renderTypeScript(ordered, topology) {
  const blocks = [`// ${HEADER}\nimport { z } from 'zod';`];
  blocks.push(...ordered.map(tsSchema));
  const messages = ordered.filter((s) => s.messageType);
  if (messages.length > 0) {
    blocks.push(
      [
        '/** Message types: the AMQP `type` property and the routing key of each message. */',
        ...messages.map(
          (s) => `export const ${screamingSnake(s.title)}_TYPE = ${tsString(s.messageType)};`,
        ),
      ].join('\n'),
    );
  }
  blocks.push(
    [
      ...tsDocComment(
        '',
        'contracts/topology.json. Names are without the AMQP_NAMESPACE prefix: add it to every exchange and queue name, and to every x-dead-letter-exchange value, when declaring.',
      ),
      ...tsValue(topology, '', 'export const TOPOLOGY = ', ' as const;'),
    ].join('\n'),
  );
  return `${blocks.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Python (Pydantic 2), laid out the way ruff format (line-length 100) prints it
// ---------------------------------------------------------------------------------------------

const pyString = (value) => quote(value, '"');
const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);
// Public BaseModel attributes (pydantic 2): a field with one of these names would shadow it.
const BASEMODEL_ATTRIBUTES = new Set(
  'construct copy dict from_orm json parse_file parse_obj parse_raw schema schema_json update_forward_refs validate'.split(
    ' ',
  ),
);
const MODEL_CONFIG = [
  'extra="forbid"',
  'frozen=True',
  'validate_by_name=True',
  'validate_by_alias=True',
  'serialize_by_alias=True',
];

function pyLiteral(value) {
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return numberLiteral(value);
}

/** The annotation for a node, e.g. `UUID`, `Literal["a", "b"]`, `CountPrimesResult | None`. */
function pyType(node, imports) {
  let type;
  switch (node.kind) {
    case 'ref':
      type = node.title;
      break;
    case 'enum':
      imports.typing.add('Literal');
      type = `Literal[${node.values.map(pyString).join(', ')}]`;
      break;
    case 'const':
      imports.typing.add('Literal');
      type = `Literal[${pyLiteral(node.value)}]`;
      break;
    case 'boolean':
      type = 'bool';
      break;
    case 'integer':
      type = 'int';
      break;
    case 'number':
      type = 'float';
      break;
    case 'string':
      if (node.format === 'uuid') {
        imports.uuid.add('UUID');
        type = 'UUID';
      } else if (node.format === 'date-time') {
        // AwareDatetime rejects a date-time without an offset, as the JSON Schema format does.
        imports.pydantic.add('AwareDatetime');
        type = 'AwareDatetime';
      } else type = 'str';
      break;
    default:
      throw new Error(`unexpected node kind ${node.kind}`);
  }
  return node.nullable ? `${type} | None` : type;
}

/**
 * The Field(...) keyword arguments for a node's constraints. Numbers and booleans are strict:
 * Pydantic's lax mode would accept "5" or true for an integer, which the schema (and Zod) reject.
 */
function pyConstraints(node) {
  const args = [];
  if (node.kind === 'string') {
    if (node.minLength !== undefined) args.push(`min_length=${node.minLength}`);
    if (node.maxLength !== undefined) args.push(`max_length=${node.maxLength}`);
    if (node.pattern !== undefined) args.push(`pattern=${pyString(node.pattern)}`);
  }
  if (node.kind === 'integer' || node.kind === 'number') {
    if (node.minimum !== undefined) args.push(`ge=${numberLiteral(node.minimum)}`);
    if (node.maximum !== undefined) args.push(`le=${numberLiteral(node.maximum)}`);
  }
  if (['integer', 'number', 'boolean'].includes(node.kind)) args.push('strict=True');
  // JSON has no NaN or Infinity, but Pydantic's JSON parser accepts them for a float by default.
  if (node.kind === 'number') args.push('allow_inf_nan=False');
  return args;
}

/**
 * Lays out `prefix + name(args) + suffix` like ruff format: one line; else the arguments on one
 * indented line; else one argument per line with a trailing comma.
 */
function pyCall(indent, prefix, name, args, suffix = '') {
  const oneLine = `${indent}${prefix}${name}(${args.join(', ')})${suffix}`;
  if (oneLine.length <= WIDTH) return [oneLine];
  const inner = `${indent}    `;
  const hugged = `${inner}${args.join(', ')}`;
  if (hugged.length <= WIDTH) return [`${indent}${prefix}${name}(`, hugged, `${indent})${suffix}`];
  return [`${indent}${prefix}${name}(`, ...args.map((a) => `${inner}${a},`), `${indent})${suffix}`];
}

/**
 * Same as pyCall for a subscript such as `Literal[...]` (optionally followed by ` | None`), with
 * `suffix` after the closing bracket: ruff splits a too-long annotation at its brackets.
 */
function pySubscript(indent, prefix, type, suffix = '') {
  const oneLine = `${indent}${prefix}${type}${suffix}`;
  const match = type.match(/^(\w+)(?:\[(.*)\])?((?: \| None)?)$/);
  if (oneLine.length <= WIDTH || !match || !(match[2] || match[3])) return [oneLine];
  const [, name, list, nullable] = match;
  const inner = `${indent}    `;
  if (nullable) {
    // A union that does not fit is wrapped in parentheses, one operand per line.
    const base = type.slice(0, -nullable.length);
    const body =
      `${inner}${type}`.length <= WIDTH
        ? [`${inner}${type}`]
        : [...pySubscript(inner, '', base), `${inner}| None`];
    return [`${indent}${prefix}(`, ...body, `${indent})${suffix}`];
  }
  const items = splitTopLevel(list);
  const open = `${indent}${prefix}${name}[`;
  const close = `${indent}]${suffix}`;
  const hugged = `${inner}${items.join(', ')}`;
  if (hugged.length <= WIDTH) return [open, hugged, close];
  return [open, ...items.map((i) => `${inner}${i},`), close];
}

function pyComment(indent, text) {
  if (!text) return [];
  return wrap(text, WIDTH - indent.length - 2).map((line) => `${indent}# ${line}`.trimEnd());
}

function pyDocstring(indent, text) {
  if (!text) return [];
  const escaped = text.replaceAll('\\', '\\\\').replaceAll('"""', '\\"\\"\\"').replace(/"$/, '\\"');
  const lines = wrap(escaped, WIDTH - indent.length - 6);
  if (lines.length === 1) return [`${indent}"""${lines[0]}"""`];
  return [
    `${indent}"""${lines[0]}`,
    ...lines.slice(1).map((l) => `${indent}${l}`.trimEnd()),
    `${indent}"""`,
  ];
}

function pyFieldName(schema, name) {
  const snake = snakeCase(name);
  if (snake.startsWith('model_')) {
    throw new ContractError(
      `contracts/schemas/${schema.file} at /properties/${name}: Pydantic reserves names starting with "model_"`,
    );
  }
  // A trailing underscore keeps keywords and BaseModel attributes usable; the alias keeps the wire name.
  return PY_KEYWORDS.has(snake) || BASEMODEL_ATTRIBUTES.has(snake) ? `${snake}_` : snake;
}

function pyModel(schema, imports) {
  imports.pydantic.add('BaseModel').add('ConfigDict');
  const lines = [`class ${schema.title}(BaseModel):`];
  const docstring = pyDocstring('    ', schema.description);
  if (docstring.length > 0) lines.push(...docstring, '');
  lines.push(...pyCall('    ', 'model_config = ', 'ConfigDict', MODEL_CONFIG), '');
  const seen = new Map();
  for (const { name, node } of schema.node.properties) {
    const field = pyFieldName(schema, name);
    if (seen.has(field)) {
      throw new ContractError(
        `contracts/schemas/${schema.file}: "${name}" and "${seen.get(field)}" both become the Python field "${field}"`,
      );
    }
    seen.set(field, name);
    const args = [...(field === name ? [] : [`alias=${pyString(name)}`]), ...pyConstraints(node)];
    lines.push(...pyComment('    ', node.description));
    const type = pyType(node, imports);
    if (args.length === 0) {
      lines.push(...pySubscript('    ', `${field}: `, type));
    } else if (`    ${field}: ${type} = Field(`.length > WIDTH) {
      // Too long before the arguments even start: ruff splits the annotation instead.
      imports.pydantic.add('Field');
      lines.push(...pySubscript('    ', `${field}: `, type, ` = Field(${args.join(', ')})`));
    } else {
      imports.pydantic.add('Field');
      lines.push(...pyCall('    ', `${field}: ${type} = `, 'Field', args));
    }
  }
  return lines.join('\n');
}

function pyAlias(schema, imports) {
  const type = pyType(schema.node, imports);
  const args = pyConstraints(schema.node);
  const lines = pyComment('', schema.description);
  if (args.length === 0) {
    lines.push(...pySubscript('', `${schema.title} = `, type));
  } else {
    // Constraints on a named scalar travel with the type: Annotated[int, Field(ge=0, ...)].
    imports.typing.add('Annotated');
    imports.pydantic.add('Field');
    const [base, nullable] = type.endsWith(' | None') ? [type.slice(0, -7), ' | None'] : [type, ''];
    const annotated = `Annotated[${base}, Field(${args.join(', ')})]${nullable}`;
    lines.push(...pySubscript('', `${schema.title} = `, annotated));
  }
  return lines.join('\n');
}

/**
 * A plain JSON value as a Python literal, keys converted with `keyName`. Tuples (from arrays) are
 * always exploded with a trailing comma, which ruff keeps; dicts stay on one line when they fit.
 */
function pyValue(value, indent, prefix, suffix, keyName) {
  if (Array.isArray(value)) {
    const inner = `${indent}    `;
    return [
      `${indent}${prefix}(`,
      ...value.flatMap((item) => pyValue(item, inner, '', ',', keyName)),
      `${indent})${suffix}`,
    ];
  }
  if (isPlainObject(value)) {
    const flat = `${indent}${prefix}${pyFlat(value, keyName)}${suffix}`;
    if (flat.length <= WIDTH || Object.keys(value).length === 0) return [flat];
    const inner = `${indent}    `;
    return [
      `${indent}${prefix}{`,
      ...Object.entries(value).flatMap(([k, v]) =>
        pyValue(v, inner, `${pyString(keyName(k))}: `, ',', keyName),
      ),
      `${indent}}${suffix}`,
    ];
  }
  return [`${indent}${prefix}${pyLiteral(value)}${suffix}`];
}

function pyFlat(value, keyName) {
  if (Array.isArray(value))
    return `(${value.map((v) => pyFlat(v, keyName)).join(', ')}${value.length === 1 ? ',' : ''})`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyString(keyName(k))}: ${pyFlat(v, keyName)}`)
      .join(', ')}}`;
  }
  return pyLiteral(value);
}

/** The TypedDicts that give TOPOLOGY a precise type under mypy --strict. */
const PY_TOPOLOGY_TYPES = `class TopologyExchange(TypedDict):
    name: str
    type: Literal[${EXCHANGE_TYPES.map(pyString).join(', ')}]
    durable: bool


class TopologyQueue(TypedDict):
    name: str
    durable: bool
    arguments: dict[str, str | int]


class TopologyBinding(TypedDict):
    exchange: str
    queue: str
    routing_key: str


class Topology(TypedDict):
    exchanges: tuple[TopologyExchange, ...]
    queues: tuple[TopologyQueue, ...]
    bindings: tuple[TopologyBinding, ...]`;

/** Renders service/app/contracts/generated.py. */
export function renderPython(ordered, topology) {
  const imports = {
    typing: new Set(['Final', 'Literal', 'TypedDict']),
    uuid: new Set(),
    pydantic: new Set(),
  };
  const blocks = ordered.map((s) =>
    s.node.kind === 'object' ? pyModel(s, imports) : pyAlias(s, imports),
  );
  const messages = ordered.filter((s) => s.messageType);
  if (messages.length > 0) {
    blocks.push(
      [
        '# Message types: the AMQP `type` property and the routing key of each message.',
        ...messages.map(
          (s) => `${screamingSnake(s.title)}_TYPE: Final = ${pyString(s.messageType)}`,
        ),
      ].join('\n'),
    );
  }
  blocks.push(PY_TOPOLOGY_TYPES);
  // Only the keys of the topology's own objects become snake_case; AMQP argument names are data.
  const keyName = (key) => (key.startsWith('x-') ? key : snakeCase(key));
  blocks.push(
    [
      ...pyComment(
        '',
        'contracts/topology.json. Names are without the AMQP_NAMESPACE prefix: add it to every exchange and queue name, and to every x-dead-letter-exchange value, when declaring.',
      ),
      ...pyValue(topology, '', 'TOPOLOGY: Final[Topology] = ', '', keyName),
    ].join('\n'),
  );
  // isort's rule: two blank lines after the imports before a class, one before anything else.
  const firstStatement = blocks[0].split('\n').find((l) => !l.startsWith('#'));
  const gap = firstStatement.startsWith('class ') ? '\n\n\n' : '\n\n';
  return `${pyHeader()}\n${pyImports(imports)}${gap}${blocks.join('\n\n\n')}\n`;
}

function pyHeader() {
  // Too long for one Python line (ruff E501); split where it reads naturally.
  const [first, rest] = HEADER.split('; ');
  return `# ${first};\n# ${rest}`;
}

/** Import lines in isort order (stdlib modules alphabetically, then pydantic), unused ones left out. */
function pyImports(imports) {
  const line = (module, names) => `from ${module} import ${[...names].sort().join(', ')}`;
  const stdlib = [
    ['typing', imports.typing],
    ['uuid', imports.uuid],
  ]
    .filter(([, names]) => names.size > 0)
    .map(([module, names]) => line(module, names));
  const thirdParty = imports.pydantic.size > 0 ? [line('pydantic', imports.pydantic)] : [];
  return [stdlib.join('\n'), thirdParty.join('\n')].filter(Boolean).join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/** Everything the generator would write, as { relativePath: content }, from parsed inputs. */
export function buildOutputs({ schemas, topology }) {
  // Sorting here (not only when reading) makes the output independent of the input order.
  const parsed = [...schemas].sort((a, b) => (a.file < b.file ? -1 : 1)).map(parseSchemaFile);
  const ordered = resolveAndOrder(parsed);
  const topo = parseTopology(topology);
  return {
    [OUTPUT_FILES.ts]: renderTypeScript(ordered, topo),
    [OUTPUT_FILES.py]: renderPython(ordered, topo),
  };
}

/** Returns the relative paths whose content on disk differs from `outputs` (or that are missing). */
export function findDrift(root, outputs) {
  return Object.entries(outputs)
    .filter(([path, content]) => {
      const file = join(root, path);
      // Compare without carriage returns so a Windows checkout (autocrlf) does not count as drift.
      return !existsSync(file) || readFileSync(file, 'utf8').replaceAll('\r\n', '\n') !== content;
    })
    .map(([path]) => path);
}

function main(argv) {
  const args = argv.slice(2);
  if (args.some((a) => a !== '--check')) {
    console.error('usage: node contracts/generate.mjs [--check]');
    return 2;
  }
  const check = args.includes('--check');
  // The project root is this file's parent folder, wherever the command is run from.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  let outputs;
  try {
    outputs = buildOutputs(loadContracts(root));
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    console.error(`contracts: ${error.message}`);
    return 1;
  }
  const drift = findDrift(root, outputs);
  if (check) {
    if (drift.length === 0) {
      console.log('contracts: generated files are up to date');
      return 0;
    }
    console.error('contracts: generated files are out of date:');
    for (const path of drift) console.error(`  ${path}`);
    console.error('Run `npm run contracts:generate` and commit the result.');
    return 1;
  }
  for (const path of drift) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), outputs[path]);
    console.log(`contracts: wrote ${path}`);
  }
  if (drift.length === 0) console.log('contracts: generated files are up to date');
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv);
}
