/**
 * The hybrid starter as containers: the gateway image and the service image (which also runs the worker,
 * as docker-compose.yml does) built with podman on STAND-IN base images (Debian bookworm + this machine's
 * Node / Debian's Python 3.11, tagged with the real names; no Docker engine or registry here, see
 * e2e/helpers/containers.ts). Both databases are migrated from the images, the three containers run on
 * the host network against a private RabbitMQ node and the host PostgreSQL, and jobs go through the
 * whole flow. Each container must run as non-root and stop cleanly on SIGTERM.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from '../test/helpers/cli.js';
import { makeTmp } from '../test/helpers/tmp.js';
import { BASES, ENGINE, ContainerShell, LEAN_CHECKS, STANDIN, assertContainerTools, devDependenciesOf, ensureStandInBases, imageSize, waitForStatus } from './helpers/containers.js';
import { adminUrl, useTestDatabase } from './helpers/database.js';
import { freePort, run } from './helpers/process.js';
import { rabbitmqAvailable, startBroker, type Broker } from './helpers/rabbitmq.js';

const BASE_NOTE = ENGINE === 'docker' ? 'real base image' : 'STAND-IN base';
const tmp = makeTmp('cpb-e2e-hybrid-containers-');
const project = path.join(tmp.dir, 'hybrid-app');
const MB = 1024 * 1024;
const tags = { gateway: `localhost/cpb-e2e-hybrid-gateway-${process.pid}:test`, service: `localhost/cpb-e2e-hybrid-service-${process.pid}:test` };
const gatewayDb = useTestDatabase(`e2e_hyc_gateway_${process.pid}`);
const serviceDb = useTestDatabase(`e2e_hyc_service_${process.pid}`, 'postgresql+asyncpg:');
const SECRET_KEY = 'container-e2e-secret-key-0123456789abcdefghij';
let shell: ContainerShell | undefined;
let broker: Broker | undefined;
const containers: string[] = [];

beforeAll(async () => {
  assertContainerTools();
  expect(adminUrl, 'set E2E_DATABASE_URL (.ci/run starts PostgreSQL)').toBeTruthy();
  expect(rabbitmqAvailable(), 'needs rabbitmq-server and root (.ci/run installs it)').toBe(true);
  await buildCli();
  const bases = await ensureStandInBases();
  console.log(`stand-in bases: ${bases.built.length ? `built ${bases.built.join(', ')}` : 'cached'} in ${(bases.ms / 1000).toFixed(1)} s`);
  shell = new ContainerShell();
  broker = await startBroker();
}, 600_000);

afterAll(async () => {
  if (shell) {
    for (const c of containers) await shell.podman(['rm', '-f', '-t', '5', c], 60_000);
    for (const t of Object.values(tags)) await shell.podman(['rmi', '-f', t], 60_000);
    await shell.podman(['image', 'prune', '-f'], 60_000);
    await shell.close();
  }
  await broker?.stop();
  tmp.cleanup();
}, 180_000);

function sh(): ContainerShell {
  if (!shell) throw new Error('container shell not started (see beforeAll)');
  return shell;
}
const podmanOk = (args: string[], timeoutMs?: number) => sh().ok(args, timeoutMs);

const envArgs = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
const namespace = `hyc${process.pid}`;
const gatewayEnv = () => ({ DATABASE_URL: gatewayDb, AMQP_URL: broker!.url, AMQP_NAMESPACE: namespace, CORS_ORIGINS: '', LOG_LEVEL: 'info' });
const serviceEnv = () => ({ DATABASE_URL: serviceDb, AMQP_URL: broker!.url, AMQP_NAMESPACE: namespace, SECRET_KEY, CORS_ORIGINS: '' });

interface Running {
  name: string;
  url: string;
}
const running: Record<'gateway' | 'service' | 'worker', Running | undefined> = { gateway: undefined, service: undefined, worker: undefined };

async function logs(name: string): Promise<string> {
  const r = await sh().podman(['logs', name], 30_000);
  return (r.stdout + r.stderr).slice(-4000);
}

async function ready(part: Running): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const status = await waitForStatus(`${part.url}/readyz`, 60_000).catch(() => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${part.name} not ready (last status ${status}):\n${await logs(part.name)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe(`hybrid starter containers on ${ENGINE === 'docker' ? BASES : `STAND-IN bases (${STANDIN.node}, ${STANDIN.python}: Debian bookworm + this machine's runtimes, not the real images)`}`, () => {
  let built = false;

  it(`generates with the built CLI and builds the gateway and service images with ${ENGINE} (${BASE_NOTE})`, async () => {
    const r = await runCli(['hybrid-app', '--template', 'hybrid', '--no-git', '--no-install'], { cwd: tmp.dir, timeout: 120_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    // The gateway's Dockerfile runs `npm ci`: it needs the lockfile a first install writes.
    const lock = await run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: path.join(project, 'gateway'), timeout: 300_000 });
    expect(lock.exitCode, lock.all).toBe(0);
    for (const part of ['gateway', 'service'] as const) {
      await podmanOk(['build', '--isolation', 'chroot', '--network', 'host', '--pull=never', '--format', 'docker', '--layers', '-t', tags[part], path.join(project, part)], 420_000);
    }
    built = true;
  });

  it('migrates each part’s own database from its image (Prisma migrations, Alembic)', async () => {
    expect(built, 'images not built').toBe(true);
    containers.push(`cpb-hyc-migrate-${process.pid}`);
    await podmanOk(['run', '--rm', '--name', `cpb-hyc-migrate-${process.pid}`, '--init', '--network', 'host', ...envArgs(gatewayEnv()), tags.gateway, 'node', 'dist/db/migrate-cli.js'], 180_000);
    await podmanOk(['run', '--rm', '--name', `cpb-hyc-migrate-${process.pid}`, '--init', '--network', 'host', ...envArgs(serviceEnv()), tags.service, 'alembic', 'upgrade', 'head'], 180_000);
  });

  it('runs gateway, service API and worker as containers: ready, non-root, and jobs complete end to end', async () => {
    expect(built, 'images not built').toBe(true);
    const [gwPort, svcPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    const specs = [
      { part: 'gateway' as const, tag: tags.gateway, env: { ...gatewayEnv(), HOST: '127.0.0.1', PORT: String(gwPort) }, port: gwPort, cmd: [] as string[] },
      { part: 'service' as const, tag: tags.service, env: { ...serviceEnv(), HOST: '127.0.0.1', PORT: String(svcPort) }, port: svcPort, cmd: [] as string[] },
      { part: 'worker' as const, tag: tags.service, env: { ...serviceEnv(), HOST: '127.0.0.1', WORKER_HEALTH_PORT: String(workerPort), WORKER_PROCESSES: '2' }, port: workerPort, cmd: ['python', '-m', 'app.worker'] },
    ];
    for (const s of specs) {
      const name = `cpb-hyc-${s.part}-${process.pid}`;
      containers.push(name);
      await podmanOk(['run', '-d', '--name', name, '--init', '--network', 'host', ...envArgs(s.env), s.tag, ...s.cmd], 120_000);
      running[s.part] = { name, url: `http://127.0.0.1:${s.port}` };
    }
    const parts = Object.values(running) as Running[];
    await Promise.all(parts.map((p) => ready(p)));
    for (const p of parts) {
      const uid = (await podmanOk(['exec', p.name, 'id', '-u'], 30_000)).trim();
      expect(uid, `${p.name} runs as`).toMatch(/^[1-9]\d*$/);
    }
    // The images' own HEALTHCHECK (the worker's is set in docker-compose.yml, on its health port).
    for (const p of [running.gateway!, running.service!]) {
      const hc = await sh().healthcheckRun(p.name);
      expect(hc.exitCode, `${p.name} healthcheck: ${hc.stdout}${hc.stderr}`).toBe(0);
    }
    const smoke = await run('node', ['scripts/smoke.mjs', '--url', running.gateway!.url, '--jobs', '6', '--limit', '200000', '--timeout', '90'], { cwd: project });
    expect(smoke.exitCode, `${smoke.all}\n${await logs(running.worker!.name)}`).toBe(0);
    expect(smoke.all).toMatch(/all 6 jobs succeeded/);
    // A result worth checking: 25 primes up to 100, the largest 97.
    const res = await fetch(`${running.gateway!.url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"kind":"count-primes","input":{"limit":100}}' });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    let job: { status: string; result: unknown } = { status: 'queued', result: null };
    for (const until = Date.now() + 30_000; job.status === 'queued' && Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      job = (await (await fetch(`${running.gateway!.url}/jobs/${id}`)).json()) as typeof job;
    }
    expect(job).toMatchObject({ status: 'succeeded', result: { count: 25, largest: 97 } });
  });

  it('stops every container on SIGTERM with exit code 0 within its grace period', async () => {
    const parts = Object.values(running).filter((p): p is Running => Boolean(p));
    expect(parts.length, 'containers not started').toBe(3);
    for (const p of parts) {
      const t0 = Date.now();
      await podmanOk(['stop', '-t', '30', p.name], 60_000);
      const ms = Date.now() - t0;
      const state = JSON.parse(await podmanOk(['inspect', '--format', '{{json .State}}', p.name], 30_000)) as { ExitCode: number; Running: boolean };
      expect(state.Running).toBe(false);
      expect(state.ExitCode, `${p.name} exit code after SIGTERM\n${await logs(p.name)}`).toBe(0);
      expect(ms, `${p.name} stopped by SIGTERM, not by SIGKILL after the grace period`).toBeLessThan(30_000);
    }
  });

  it(`ships lean runtime images: no dev dependencies, .env or other secret files, no build tools (${BASE_NOTE})`, async () => {
    expect(built, 'images not built').toBe(true);
    for (const [tag, checks] of [[tags.gateway, LEAN_CHECKS.node(devDependenciesOf(path.join(project, 'gateway')))], [tags.service, LEAN_CHECKS.python]] as const) {
      const lean = await podmanOk(['run', '--rm', '--user', '0', '--network', 'host', '--entrypoint', 'sh', tag, '-c', `${checks} true`], 60_000);
      expect(lean.trim().split('\n').filter(Boolean), tag).toEqual([]);
    }
  });

  it(`keeps each part’s app layers within its starter’s budget (gateway 60 MB, service 80 MB over the ${BASE_NOTE})`, async () => {
    expect(built, 'images not built').toBe(true);
    const rows = [];
    for (const [part, tag, base, limitMB] of [['gateway', tags.gateway, STANDIN.node, 60], ['service', tags.service, STANDIN.python, 80]] as const) {
      const overMB = ((await imageSize(sh(), tag)) - (await imageSize(sh(), base))) / MB;
      rows.push({ part, base: `${base} (STAND-IN)`, overBaseMB: +overMB.toFixed(1), limitMB });
    }
    console.table(rows);
    for (const r of rows) expect(r.overBaseMB, `${r.part} app layers`).toBeLessThanOrEqual(r.limitMB);
  });
});
