import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as contracts from '../src/contracts/generated.js';

// The examples the service's tests read too: both languages must agree on every one of them.
const EXAMPLES = fileURLToPath(new URL('../../contracts/examples/', import.meta.url));

/** `job-finished-v1.failed.json` -> `JobFinishedV1`: the schema its first dotted segment names. */
function schemaFor(file: string): z.ZodType {
  const name = file
    .split('.')[0]!
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  const schema = (contracts as Record<string, unknown>)[name];
  if (!schema || typeof schema !== 'object' || !('safeParse' in schema)) {
    throw new Error(`${file}: no generated schema named ${name}`);
  }
  return schema as z.ZodType;
}

function examples(kind: 'valid' | 'invalid'): [string, z.ZodType, unknown][] {
  const files = readdirSync(`${EXAMPLES}${kind}`).filter((file) => file.endsWith('.json'));
  return files.map((file) => [
    file,
    schemaFor(file),
    JSON.parse(readFileSync(`${EXAMPLES}${kind}/${file}`, 'utf8')),
  ]);
}

describe('contracts/examples against the generated Zod schemas', () => {
  const valid = examples('valid');
  const invalid = examples('invalid');

  it('has examples of both kinds', () => {
    expect(valid.length).toBeGreaterThan(0);
    expect(invalid.length).toBeGreaterThan(0);
  });

  it.each(valid)('accepts valid/%s', (_file, schema, data) => {
    const result = schema.safeParse(data);
    expect(result.error?.issues).toBeUndefined();
  });

  it.each(invalid)('rejects invalid/%s', (_file, schema, data) => {
    expect(schema.safeParse(data).success).toBe(false);
  });
});
