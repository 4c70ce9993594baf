// Tests for contracts/generate.mjs. Zero installs: `npm test` (node --test) from the project root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ContractError, OUTPUT_FILES, buildOutputs, loadContracts } from './generate.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const temps = [];
after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Runs the generator of the project at `root` (a copy's own script, so it works on the copy). */
function run(root, ...args) {
  const result = spawnSync(process.execPath, [join(root, 'contracts', 'generate.mjs'), ...args], {
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A throwaway copy of contracts/ and the generated files, safe to edit. */
function copyProject() {
  const dir = mkdtempSync(join(tmpdir(), 'contracts-test-'));
  temps.push(dir);
  cpSync(join(ROOT, 'contracts'), join(dir, 'contracts'), { recursive: true });
  for (const path of Object.values(OUTPUT_FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    cpSync(join(ROOT, path), join(dir, path));
  }
  return dir;
}

function editSchema(root, file, edit) {
  const path = join(root, 'contracts', 'schemas', file);
  const schema = JSON.parse(readFileSync(path, 'utf8'));
  edit(schema);
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
}

describe('--check', () => {
  test('passes on the committed generated files', () => {
    const { code, stdout, stderr } = run(ROOT, '--check');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /up to date/);
  });

  test('fails and names the drifted files after a schema edit, until they are regenerated', () => {
    const root = copyProject();
    editSchema(root, 'count-primes-input.schema.json', (schema) => {
      schema.properties.limit.maximum = 1000;
    });

    const check = run(root, '--check');
    assert.equal(check.code, 1);
    assert.match(check.stderr, /gateway\/src\/contracts\/generated\.ts/);
    assert.match(check.stderr, /service\/app\/contracts\/generated\.py/);
    assert.match(check.stderr, /npm run contracts:generate/);

    assert.equal(run(root).code, 0);
    assert.match(
      readFileSync(join(root, OUTPUT_FILES.ts), 'utf8'),
      /limit: z\.int\(\)\.min\(2\)\.max\(1000\),/,
    );
    assert.match(
      readFileSync(join(root, OUTPUT_FILES.py), 'utf8'),
      /limit: int = Field\(ge=2, le=1000/,
    );
    assert.equal(run(root, '--check').code, 0);
  });

  test('fails when a generated file was edited by hand', () => {
    const root = copyProject();
    writeFileSync(join(root, OUTPUT_FILES.py), '# edited\n', { flag: 'a' });
    const check = run(root, '--check');
    assert.equal(check.code, 1);
    assert.match(check.stderr, /service\/app\/contracts\/generated\.py/);
    assert.doesNotMatch(check.stderr, /generated\.ts/);
  });
});

describe('unsupported schemas', () => {
  test('an unsupported keyword fails with the schema file and the keyword, and writes nothing', () => {
    const root = copyProject();
    editSchema(root, 'count-primes-input.schema.json', (schema) => {
      schema.properties.limit.multipleOf = 2;
    });
    const before = readFileSync(join(root, OUTPUT_FILES.ts), 'utf8');

    for (const args of [[], ['--check']]) {
      const { code, stderr } = run(root, ...args);
      assert.equal(code, 1);
      assert.match(stderr, /contracts\/schemas\/count-primes-input\.schema\.json/);
      assert.match(stderr, /"multipleOf"/);
    }
    assert.equal(readFileSync(join(root, OUTPUT_FILES.ts), 'utf8'), before);
  });

  // Each case edits the valid JobRequestedV1 schema into something the generator must refuse.
  const cases = [
    ['a keyword on the root', (s) => (s.if = {}), /"if"/],
    [
      'a string format it cannot check',
      (s) => (s.properties.jobId.format = 'email'),
      /format "email"/,
    ],
    [
      'an inline object',
      (s) => (s.properties.input = { type: 'object', properties: {} }),
      /inline objects/,
    ],
    ['an optional property', (s) => s.required.pop(), /requestedAt.*"required"/],
    [
      'additionalProperties left open',
      (s) => delete s.additionalProperties,
      /additionalProperties/,
    ],
    [
      'a $ref to a missing file',
      (s) => (s.properties.kind.$ref = 'nope.schema.json'),
      /nope\.schema\.json/,
    ],
    [
      'a $ref with a fragment',
      (s) => (s.properties.kind.$ref = 'job-kind.schema.json#/x'),
      /\$ref/,
    ],
    [
      'an anyOf that is not "X or null"',
      (s) => (s.properties.kind = { anyOf: [{ type: 'string' }, { type: 'integer' }] }),
      /anyOf/,
    ],
    ['a snake_case property', (s) => (s.properties.job_id = { type: 'string' }), /camelCase/],
    [
      'a $schema other than 2020-12',
      (s) => (s.$schema = 'http://json-schema.org/draft-07/schema#'),
      /2020-12/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    test(`rejects ${name}`, () => {
      const contracts = loadContracts(ROOT);
      const target = contracts.schemas.find((s) => s.file === 'job-requested-v1.schema.json');
      edit(target.json);
      assert.throws(
        () => buildOutputs(contracts),
        (error) =>
          error instanceof ContractError &&
          error.message.includes('contracts/schemas/job-requested-v1.schema.json') &&
          message.test(error.message),
      );
    });
  }

  test('rejects a topology binding to an undeclared queue', () => {
    const contracts = loadContracts(ROOT);
    contracts.topology.bindings[0].queue = 'jobs.nope';
    assert.throws(() => buildOutputs(contracts), /contracts\/topology\.json.*jobs\.nope/);
  });
});

describe('output', () => {
  test('is deterministic and independent of the order the schemas are read in', () => {
    const contracts = loadContracts(ROOT);
    const first = buildOutputs(contracts);
    const second = buildOutputs(loadContracts(ROOT));
    const reversed = buildOutputs({ ...contracts, schemas: [...contracts.schemas].reverse() });
    assert.deepEqual(second, first);
    assert.deepEqual(reversed, first);
  });

  test('starts with the do-not-edit header and defines every model before it is used', () => {
    const outputs = buildOutputs(loadContracts(ROOT));
    const ts = outputs[OUTPUT_FILES.ts];
    const py = outputs[OUTPUT_FILES.py];
    assert.match(
      ts,
      /^\/\/ Generated from contracts\/schemas by contracts\/generate\.mjs — do not edit;/,
    );
    assert.match(
      py,
      /^# Generated from contracts\/schemas by contracts\/generate\.mjs — do not edit;/,
    );
    // CountPrimesInput is used by JobRequestedV1, so it must come first in both languages.
    assert.ok(
      ts.indexOf('export const CountPrimesInput') < ts.indexOf('export const JobRequestedV1'),
    );
    assert.ok(py.indexOf('class CountPrimesInput') < py.indexOf('class JobRequestedV1'));
  });
});
