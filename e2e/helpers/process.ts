/** Servers started by e2e tests: loopback only, bounded waits, stopped by PID. */
import net from 'node:net';
import { execa, type ResultPromise } from 'execa';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(2_000) });
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

export interface Started {
  proc: ResultPromise;
  pid: number;
  output: () => string;
}

export function startServer(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string>; uid?: number; gid?: number }): Started {
  let out = '';
  const proc = execa(cmd, args, { cwd: opts.cwd, env: opts.env, uid: opts.uid, gid: opts.gid, reject: false, stdin: 'ignore', all: true, buffer: false });
  proc.all?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  if (proc.pid === undefined) throw new Error(`${cmd} did not start`);
  return { proc, pid: proc.pid, output: () => out };
}

/** SIGTERM, then SIGKILL after graceMs if it has not exited. Returns the exit code (or signal). */
export async function stopServer(s: Started, graceMs = 15_000): Promise<{ exitCode?: number; signal?: string; timedOut: boolean }> {
  try {
    process.kill(s.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
  const done = await Promise.race([s.proc, timer]);
  if (done === 'timeout') {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await s.proc;
    return { timedOut: true };
  }
  return { exitCode: done.exitCode, signal: done.signal ?? undefined, timedOut: false };
}

export async function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string>; timeout?: number }) {
  const r = await execa(cmd, args, { cwd: opts.cwd, env: opts.env, reject: false, all: true, stdin: 'ignore', timeout: opts.timeout ?? 300_000 });
  return { exitCode: r.exitCode, all: r.all ?? '' };
}
