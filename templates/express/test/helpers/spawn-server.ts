import { spawn, type ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';

/**
 * Budget for a test that starts the real server. Start-up (tsx compiling the app, opening the
 * database) takes a second on an idle laptop and half a minute on a loaded 2-core CI runner, so
 * these tests wait for readiness itself and only this generous bound stops them.
 */
export const PROCESS_TEST_TIMEOUT = 120_000;

const running = new Set<ChildProcess>();

/** Signals the child's whole process group (it leads one: see `detached` below). */
function signalTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

// A test runner that exits (or a worker torn down after a timeout) must not leave servers behind.
process.once('exit', () => running.forEach((child) => signalTree(child, 'SIGKILL')));

/**
 * Runs src/server.ts in a child process (through tsx), as `npm run dev` would. Call it inside a
 * test: the server and anything it started are killed when the test ends, whatever the outcome.
 */
export function spawnServer(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', PGLITE_DATA_DIR: 'memory://', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so one signal reaches the server and every process it spawned.
    detached: true,
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  onTestFinished(() => stopServer(child));
  return child;
}

/** SIGKILLs the process group (if still running) and resolves once the child has exited. */
export async function stopServer(child: ChildProcess): Promise<void> {
  const exited = waitForExit(child);
  signalTree(child, 'SIGKILL');
  await exited;
}

export function collect(stream: NodeJS.ReadableStream | null): { text: string } {
  const out = { text: '' };
  stream?.on('data', (chunk: Buffer) => (out.text += chunk.toString()));
  return out;
}

export function waitForExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

/**
 * Resolves with the port from the "server listening" log line; rejects if the server exits first.
 * No timer of its own: the test's timeout bounds it, and the test's end kills the server.
 */
export function waitForListening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return reject(new Error('server exited before listening'));
    }
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"port":(\d+)[^\n]*"msg":"server listening"/.exec(buffer);
      if (match) {
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new Error(`server exited (${signal ?? code}) before listening:\n${buffer}`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}
