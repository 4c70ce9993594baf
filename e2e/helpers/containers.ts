/**
 * Container e2e support for a machine WITHOUT a Docker engine (see /work/shared/env-recipes.md, "Container
 * images without a Docker engine"). Real base images cannot be pulled here, so this builds STAND-IN bases
 * and tags them with the names the starters' Dockerfiles use:
 *   - docker.io/library/node:24-bookworm-slim  = STAND-IN: Debian bookworm minbase + THIS machine's node/npm
 *   - docker.io/library/python:3.13-slim       = STAND-IN: Debian bookworm minbase + Debian's Python 3.11
 *   - ghcr.io/astral-sh/uv:0.13.9              = STAND-IN: only /uv and /uvx, from the machine's uv install
 * They are NOT the real images: sizes, Node/Python versions and package sets differ.
 *
 * Bases are built once and cached across test files and runs in /var/tmp/cpb-container-cache/<version>
 * (podman graphroot with overlay storage, selected by CONTAINERS_STORAGE_CONF). All podman calls run inside
 * ONE `unshare -m --propagation private` shell (cgroup v1 "unified" unmounted there) with the crun wrapper in
 * ../shared/tools/crun; every call is bounded by `timeout`.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../test/helpers/cli.js';

/** Bump to rebuild the cached stand-in bases. The machine's Node version is part of the key too. */
export const STANDIN_CACHE_VERSION = `v2-node${process.versions.node}`;
export const CACHE_DIR = path.join('/var/tmp/cpb-container-cache', STANDIN_CACHE_VERSION);
export const CRUN = path.resolve(REPO_ROOT, '..', 'shared', 'tools', 'crun');

export const STANDIN = {
  node: 'docker.io/library/node:24-bookworm-slim',
  python: 'docker.io/library/python:3.13-slim',
  uv: 'ghcr.io/astral-sh/uv:0.13.9',
} as const;

const STORAGE_CONF = path.join(CACHE_DIR, 'storage.conf');
const LOCK_DIR = path.join(CACHE_DIR, '.lock');

export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Which engine builds and runs the images. With a Docker engine running (`docker info` answers), the same
 * tests use `docker` and the REAL base images (pulled by the build); without one (these machines),
 * podman on the stand-in bases. CPB_CONTAINER_ENGINE=podman|docker forces one. The docker path is not
 * exercised on these machines (no engine); it translates the few podman-only flags the tests use.
 */
export const ENGINE: 'podman' | 'docker' = (() => {
  const forced = process.env['CPB_CONTAINER_ENGINE'];
  if (forced === 'podman' || forced === 'docker') return forced;
  try {
    execFileSync('timeout', ['10', 'docker', 'info'], { stdio: 'ignore' });
    return 'docker';
  } catch {
    return 'podman';
  }
})();
/** For test names: what the images are built on. */
export const BASES = ENGINE === 'docker' ? 'the real base images (Docker engine)' : 'STAND-IN base images (podman, no Docker engine)';

/** podman-only flags -> docker: chroot isolation, image format and layer caching are podman's. */
function forDocker(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (args[0] === 'build' && (a === '--isolation' || a === '--format')) i++;
    else if (args[0] === 'build' && (a === '--layers' || a === '--pull=never')) continue;
    else if (args[0] === 'rm' && a === '-t') i++;
    else out.push(a);
  }
  return out;
}

/** Missing tools make the test FAIL (not skip), naming what to install. */
export function assertContainerTools(): void {
  if (ENGINE === 'docker') return;
  const missing = ['podman', 'buildah', 'debootstrap', 'unshare', 'timeout'].filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) throw new Error(`container e2e needs ${missing.join(', ')}: apt-get install -y podman buildah debootstrap (.ci/run does it)`);
  if (!fs.existsSync('/usr/bin/crun')) throw new Error('container e2e needs crun (apt-get install -y crun; the wrapper execs /usr/bin/crun)');
  if (!fs.existsSync(CRUN)) throw new Error(`container e2e needs the crun wrapper at ${CRUN} (see env-recipes.md)`);
  if (process.getuid?.() !== 0) throw new Error('container e2e needs root (unshare -m, debootstrap)');
}

function storageEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_STORAGE_CONF: STORAGE_CONF };
}

function writeStorageConf(): void {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const conf = [
    '[storage]',
    'driver = "overlay"',
    `graphroot = "${path.join(CACHE_DIR, 'graph')}"`,
    // Per-boot state in /run (tmpfs), image layers in the persistent cache.
    `runroot = "/run/cpb-container-${STANDIN_CACHE_VERSION}"`,
    '',
  ].join('\n');
  if (!fs.existsSync(STORAGE_CONF) || fs.readFileSync(STORAGE_CONF, 'utf8') !== conf) fs.writeFileSync(STORAGE_CONF, conf);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * One long-lived `unshare -m --propagation private` bash; commands are sent on stdin and each one's output
 * goes to files, its exit status is reported on stdout. Every command is wrapped in `timeout -k 5`.
 */
export class ContainerShell {
  private proc: ChildProcessWithoutNullStreams;
  private buf = '';
  private seq = 0;
  private waiters = new Map<number, (code: number) => void>();
  private dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpb-podman-shell-'));
  private exited = false;

  constructor() {
    const shell = ENGINE === 'docker' ? ['bash', '--noprofile', '--norc'] : ['unshare', '-m', '--propagation', 'private', 'bash', '--noprofile', '--norc'];
    this.proc = spawn(shell[0]!, shell.slice(1), {
      env: storageEnv(),
      stdio: 'pipe',
    });
    this.proc.stdout.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let m: RegExpExecArray | null;
      const re = /__CPB_DONE__ (\d+) (\d+)\n/g;
      let consumed = 0;
      while ((m = re.exec(this.buf))) {
        this.waiters.get(Number(m[1]))?.(Number(m[2]));
        this.waiters.delete(Number(m[1]));
        consumed = re.lastIndex;
      }
      this.buf = this.buf.slice(consumed);
    });
    this.proc.stderr.on('data', () => {});
    this.proc.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters.values()) w(255);
      this.waiters.clear();
    });
    // Inside the private mount namespace only: the sandbox's cgroup v1 "unified" mount breaks crun.
    this.proc.stdin.write('umount -l /sys/fs/cgroup/unified 2>/dev/null || true\n');
  }

  /** Runs `script` (a bash snippet) in the shared namespace, killed after timeoutMs. */
  async sh(script: string, timeoutMs = 120_000): Promise<ShellResult> {
    if (this.exited) throw new Error('podman shell has exited');
    const id = ++this.seq;
    const f = path.join(this.dir, String(id));
    fs.writeFileSync(`${f}.sh`, script);
    const secs = Math.ceil(timeoutMs / 1000);
    const done = new Promise<number>((resolve) => this.waiters.set(id, resolve));
    this.proc.stdin.write(`timeout -k 5 ${secs} bash ${q(`${f}.sh`)} </dev/null >${q(`${f}.out`)} 2>${q(`${f}.err`)}; echo "__CPB_DONE__ ${id} $?"\n`);
    const exitCode = await done;
    const read = (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '');
    return { exitCode, stdout: read(`${f}.out`), stderr: read(`${f}.err`) };
  }

  /** `podman --runtime <crun wrapper> args...` (or `docker args...` on a Docker engine), arguments quoted. */
  podman(args: string[], timeoutMs = 120_000): Promise<ShellResult> {
    if (ENGINE === 'docker') return this.sh(`exec docker ${forDocker(args).map(q).join(' ')}`, timeoutMs);
    return this.sh(`exec podman --runtime ${q(CRUN)} ${args.map(q).join(' ')}`, timeoutMs);
  }

  /** podman(args), failing with the command and its output unless it exits 0; returns stdout. */
  async ok(args: string[], timeoutMs = 120_000): Promise<string> {
    const r = await this.podman(args, timeoutMs);
    if (r.exitCode !== 0) throw new Error(`${ENGINE} ${args.join(' ')} exited ${r.exitCode}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  }

  /** Runs the container's HEALTHCHECK now: `podman healthcheck run`; Docker has no such command, so exec its CMD. */
  async healthcheckRun(name: string, timeoutMs = 30_000): Promise<ShellResult> {
    if (ENGINE === 'podman') return this.podman(['healthcheck', 'run', name], timeoutMs);
    const hc = await this.podman(['inspect', '--format', '{{json .Config.Healthcheck}}', name], timeoutMs);
    const test = (JSON.parse(hc.stdout || 'null') as { Test?: string[] } | null)?.Test ?? [];
    if (test[0] === 'CMD') return this.podman(['exec', name, ...test.slice(1)], timeoutMs);
    if (test[0] === 'CMD-SHELL') return this.podman(['exec', name, 'sh', '-c', test[1] ?? 'false'], timeoutMs);
    return { exitCode: 1, stdout: '', stderr: `no HEALTHCHECK on ${name}` };
  }

  async close(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
      this.proc.stdin.end('exit 0\n');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The Debian mirror apt uses (first bookworm main entry in /etc/apt/sources.list*). */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list', ...(fs.existsSync('/etc/apt/sources.list.d') ? fs.readdirSync('/etc/apt/sources.list.d').map((f) => `/etc/apt/sources.list.d/${f}`) : [])];
  for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && fs.existsSync(f))) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const uris = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
        const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1] ?? '';
        if (uris && /(^|\s)bookworm(\s|$)/.test(suites)) return uris;
      }
    } else {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
      if (m?.[1]) return m[1];
    }
  }
  return 'http://deb.debian.org/debian';
}

function sh(cmd: string, timeoutMs: number): void {
  try {
    execFileSync('timeout', ['-k', '5', String(Math.ceil(timeoutMs / 1000)), 'bash', '-euo', 'pipefail', '-c', cmd], {
      env: storageEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { status?: number; stdout?: Buffer; stderr?: Buffer };
    throw new Error(`stand-in base step failed (exit ${e.status}): ${cmd}\n${e.stdout?.toString().slice(-2000)}\n${e.stderr?.toString().slice(-4000)}`);
  }
}

async function withLock<T>(fn: () => Promise<T>, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      break;
    } catch {
      const pid = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      let alive = false;
      try {
        if (pid) process.kill(pid, 0);
        alive = pid > 0;
      } catch {
        alive = false;
      }
      if (!alive) fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`stand-in base cache locked by pid ${pid} for ${timeoutMs} ms`);
      else await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** The machine's uv and uvx binaries (pip's uv wheel, or uv on PATH). */
function uvBinaries(): { uv: string; uvx: string } {
  let uv = '';
  try {
    uv = execFileSync('python3', ['-c', 'import uv; print(uv.find_uv_bin())'], { encoding: 'utf8' }).trim();
  } catch {
    try {
      uv = execFileSync('sh', ['-c', 'pyenv which uv 2>/dev/null || command -v uv'], { encoding: 'utf8' }).trim();
    } catch {
      // reported below
    }
  }
  const uvx = path.join(path.dirname(uv), 'uvx');
  if (!uv || !fs.existsSync(uv) || !fs.existsSync(uvx)) throw new Error(`uv/uvx binaries not found (got "${uv}"); pip install uv==0.13.9`);
  return { uv: fs.realpathSync(uv), uvx: fs.realpathSync(uvx) };
}

const ENV_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Builds the three STAND-IN bases if the cache lacks them. Returns how long it took and what was built.
 * Safe to call from every test file: a lock serialises builders, existing images are reused.
 */
export async function ensureStandInBases(): Promise<{ ms: number; built: string[] }> {
  if (ENGINE === 'docker') return { ms: 0, built: [] }; // the real bases are pulled by the builds
  assertContainerTools();
  writeStorageConf();
  const t0 = Date.now();
  const built: string[] = [];
  const exists = (tag: string) => {
    try {
      execFileSync('podman', ['image', 'exists', tag], { env: storageEnv(), stdio: 'ignore', timeout: 30_000 });
      return true;
    } catch {
      return false;
    }
  };
  await withLock(async () => {
    const missing = (Object.values(STANDIN) as string[]).filter((t) => !exists(t));
    if (!missing.length) return;
    const work = fs.mkdtempSync(path.join(CACHE_DIR, 'work-'));
    try {
      const base = path.join(CACHE_DIR, 'rootfs-bookworm-minbase');
      if ((missing.includes(STANDIN.node) || missing.includes(STANDIN.python)) && !fs.existsSync(path.join(base, '.complete'))) {
        const tmpBase = path.join(work, 'rootfs');
        sh(`debootstrap --variant=minbase bookworm ${q(tmpBase)} ${q(debianMirror())}`, 300_000);
        // apt inside the chroot: the machine's Valid-Until relaxations (snapshot mirrors) and CA bundle.
        sh(`cp /etc/apt/apt.conf.d/99artifact-registry ${q(tmpBase)}/etc/apt/apt.conf.d/ 2>/dev/null || true; rm -rf ${q(tmpBase)}/var/cache/apt/archives/*.deb`, 30_000);
        fs.rmSync(base, { recursive: true, force: true });
        fs.renameSync(tmpBase, base);
        fs.writeFileSync(path.join(base, '.complete'), '');
      }
      const importRootfs = (rootfs: string, tag: string, env: string[]) => {
        const changes = [ENV_PATH, ...env].flatMap((e) => ['--change', `ENV ${e}`]).map(q).join(' ');
        sh(`rm -f ${q(rootfs)}/.complete; tar --numeric-owner -C ${q(rootfs)} -c . | podman import ${changes} --change 'CMD ["bash"]' - ${q(tag)} >/dev/null`, 300_000);
      };
      if (missing.includes(STANDIN.node)) {
        // STAND-IN for node:24-bookworm-slim: this machine's Node (not 24) and npm, CA bundle, user node (1000).
        const r = path.join(work, 'node');
        const npmDir = path.join(path.dirname(fs.realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())), '..');
        sh(
          [
            `cp -a ${q(base)} ${q(r)}`,
            `install -m 755 ${q(fs.realpathSync(process.execPath))} ${q(r)}/usr/local/bin/node`,
            `mkdir -p ${q(r)}/usr/local/lib/node_modules ${q(r)}/usr/local/etc`,
            `cp -a ${q(path.resolve(npmDir))} ${q(r)}/usr/local/lib/node_modules/npm`,
            `ln -sf ../lib/node_modules/npm/bin/npm-cli.js ${q(r)}/usr/local/bin/npm`,
            `ln -sf ../lib/node_modules/npm/bin/npx-cli.js ${q(r)}/usr/local/bin/npx`,
            `mkdir -p ${q(r)}/etc/ssl/certs && cp /etc/ssl/certs/ca-certificates.crt ${q(r)}/etc/ssl/certs/`,
            `printf 'cafile=/etc/ssl/certs/ca-certificates.crt\\nfund=false\\naudit=false\\nupdate-notifier=false\\n' > ${q(r)}/usr/local/etc/npmrc`,
            `chroot ${q(r)} groupadd --gid 1000 node`,
            `chroot ${q(r)} useradd --uid 1000 --gid node --shell /bin/bash --create-home node`,
          ].join(' && '),
          120_000,
        );
        // Offline sandbox only: `prisma generate` in the build stage must not download the schema engine
        // (env-recipes.md); real CI pulls the real image and is online. Inherited by the app image, unused there.
        importRootfs(r, STANDIN.node, ['NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt', 'PRISMA_SCHEMA_ENGINE_BINARY=/bin/false']);
        fs.rmSync(r, { recursive: true, force: true });
        built.push(STANDIN.node);
      }
      if (missing.includes(STANDIN.python)) {
        // STAND-IN for python:3.13-slim: Debian's python3 (3.11) with python/python3 in /usr/local/bin.
        const r = path.join(work, 'python');
        sh(
          [
            `cp -a ${q(base)} ${q(r)}`,
            `cp /etc/resolv.conf ${q(r)}/etc/resolv.conf`,
            `chroot ${q(r)} apt-get update -qq`,
            `DEBIAN_FRONTEND=noninteractive chroot ${q(r)} apt-get install -y -qq --no-install-recommends python3 ca-certificates >/dev/null`,
            `chroot ${q(r)} apt-get clean`,
            `rm -rf ${q(r)}/var/lib/apt/lists/*`,
            `cp /etc/ssl/certs/ca-certificates.crt ${q(r)}/etc/ssl/certs/ca-certificates.crt`,
            `ln -sf /usr/bin/python3 ${q(r)}/usr/local/bin/python3`,
            `ln -sf python3 ${q(r)}/usr/local/bin/python`,
          ].join(' && '),
          300_000,
        );
        importRootfs(r, STANDIN.python, ['SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt', 'LANG=C.UTF-8']);
        fs.rmSync(r, { recursive: true, force: true });
        built.push(STANDIN.python);
      }
      if (missing.includes(STANDIN.uv)) {
        // STAND-IN for ghcr.io/astral-sh/uv: just /uv and /uvx (the Dockerfile copies only those).
        const r = path.join(work, 'uv');
        const { uv, uvx } = uvBinaries();
        sh(`mkdir -p ${q(r)} && install -m 755 ${q(uv)} ${q(r)}/uv && install -m 755 ${q(uvx)} ${q(r)}/uvx`, 30_000);
        importRootfs(r, STANDIN.uv, []);
        built.push(STANDIN.uv);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
  return { ms: Date.now() - t0, built };
}

/** Bytes of an image (podman image inspect .Size). */
export async function imageSize(shell: ContainerShell, tag: string): Promise<number> {
  const r = await shell.podman(['image', 'inspect', '--format', '{{.Size}}', tag], 30_000);
  if (r.exitCode !== 0) throw new Error(`image inspect ${tag}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** Polls until the URL answers with any status, bounded. */
export async function waitForStatus(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

const noBuildTools = `for t in gcc cc g++ make; do command -v $t >/dev/null && echo "build tool present: $t"; done; `;
const noSecrets = `find /app -path /app/node_modules -prune -o -path /app/.venv -prune -o \\( -name '.env' -o -name '.env.*' -o -name '*.pem' -o -name '*.key' -o -name 'id_rsa*' -o -name '.npmrc' -o -name '.pypirc' -o -name '.git' -o -name 'docker-compose.yml' -o -name 'Dockerfile' \\) -print | sed 's/^/secret-ish or build file present: /'; `;
/** Dev dependencies that legitimately stay: @types/pg is a runtime dependency of @prisma/adapter-pg, and it depends on @types/node. */
const NODE_DEV_ALSO_RUNTIME = new Set(['@types/pg', '@types/node']);

/**
 * Shell checks run inside an image as root; each prints a line when something is wrong. The Node check
 * takes the project's own devDependencies, so a dev tool a starter adds later is covered too.
 */
export const LEAN_CHECKS = {
  node: (devDependencies: readonly string[]) =>
    `for d in ${devDependencies.filter((d) => !NODE_DEV_ALSO_RUNTIME.has(d)).join(' ')}; do test -e /app/node_modules/$d && echo "dev dependency present: $d"; done; ` +
    `test -e /app/node_modules/.bin/prisma && echo 'prisma CLI present'; test -e /app/src && echo 'TypeScript sources present'; test -e /app/test && echo 'tests present'; ` +
    noBuildTools +
    noSecrets,
  python:
    `for p in pytest mypy ruff pip_audit httpx fastapi_cli pytest_cov; do ls -d /app/.venv/lib/python3*/site-packages/$p /app/.venv/lib/python3*/site-packages/$p-* 2>/dev/null | sed "s/^/dev dependency present: /"; done; ` +
    `for b in pytest mypy ruff; do test -e /app/.venv/bin/$b && echo "dev tool present: $b"; done; test -e /app/tests && echo 'tests present'; command -v uv >/dev/null && echo 'uv present'; ` +
    noBuildTools +
    noSecrets,
};

/** devDependencies of a generated package.json. */
export function devDependenciesOf(dir: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  return Object.keys(pkg.devDependencies ?? {});
}
