/**
 * Every starter's docker-compose.yml, loaded offline as `docker compose config` would (Compose
 * specification schema, interpolation, depends_on and the other consistency checks; see
 * e2e/helpers/compose-check.ts). First the checker itself is shown to catch each kind of mistake, so a
 * clean result on the starters means something.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { availableTemplates } from '../generators/templates/load.js';
import { buildCli, runCli } from '../test/helpers/cli.js';
import { makeTmp, writeFixture } from '../test/helpers/tmp.js';
import { lintCompose } from './helpers/compose-check.js';

const tmp = makeTmp('cpb-e2e-compose-');
afterAll(() => tmp.cleanup());

/** Writes one compose file into its own directory (the directory names the project) and lints it. */
async function lint(name: string, yaml: string, env?: Record<string, string>, extra: Record<string, string> = {}): Promise<string[]> {
  const dir = path.join(tmp.dir, 'fixtures', name);
  writeFixture(dir, { 'compose.yml': yaml, ...extra });
  return lintCompose(path.join(dir, 'compose.yml'), env);
}

const db = 'services:\n  db:\n    image: postgres:17\n';

describe('the compose checker', () => {
  afterEach(() => vi.unstubAllEnvs());

  it.each([
    ['unknown-top-level-key', `${db}extras:\n  foo: bar\n`, /additional properties 'extras' not allowed/],
    ['unknown-service-key', `${db}  app:\n    image: nginx:1\n    dependson: [db]\n`, /services\.app\.dependson is not allowed/],
    ['ports-as-a-map', `${db}  app:\n    image: nginx:1\n    ports:\n      3000: 3000\n`, /services\.app\.ports/],
    ['unknown-dependency', `${db}  app:\n    image: nginx:1\n    depends_on: [cache]\n`, /service "app" depends on undefined service "cache"/],
    ['bad-condition', `${db}  app:\n    image: nginx:1\n    depends_on:\n      db:\n        condition: service_ready\n`, /depends_on\.db\.condition value must be one of/],
    ['wrong-type', `${db}  app:\n    image: nginx:1\n    restart: 3\n`, /services\.app\.restart must be a string/],
    ['required-variable', `${db}  app:\n    image: nginx:1\n    environment:\n      SECRET_KEY: \${SECRET_KEY:?set SECRET_KEY}\n`, /required variable SECRET_KEY is missing a value: set SECRET_KEY/],
    ['missing-build-context', `${db}  app:\n    build: ./app\n`, /services\.app\.build: context .*\/app does not exist/],
    ['obsolete-version', `version: '3.8'\n${db}`, /warning: .*the attribute `version` is obsolete/],
  ])('rejects %s', async (name, yaml, problem) => {
    const problems = await lint(name, yaml);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('accepts a valid file, interpolating only the variables it is given', async () => {
    const yaml = `${db}  app:
    build: .
    environment:
      SECRET_KEY: \${SECRET_KEY:?set SECRET_KEY}
      LOG_LEVEL: \${LOG_LEVEL:-info}
    ports: ['127.0.0.1:\${PORT:-3000}:3000']
    volumes: ['./init.sql:/init.sql:ro']
    depends_on:
      db:
        condition: service_healthy
`;
    const files = { Dockerfile: 'FROM scratch\n', 'init.sql': '' };
    expect(await lint('valid', yaml, { SECRET_KEY: 'x'.repeat(32) }, files)).toEqual([]);
    // The checker's own environment does not count: what a user must set is named even when CI has it.
    vi.stubEnv('SECRET_KEY', 'from-the-environment');
    expect(await lint('valid', yaml, {}, files)).toEqual([expect.stringMatching(/required variable SECRET_KEY/)]);
  });
});

describe('the starters', () => {
  beforeAll(async () => {
    await buildCli();
  }, 120_000);

  // Each starter alone, with each feature that adds a compose service (the cache's Redis, the otel
  // feature's Jaeger), and with both.
  const cases = availableTemplates().flatMap((id) => [
    { id, flags: [] as string[], name: `compose-${id}` },
    { id, flags: ['--cache', 'redis'], name: `compose-${id}-redis` },
    { id, flags: ['--observability', 'otel'], name: `compose-${id}-otel` },
    { id, flags: ['--cache', 'redis', '--observability', 'otel'], name: `compose-${id}-redis-otel` },
  ]);
  it.each(cases)('$name: docker-compose.yml is valid Compose', async ({ id, flags, name }) => {
    const r = await runCli([name, '--template', id, ...flags, '--no-install', '--no-git'], { cwd: tmp.dir, env: { CI: 'true' } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const file = path.join(tmp.dir, name, 'docker-compose.yml');
    const yaml = fs.readFileSync(file, 'utf8');
    if (flags.includes('redis')) expect(yaml).toMatch(/^ {2}redis:\n {4}image: redis:/m);
    if (flags.includes('otel')) {
      expect(yaml).toMatch(/^ {2}jaeger:\n {4}image: jaegertracing\/jaeger:/m);
      // Every service running a part exports to it; the hybrid's worker too.
      const exporting = [...yaml.matchAll(/OTEL_EXPORTER_OTLP_ENDPOINT: http:\/\/jaeger:4318/g)].length;
      expect(exporting).toBe(id === 'hybrid' ? 3 : 1);
    }
    // Variables the file insists on (${NAME:?...}) get a value, as a user's .env would give them.
    const required = [...yaml.matchAll(/\$\{(\w+):?\?/g)].map((m) => m[1]!);
    const env = Object.fromEntries(required.map((name) => [name, `${name.toLowerCase()}-`.padEnd(40, 'x')]));
    expect(await lintCompose(file, env)).toEqual([]);
    // Without them, compose refuses to start and says which one is missing.
    if (required.length) expect(await lintCompose(file)).toEqual([expect.stringMatching(/required variable \w+ is missing a value/)]);
  });
});
