/**
 * A private Redis per e2e file: redis-server on a free 127.0.0.1 port, nothing persisted, its own
 * working directory. A test may stop it (the cache is down) and start it again on the same port.
 * Needs redis-server and redis-cli (Debian's redis-server package; .ci/run installs it). Started here,
 * stopped by PID.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startServer, stopServer, type Started } from './process.js';

export function redisAvailable(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    execFileSync('redis-cli', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RedisServer {
  url: string;
  port: number;
  /** One redis-cli command against it, e.g. ['GET', 'k']; the reply as redis-cli prints it (raw). */
  cli(args: string[]): string;
  /** Stops the server (the cache is down) and resolves when it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  dispose(): Promise<void>;
}

// Generous: on a loaded 2-core runner start-up can take seconds; the wait ends as soon as it answers.
const START_TIMEOUT_MS = 60_000;

export async function startRedis(): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpb-e2e-redis-'));
  const port = await freePort();
  let server: Started | undefined;
  const cli = (args: string[]) =>
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--raw', ...args], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();

  const start = async () => {
    server = startServer('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''], { cwd: dir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        if (cli(['PING']) === 'PONG') return;
      } catch {
        // not listening yet
      }
      if (server.proc.exitCode !== null || Date.now() > deadline) {
        const output = server.output();
        await stopServer(server);
        throw new Error(`redis-server on port ${port} did not answer PING:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    if (!server) return;
    const stopped = await stopServer(server);
    server = undefined;
    if (stopped.timedOut || stopped.leftovers) throw new Error(`redis-server did not stop cleanly: ${JSON.stringify(stopped)}`);
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    cli,
    start,
    stop,
    dispose: async () => {
      try {
        await stop();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
