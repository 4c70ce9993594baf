/** Servers started by e2e tests: loopback only, bounded waits, stopped by PID. */
import fs from 'node:fs';
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

/**
 * Polls until the URL answers. The default bound is generous on purpose: on a loaded 2-core runner a
 * server's start-up took up to 30 s; the wait ends as soon as it answers.
 */
export async function waitForHttp(url: string, timeoutMs = 120_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

/**
 * Pids of the processes in process group `pgid` (Linux /proc). Every command and server below runs
 * as the leader of a group of its own, so whatever it spawned (test workers, servers, compute pools)
 * can be found and killed after it, and a leak is reported instead of lingering.
 */
export function groupMembers(pgid: number): { pid: number; cmd: string }[] {
  const members: { pid: number; cmd: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, pgrp, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid || fields[0] === 'Z') continue;
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      members.push({ pid: Number(entry), cmd });
    } catch {
      // exited while we looked
    }
  }
  return members;
}

/** SIGKILLs what is left of group `pgid` and returns the command lines it killed. */
export function killGroup(pgid: number): string[] {
  const left = groupMembers(pgid);
  if (left.length === 0) return [];
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone in between
  }
  return left.map((m) => `${m.pid} ${m.cmd}`);
}

const groups = new Set<number>();
// A test file that fails or times out still ends every group it started.
process.once('exit', () => groups.forEach((pgid) => killGroup(pgid)));

export interface Started {
  proc: ResultPromise;
  pid: number;
  output: () => string;
}

export function startServer(cmd: string, args: string[], opts: { cwd: string; env: Record<string, string>; uid?: number; gid?: number }): Started {
  let out = '';
  const proc = execa(cmd, args, { cwd: opts.cwd, env: opts.env, uid: opts.uid, gid: opts.gid, reject: false, stdin: 'ignore', all: true, buffer: false, detached: true });
  proc.all?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  if (proc.pid === undefined) throw new Error(`${cmd} did not start`);
  groups.add(proc.pid);
  return { proc, pid: proc.pid, output: () => out };
}

/**
 * SIGTERM, then SIGKILL after graceMs if it has not exited; then anything the server left in its
 * process group is killed and listed in `leftovers`. Returns the exit code (or signal).
 */
export async function stopServer(s: Started, graceMs = 15_000): Promise<{ exitCode?: number; signal?: string; timedOut: boolean; leftovers?: string[] }> {
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
  }
  const leftovers = killGroup(s.pid);
  groups.delete(s.pid);
  const result = done === 'timeout' ? { timedOut: true } : { exitCode: done.exitCode, signal: done.signal ?? undefined, timedOut: false };
  // Present only when something leaked, so `toEqual({ exitCode: 0, ... })` fails on a leak.
  return leftovers.length ? { ...result, leftovers } : result;
}

/**
 * Runs a command to completion (bounded by `timeout`). Whatever it leaves running in its process
 * group is killed afterwards and returned in `leftovers`: a suite that leaks processes shows it.
 */
export async function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string>; timeout?: number }) {
  const proc = execa(cmd, args, { cwd: opts.cwd, env: opts.env, reject: false, all: true, stdin: 'ignore', timeout: opts.timeout ?? 300_000, detached: true });
  if (proc.pid !== undefined) groups.add(proc.pid);
  const r = await proc;
  const leftovers = proc.pid === undefined ? [] : killGroup(proc.pid);
  if (proc.pid !== undefined) groups.delete(proc.pid);
  const all = (r.all ?? '') + (leftovers.length ? `\n[left running, killed]:\n${leftovers.join('\n')}` : '');
  return { exitCode: r.exitCode, all, leftovers };
}
