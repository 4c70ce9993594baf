/**
 * A tarball download that stops sending bytes ends as a fetch error (exit 6, no stack trace) after the
 * idle timeout, and one that is slow but keeps sending is not cut off. Servers on 127.0.0.1; the stalled
 * connection is closed by the test (afterAll), whatever happens.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startArchiveServer, type ArchiveServer } from './helpers/archive-server.js';
import { buildCli, runCli } from './helpers/cli.js';
import { MINIMAL_TEMPLATE_JSON, tgz } from './helpers/tar.js';
import { listTree, makeTmp } from './helpers/tmp.js';

const archive = tgz([
  { name: 'kit/template.json', content: MINIMAL_TEMPLATE_JSON },
  // Random, so the archive stays large once gzipped (about 27 KB).
  { name: 'kit/README.md', content: randomBytes(20_000).toString('base64') },
]);
const timers = new Set<NodeJS.Timeout>();

/** Headers and half the body, then nothing (the connection stays open). */
function stall(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(archive.length) });
  res.write(archive.subarray(0, archive.length >> 1));
}

/** A smart-HTTP git server that answers the ref advertisement's headers and first line, then nothing. */
function stallGit(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', 'cache-control': 'no-cache' });
  res.write('001e# service=git-upload-pack\n0000');
}

/** The whole archive in 8 pieces, 400 ms apart: 2.8 s in all, never 2 s without a byte. */
function trickle(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(archive.length) });
  const size = Math.ceil(archive.length / 8);
  let sent = 0;
  const timer = setInterval(() => {
    res.write(archive.subarray(sent, sent + size));
    sent += size;
    if (sent >= archive.length) {
      clearInterval(timer);
      res.end();
    }
  }, 400);
  timers.add(timer);
  res.on('close', () => clearInterval(timer));
}

let server: ArchiveServer;
beforeAll(async () => {
  await buildCli();
  server = await startArchiveServer((req, res) => {
    if (req.url === '/stall.tar.gz') stall(res);
    else if (req.url?.startsWith('/kit.git/')) stallGit(res);
    else if (req.url === '/slow.tar.gz') trickle(res);
    else return false;
    return true;
  });
}, 60_000);
afterAll(async () => {
  for (const t of timers) clearInterval(t);
  await server.close();
});

let tmp: ReturnType<typeof makeTmp>;
beforeEach(() => {
  tmp = makeTmp('cpb-stall-');
});
afterEach(() => tmp.cleanup());

const envFor = (idle: string) => ({ CPB_FETCH_IDLE_TIMEOUT: idle, XDG_CACHE_HOME: `${tmp.dir}/.cache`, CPB_CONFIG: '' });
const generate = (file: string, idle: string) =>
  runCli(['app', '-t', `${server.base}/${file}`, '--no-install', '--no-git', '--yes'], { cwd: tmp.dir, env: envFor(idle), timeout: 60_000 });

describe('a download that stalls mid-body', () => {
  it('ends after the idle timeout with exit 6 and an actionable message, no stack trace, nothing written', async () => {
    const started = Date.now();
    const r = await generate('stall.tar.gz', '1');
    expect(r.exitCode, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/no data arrived for 1 s \(the download stalled\)/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(listTree(tmp.dir).filter((p) => p === 'app' || p.startsWith('app/'))).toEqual([]);
    // Well before the 120 s total limit: it was the idle clock that ended it.
    expect(Date.now() - started).toBeLessThan(50_000);
  }, 70_000);

  it('a git fetch over HTTP that stalls ends after the same idle timeout with exit 6', async () => {
    const started = Date.now();
    const r = await generate('kit.git#main', '1');
    expect(r.exitCode, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/Could not fetch the template/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(Date.now() - started).toBeLessThan(50_000); // git's own limit here is 300 s
  }, 70_000);

  it('a slow download that keeps sending is not cut off by the idle timeout', async () => {
    const r = await generate('slow.tar.gz', '2');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(listTree(tmp.dir)).toContain('app/README.md');
  }, 70_000);

  it('a CPB_FETCH_IDLE_TIMEOUT that is not a number of seconds is refused (exit 2)', async () => {
    const r = await generate('slow.tar.gz', 'soon');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/CPB_FETCH_IDLE_TIMEOUT=soon is not a number of seconds/);
  }, 70_000);
});
