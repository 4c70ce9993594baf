/**
 * An org starter kit (docs/example-org-kit: extends the express starter), fully offline: served from a
 * local git repository (file://, tags v1 and v2), as a tarball from an HTTP server on 127.0.0.1, and as a
 * private repository over git's smart HTTP on 127.0.0.1 that needs a token. Created with a preset and an
 * org config, without a terminal; upgraded from v1 to v2 keeping the user's edit; the trust gate; and the
 * token found nowhere on disk afterwards.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, REPO_ROOT, runCli } from '../test/helpers/cli.js';
import { makeTmp } from '../test/helpers/tmp.js';
import { run } from './helpers/process.js';

const tmp = makeTmp('cpb-e2e-org-kit-');
const kitRepo = path.join(tmp.dir, 'acme-kit');
const privateRoot = path.join(tmp.dir, 'private-git');
const home = path.join(tmp.dir, 'home');
const cache = path.join(tmp.dir, 'cache');
const orgConfig = path.join(tmp.dir, 'org-config.json');
const preset = path.join(tmp.dir, 'preset.json');
const TOKEN = `cpbtok_${createHash('sha256').update(String(process.pid)).digest('hex').slice(0, 24)}`;
const gitId = { GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@example.com', GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@example.com' };
let tarballUrl = '';
let privateUrl = '';
let tarball = Buffer.alloc(0);
const servers: http.Server[] = [];
const authSeen: string[] = [];

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, ...gitId }, encoding: 'utf8' }).trim();
const cliEnv = (extra: Record<string, string> = {}) => ({ HOME: home, XDG_CACHE_HOME: cache, CPB_CONFIG: orgConfig, CI: 'true', ...extra });

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** git's smart HTTP through `git http-backend` (CGI), behind a token check. */
function gitHttpBackend(req: http.IncomingMessage, res: http.ServerResponse): void {
  const auth = req.headers.authorization ?? '';
  authSeen.push(auth ? 'auth' : 'none');
  if (auth !== `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="acme"' }).end();
    return;
  }
  const url = new URL(req.url ?? '/', 'http://x');
  const cgi = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env['PATH'],
      GIT_PROJECT_ROOT: privateRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_ADDR: '127.0.0.1',
    },
  });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const [k, ...v] = line.split(':');
      if (k!.toLowerCase() === 'status') status = Number(v.join(':').trim().split(' ')[0]);
      else res.setHeader(k!, v.join(':').trim());
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', () => res.end());
}

beforeAll(async () => {
  await buildCli();
  fs.mkdirSync(home, { recursive: true });
  // The example kit as an org keeps it: v1, then a v2 that changes a file and adds one.
  fs.cpSync(path.join(REPO_ROOT, 'docs', 'example-org-kit'), kitRepo, { recursive: true });
  git(kitRepo, 'init', '-q', '-b', 'main');
  git(kitRepo, 'add', '-A');
  git(kitRepo, 'commit', '-qm', 'kit v1');
  git(kitRepo, 'tag', 'v1');
  const meta = JSON.parse(fs.readFileSync(path.join(kitRepo, 'template.json'), 'utf8')) as { version: string; prompts: unknown[] };
  meta.version = '1.1.0';
  // v2 asks a new question with no default: an upgrade without a terminal needs --set for it.
  meta.prompts.push({ name: 'costCenter', type: 'text', message: 'Cost centre', pattern: '[0-9]{4}' });
  fs.writeFileSync(path.join(kitRepo, 'acme.json.ejs'), fs.readFileSync(path.join(kitRepo, 'acme.json.ejs'), 'utf8').replace('"tier": "<%= tier %>"', '"tier": "<%= tier %>",\n  "costCenter": "<%= costCenter %>"'));
  fs.writeFileSync(path.join(kitRepo, 'template.json'), `${JSON.stringify(meta, null, 2)}\n`);
  fs.appendFileSync(path.join(kitRepo, 'CODEOWNERS.ejs'), '/prisma/ @acme/dba\n');
  fs.mkdirSync(path.join(kitRepo, 'docs'));
  fs.writeFileSync(path.join(kitRepo, 'docs', 'RUNBOOK.md'), '# Runbook\n\nPage the owning team.\n');
  git(kitRepo, 'add', '-A');
  git(kitRepo, 'commit', '-qm', 'kit v2');
  git(kitRepo, 'tag', 'v2');

  tarball = execFileSync('git', ['archive', '--format=tar.gz', '--prefix=acme-kit-v1/', 'v1'], { cwd: kitRepo });
  const tarBase = await listen((req, res) => {
    if (req.url === '/acme-kit-v1.tar.gz') res.writeHead(200, { 'content-type': 'application/gzip' }).end(tarball);
    else res.writeHead(404).end();
  });
  tarballUrl = `${tarBase}/acme-kit-v1.tar.gz`;

  fs.mkdirSync(privateRoot);
  execFileSync('git', ['clone', '-q', '--bare', kitRepo, path.join(privateRoot, 'acme-kit.git')]);
  privateUrl = `${await listen(gitHttpBackend)}/acme-kit.git`;

  fs.writeFileSync(preset, JSON.stringify({ packageManager: 'npm', install: false, git: false, vars: { team: 'payments' } }));
  fs.writeFileSync(orgConfig, JSON.stringify({ defaults: { vars: { tier: 'gold' } }, allowedSources: [`file://${kitRepo}`, 'http://127.0.0.1:'], trustedSources: [] }));
}, 120_000);

afterAll(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  tmp.cleanup();
});

interface Result {
  template: { id: string; version: string; source: string; origin?: Record<string, string> };
  postSteps: { id: string; status: string; reason?: string; rerun: string }[];
}
const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, '.polyglot', 'manifest.json'), 'utf8')) as { template: Result['template']; vars: Record<string, unknown> };

describe('org starter kit (docs/example-org-kit), offline', () => {
  it('creates from a file:// git repository at a tag, with a preset and the org config, without a terminal', async () => {
    const r = await runCli(['from-git', '--template', `file://${kitRepo}#v1`, '--preset', preset, '--json'], { cwd: tmp.dir, env: cliEnv(), timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Result;
    expect(out.template).toMatchObject({ id: 'acme-express', version: '1.0.0', source: 'git', origin: { kind: 'git', url: `file://${kitRepo}`, ref: 'v1', commit: git(kitRepo, 'rev-parse', 'v1') } });
    const dir = path.join(tmp.dir, 'from-git');
    // The kit's files over the built-in express starter, rendered with the preset's and org's answers.
    expect(fs.readFileSync(path.join(dir, 'CODEOWNERS'), 'utf8')).toContain('* @acme/payments');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'acme.json'), 'utf8'))).toEqual({ service: 'from-git', team: 'payments', tier: 'gold' });
    expect(fs.existsSync(path.join(dir, 'src', 'app.ts'))).toBe(true);
    expect(fs.existsSync(path.join(dir, '.github', 'workflows', 'acme-policy.yml'))).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.scripts['acme:check']).toBe('node scripts/acme-check.mjs');
    expect(pkg.dependencies['express']).toBeDefined(); // deep-merged, not replaced
    // Not trusted: its post-step is listed and skipped; the install would run without scripts.
    expect(out.postSteps.find((s) => s.id === 'acme-check')).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/untrusted/) });
    expect(out.postSteps.find((s) => s.id === 'install')?.rerun).toMatch(/--ignore-scripts/);
    expect(r.stderr).toMatch(/not a trusted template source/);
    expect(manifestOf(dir).vars).toEqual({ team: 'payments', tier: 'gold' });
  });

  it('a trusted kit project installs, runs its post-step, and passes the starter’s lint, format, type checks and tests', async () => {
    const r = await runCli(['trusted-kit', '--template', `file://${kitRepo}#v1`, '--set', 'team=payments', '--pm', 'npm', '--no-git', '--trust', '--json'], {
      cwd: tmp.dir,
      env: cliEnv({ PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false' }),
      timeout: 600_000,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Result;
    expect(out.postSteps.map((s) => [s.id, s.status])).toEqual([['install', 'done'], ['prisma-generate', 'done'], ['acme-check', 'done'], ['git', 'skipped']]);
    const dir = path.join(tmp.dir, 'trusted-kit');
    expect(fs.readFileSync(path.join(dir, '.acme-check-passed'), 'utf8')).toBe('payments\n');
    for (const script of ['lint', 'format:check', 'typecheck', 'test']) {
      const c = await run('npm', ['run', script], { cwd: dir, env: { PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', CI: 'true' }, timeout: 300_000 });
      expect(c.exitCode, `${script}\n${c.all}`).toBe(0);
    }
  }, 900_000);

  it('creates from a tarball on 127.0.0.1 and records its sha256', async () => {
    const r = await runCli(['from-tar', '--template', tarballUrl, '--preset', preset, '--set', 'tier=silver', '--json'], { cwd: tmp.dir, env: cliEnv(), timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const m = manifestOf(path.join(tmp.dir, 'from-tar'));
    expect(m.template.origin).toEqual({ kind: 'tarball', url: tarballUrl, sha256: createHash('sha256').update(tarball).digest('hex') });
    expect(m.vars).toEqual({ team: 'payments', tier: 'silver' }); // --set beats the org default
  });

  it('without a terminal, a question with no default and no answer fails naming it, writing nothing', async () => {
    const r = await runCli(['no-team', '--template', `file://${kitRepo}#v1`, '--no-install', '--no-git'], { cwd: tmp.dir, env: cliEnv(), timeout: 60_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--set team=<value>/);
    expect(fs.existsSync(path.join(tmp.dir, 'no-team'))).toBe(false);
  });

  it('refuses a source the org config does not allow, writing nothing', async () => {
    const other = path.join(tmp.dir, 'other-kit');
    fs.cpSync(kitRepo, other, { recursive: true });
    const r = await runCli(['not-allowed', '--template', `file://${other}#v1`, '--preset', preset], { cwd: tmp.dir, env: cliEnv(), timeout: 60_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/not an allowed template source/);
    expect(fs.existsSync(path.join(tmp.dir, 'not-allowed'))).toBe(false);
  });

  it('upgrades from v1 to v2 of the kit, keeping the user’s edit', async () => {
    const dir = path.join(tmp.dir, 'from-git');
    // The user rewrites the comment; the kit's v2 appends a rule: separate hunks, so both survive.
    const file = path.join(dir, 'CODEOWNERS');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^# .*$/m, '# Owned by payments; ask in #payments first.'));
    const unanswered = await runCli(['upgrade', '--template', `file://${kitRepo}#v2`, '--no-install', '--allow-dirty', '--json'], { cwd: dir, env: cliEnv(), timeout: 120_000 });
    expect(unanswered.exitCode, unanswered.stdout + unanswered.stderr).toBe(2);
    expect(unanswered.stdout + unanswered.stderr).toMatch(/--set costCenter=<value>/);
    expect(manifestOf(dir).template.version).toBe('1.0.0'); // refused before anything changed
    const r = await runCli(['upgrade', '--template', `file://${kitRepo}#v2`, '--set', 'costCenter=4711', '--no-install', '--allow-dirty', '--json'], { cwd: dir, env: cliEnv(), timeout: 120_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'acme.json'), 'utf8'))).toEqual({ service: 'from-git', team: 'payments', tier: 'gold', costCenter: '4711' });
    expect(manifestOf(dir).vars).toEqual({ team: 'payments', tier: 'gold', costCenter: '4711' });
    const codeowners = fs.readFileSync(path.join(dir, 'CODEOWNERS'), 'utf8');
    expect(codeowners).toContain('/prisma/ @acme/dba'); // the kit's change
    expect(codeowners).toContain('# Owned by payments; ask in #payments first.'); // the user's
    expect(codeowners).toContain('* @acme/payments');
    expect(fs.readFileSync(path.join(dir, 'docs', 'RUNBOOK.md'), 'utf8')).toMatch(/Runbook/);
    expect(manifestOf(dir).template).toMatchObject({ version: '1.1.0', origin: { ref: 'v2', commit: git(kitRepo, 'rev-parse', 'v2') } });
    // The next plain upgrade fetches the recorded origin (v2) and finds nothing newer.
    const again = await runCli(['upgrade', '--no-install', '--allow-dirty', '--json'], { cwd: dir, env: cliEnv(), timeout: 120_000 });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ upToDate: true });
  });

  it('--offline uses the cache; a failed fetch never falls back to it silently', async () => {
    const offline = await runCli(['offline', '--template', tarballUrl, '--preset', preset, '--offline', '--json'], { cwd: tmp.dir, env: cliEnv(), timeout: 60_000 });
    expect(offline.exitCode, offline.stderr).toBe(0);
    const gone = tarballUrl.replace('acme-kit-v1', 'missing');
    const failed = await runCli(['failed', '--template', gone, '--preset', preset], { cwd: tmp.dir, env: cliEnv(), timeout: 60_000 });
    expect(failed.exitCode).toBe(6);
    expect(failed.stderr).toMatch(/Could not fetch the template .*404/);
    expect(fs.existsSync(path.join(tmp.dir, 'failed'))).toBe(false);
  });

  it('a private repository: refused without the token (exit 6), fetched with it, and the token is nowhere on disk', async () => {
    const denied = await runCli(['private-denied', '--template', `${privateUrl}#v1`, '--preset', preset], { cwd: tmp.dir, env: cliEnv(), timeout: 60_000 });
    expect(denied.exitCode, denied.stderr).toBe(6);
    expect(fs.existsSync(path.join(tmp.dir, 'private-denied'))).toBe(false);
    const ok = await runCli(['private-ok', '--template', `${privateUrl}#v1`, '--preset', preset, '--json'], { cwd: tmp.dir, env: cliEnv({ CPB_TEMPLATE_TOKEN: TOKEN }), timeout: 120_000 });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(authSeen).toContain('auth');
    expect(ok.stdout + ok.stderr).not.toContain(TOKEN);
    // Everything this test wrote: the projects, the template cache, HOME, the served repositories.
    const hits = execFileSync('sh', ['-c', `grep -rl -- '${TOKEN}' ${JSON.stringify(tmp.dir)} || true`], { encoding: 'utf8' }).trim();
    const b64 = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
    const hits64 = execFileSync('sh', ['-c', `grep -rl -- '${b64}' ${JSON.stringify(tmp.dir)} || true`], { encoding: 'utf8' }).trim();
    expect({ hits, hits64 }).toEqual({ hits: '', hits64: '' });
    expect(manifestOf(path.join(tmp.dir, 'private-ok')).template.origin).toMatchObject({ kind: 'git', url: privateUrl, ref: 'v1' });
  });

  it('with --trust the kit’s post-step runs', async () => {
    const kit = path.join(tmp.dir, 'tiny-kit');
    fs.mkdirSync(kit);
    fs.writeFileSync(path.join(kit, 'template.json'), JSON.stringify({ id: 'tiny', version: '1.0.0', description: 'post-step probe', postSteps: [{ id: 'hook', title: 'hook', script: 'hook' }] }));
    fs.writeFileSync(path.join(kit, 'package.json'), JSON.stringify({ name: 'tiny', version: '1.0.0', private: true, scripts: { hook: "node -e \"require('fs').writeFileSync('hook-ran','yes')\"" } }));
    const conf = path.join(tmp.dir, 'open-config.json');
    fs.writeFileSync(conf, '{}');
    const untrusted = await runCli(['tiny-untrusted', '--template', kit, '--no-git', '--pm', 'npm', '--json'], { cwd: tmp.dir, env: cliEnv({ CPB_CONFIG: conf }), timeout: 120_000 });
    expect(untrusted.exitCode, untrusted.stderr).toBe(0);
    expect(fs.existsSync(path.join(tmp.dir, 'tiny-untrusted', 'hook-ran'))).toBe(false);
    const trusted = await runCli(['tiny-trusted', '--template', kit, '--no-git', '--pm', 'npm', '--trust', '--json'], { cwd: tmp.dir, env: cliEnv({ CPB_CONFIG: conf }), timeout: 120_000 });
    expect(trusted.exitCode, trusted.stderr).toBe(0);
    expect(fs.readFileSync(path.join(tmp.dir, 'tiny-trusted', 'hook-ran'), 'utf8')).toBe('yes');
    // The org config's trust list does what --trust does, for the sources it names only.
    const trusting = path.join(tmp.dir, 'trusting-config.json');
    fs.writeFileSync(trusting, JSON.stringify({ trustedSources: [kit] }));
    const listed = await runCli(['tiny-listed', '--template', kit, '--no-git', '--pm', 'npm', '--json'], { cwd: tmp.dir, env: cliEnv({ CPB_CONFIG: trusting }), timeout: 120_000 });
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(fs.readFileSync(path.join(tmp.dir, 'tiny-listed', 'hook-ran'), 'utf8')).toBe('yes');
    expect(listed.stderr).not.toMatch(/not a trusted template source/);
  });
});
