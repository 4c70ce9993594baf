/**
 * The redis feature for real, against a private redis-server on 127.0.0.1 (helpers/redis.ts):
 * - express generated with `--cache redis`: installed, linted, type-checked, tested against the Redis,
 *   built, served: a read is cached under its key, a write invalidates it, the API answers while Redis
 *   is down (/readyz degraded, still 200) and caches again once Redis is back;
 * - fastapi generated without it, edited, then `add redis` inside the project: the edit is kept, the
 *   lock still honoured, ruff, mypy and pytest (against the Redis) pass, and it serves the same way;
 *   `remove redis` takes the feature out again and every check still passes;
 * - the hybrid with `--cache redis`: both parts' checks pass against the Redis.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from '../test/helpers/cli.js';
import { makeTmp } from '../test/helpers/tmp.js';
import { freePort, run, startServer, stopServer, waitForHttp } from './helpers/process.js';
import { redisAvailable, startRedis, type RedisServer } from './helpers/redis.js';

const tmp = makeTmp('cpb-e2e-cache-');
// Offline here: no Prisma engine download, no Python builds; CI semantics.
const baseEnv = { PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', UV_PYTHON_DOWNLOADS: 'never', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' };
const PREFIX = 'e2e-cache:';
let redis: RedisServer | undefined;

beforeAll(async () => {
  await buildCli();
  if (redisAvailable()) redis = await startRedis();
}, 180_000);
afterAll(async () => {
  await redis?.dispose();
  tmp.cleanup();
});

const server = () => {
  if (!redis) throw new Error('redis-server is not installed (.ci/run installs it)');
  return redis;
};
const cacheEnv = () => ({ REDIS_URL: server().url, CACHE_KEY_PREFIX: PREFIX });

async function expectPasses(cwd: string, cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = await run(cmd, args, { cwd, env: { ...baseEnv, ...env }, timeout: 600_000 });
  expect(r.exitCode, `${cmd} ${args.join(' ')}\n${r.all}`).toBe(0);
  expect(r.leftovers, 'processes left running').toEqual([]);
}

interface Readiness {
  status: string;
  checks?: Record<string, string>;
}

/** Polls /readyz until its cache check reads `state` (a reconnect may take a few seconds). */
async function cacheState(base: string, state: string): Promise<Readiness> {
  const deadline = Date.now() + 120_000;
  let last: Readiness | undefined;
  while (Date.now() < deadline) {
    const r = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(30_000) });
    last = (await r.json()) as Readiness;
    expect(r.status, JSON.stringify(last)).toBe(200);
    if (last.checks?.['cache'] === state) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`/readyz never reported cache ${state}: ${JSON.stringify(last)}`);
}

/** What the feature promises, through a running server against the real Redis. */
async function exerciseCache(base: string) {
  const redisNow = server();
  expect(await cacheState(base, 'ok')).toEqual({ status: 'ok', checks: expect.objectContaining({ database: 'ok', cache: 'ok' }) });
  const json = { 'content-type': 'application/json' };
  const created = await fetch(`${base}/users`, { method: 'POST', headers: json, body: JSON.stringify({ email: `ada-${Date.now()}@example.com`, name: 'Ada' }) });
  expect(created.status).toBe(201);
  const user = (await created.json()) as { id: string; name: string };
  const key = `${PREFIX}users:${user.id}`;
  expect(redisNow.cli(['EXISTS', key])).toBe('0');

  const first = await fetch(`${base}/users/${user.id}`);
  expect(first.status).toBe(200);
  const body = (await first.json()) as { id: string; name: string };
  expect(JSON.parse(redisNow.cli(['GET', key]))).toEqual(body);
  const ttl = Number(redisNow.cli(['TTL', key]));
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(60);
  // A hit answers from Redis: change the cached copy and the API serves it.
  redisNow.cli(['SET', key, JSON.stringify({ ...body, name: 'From Redis' }), 'EX', '60']);
  expect(((await (await fetch(`${base}/users/${user.id}`)).json()) as { name: string }).name).toBe('From Redis');

  const patched = await fetch(`${base}/users/${user.id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ name: 'Ada King' }) });
  expect(patched.status).toBe(200);
  expect(redisNow.cli(['EXISTS', key])).toBe('0');
  expect(((await (await fetch(`${base}/users/${user.id}`)).json()) as { name: string }).name).toBe('Ada King');

  // Redis down: the API answers from the database, /readyz stays 200 and says degraded.
  await redisNow.stop();
  try {
    const started = Date.now();
    const down = await fetch(`${base}/users/${user.id}`, { signal: AbortSignal.timeout(60_000) });
    expect(down.status).toBe(200);
    expect(((await down.json()) as { name: string }).name).toBe('Ada King');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await cacheState(base, 'unavailable')).toEqual({ status: 'degraded', checks: expect.objectContaining({ database: 'ok', cache: 'unavailable' }) });
    const writeWhileDown = await fetch(`${base}/users/${user.id}`, { method: 'PATCH', headers: json, body: JSON.stringify({ name: 'Ada, Countess' }) });
    expect(writeWhileDown.status).toBe(200);
  } finally {
    await redisNow.start();
  }
  // Back: it reconnects by itself and caches again.
  await cacheState(base, 'ok');
  const again = await fetch(`${base}/users/${user.id}`);
  expect(((await again.json()) as { name: string }).name).toBe('Ada, Countess');
  expect(JSON.parse(redisNow.cli(['GET', key])).name).toBe('Ada, Countess');
}

/** Starts the built app against the Redis, runs exerciseCache through it, and stops it (exit 0). */
async function serveAndExercise(cwd: string, cmd: string, args: string[], env: Record<string, string>) {
  const port = await freePort();
  const app = startServer(cmd, args, { cwd, env: { ...baseEnv, ...cacheEnv(), ...env, HOST: '127.0.0.1', PORT: String(port) } });
  try {
    expect((await waitForHttp(`http://127.0.0.1:${port}/healthz`)).status, app.output()).toBe(200);
    await exerciseCache(`http://127.0.0.1:${port}`);
  } finally {
    const stopped = await stopServer(app);
    expect(stopped, app.output()).toEqual({ exitCode: 0, signal: undefined, timedOut: false });
  }
}

describe.runIf(redisAvailable())('the redis feature end to end', () => {
  describe('express --cache redis', () => {
    const project = path.join(tmp.dir, 'cached-api');

    it('generates and installs without a terminal', async () => {
      const r = await runCli(['cached-api', '--template', 'express', '--cache', 'redis', '--pm', 'npm', '--no-git', '--json'], { cwd: tmp.dir, env: baseEnv, timeout: 600_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(fs.readFileSync(path.join(project, '.polyglot', 'manifest.json'), 'utf8')).answers.cache).toBe('redis');
      expect(fs.existsSync(path.join(project, 'node_modules', 'redis'))).toBe(true);
    });

    it.each(['lint', 'typecheck', 'format:check', 'test', 'build'])('npm run %s passes (tests against the Redis)', async (script) => {
      await expectPasses(project, 'npm', ['run', script], cacheEnv());
    });

    it('the tests ran the Redis suites, not only the Redis-down ones', async () => {
      const r = await run('npx', ['vitest', 'run', 'test/cache.test.ts', '--reporter', 'verbose'], { cwd: project, env: { ...baseEnv, ...cacheEnv() } });
      expect(r.exitCode, r.all).toBe(0);
      expect(r.all).toMatch(/invalidates on PATCH/);
      expect(r.all).not.toMatch(/skipped/);
    });

    it('serves through the cache, and without Redis while it is down', async () => {
      await serveAndExercise(project, 'node', ['dist/server.js'], { NODE_ENV: 'production', PGLITE_DATA_DIR: path.join(tmp.dir, 'pgdata-cache') });
    });
  });

  describe('fastapi, then add redis, then remove redis', () => {
    const project = path.join(tmp.dir, 'ledger');
    const uv = (args: string[], env: Record<string, string> = {}) => expectPasses(project, 'uv', args, env);
    const read = (f: string) => fs.readFileSync(path.join(project, f), 'utf8');
    const checks = async () => {
      await uv(['sync', '--locked']);
      await uv(['run', 'ruff', 'check', '.']);
      await uv(['run', 'ruff', 'format', '--check', '.']);
      await uv(['run', 'mypy', '.']);
      await uv(['run', 'pytest'], cacheEnv());
    };

    it('generates without a cache, and the user edits it', async () => {
      const r = await runCli(['ledger', '--template', 'fastapi', '--no-git', '--json'], { cwd: tmp.dir, env: baseEnv, timeout: 600_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(fs.existsSync(path.join(project, 'app', 'cache'))).toBe(false);
      fs.appendFileSync(path.join(project, 'README.md'), '\n## Our runbook\n\nPage the ledger team.\n');
      fs.writeFileSync(path.join(project, 'app', 'features.py'), read('app/features.py').replace('"""Registry', '"""Our registry'));
    });

    it('add redis: installs, keeps the edits, and every check passes against the Redis', async () => {
      const r = await runCli(['add', 'redis', '--json'], { cwd: project, env: baseEnv, timeout: 600_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(read('README.md')).toContain('## Our runbook');
      expect(read('README.md')).toContain('## Cache (Redis)');
      expect(read('app/features.py')).toMatch(/^"""Our registry/);
      expect(read('app/features.py')).toMatch(/^from app\.cache\.feature import CACHE$/m);
      expect(read('pyproject.toml')).toMatch(/"redis>=/);
      await checks();
      const tests = await run('uv', ['run', 'pytest', 'tests/cache', '-v', '--no-cov'], { cwd: project, env: { ...baseEnv, ...cacheEnv() } });
      expect(tests.exitCode, tests.all).toBe(0);
      expect(tests.all).not.toMatch(/SKIPPED/);
    });

    it('serves through the cache, and without Redis while it is down', async () => {
      await uv(['run', 'alembic', 'upgrade', 'head']);
      await serveAndExercise(project, path.join(project, '.venv', 'bin', 'python'), ['-m', 'app'], {});
    });

    it('remove redis: the feature goes, the edits stay, every check passes', async () => {
      const r = await runCli(['remove', 'redis', '--json'], { cwd: project, env: baseEnv, timeout: 600_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(fs.existsSync(path.join(project, 'app', 'cache'))).toBe(false);
      expect(read('app/features.py')).not.toMatch(/CACHE/);
      expect(read('app/features.py')).toMatch(/^"""Our registry/);
      expect(read('README.md')).toContain('## Our runbook');
      expect(read('README.md')).not.toContain('## Cache (Redis)');
      expect(read('uv.lock')).not.toMatch(/^name = "redis"$/m);
      await checks();
    });
  });

  describe('hybrid --cache redis', () => {
    const project = path.join(tmp.dir, 'pipeline');

    it('generates and installs both parts', async () => {
      const r = await runCli(['pipeline', '--template', 'hybrid', '--cache', 'redis', '--no-git', '--json'], { cwd: tmp.dir, env: baseEnv, timeout: 900_000 });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(fs.existsSync(path.join(project, 'gateway', 'src', 'cache'))).toBe(true);
      expect(fs.existsSync(path.join(project, 'service', 'app', 'cache'))).toBe(true);
    });

    it.each(['lint', 'typecheck', 'format:check', 'test'])('gateway: npm run %s passes', async (script) => {
      await expectPasses(path.join(project, 'gateway'), 'npm', ['run', script], cacheEnv());
    });

    it.each([
      ['ruff check', ['run', 'ruff', 'check', '.']],
      ['ruff format --check', ['run', 'ruff', 'format', '--check', '.']],
      ['mypy', ['run', 'mypy', '.']],
      ['pytest', ['run', 'pytest']],
    ])('service: %s passes', async (_name, args) => {
      await expectPasses(path.join(project, 'service'), 'uv', args, cacheEnv());
    });
  });
});

describe('redis-server for the tests above', () => {
  it('is installed (.ci/run installs it)', () => expect(redisAvailable()).toBe(true));
});
