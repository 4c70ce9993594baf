import { setTimeout as delay } from 'node:timers/promises';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../src/db/database.js';
import { createShutdown, listen, serverPort } from '../src/lib/http-server.js';
import { buildTestApp, openTestDatabase, silentLogger } from './helpers/test-app.js';
import {
  PROCESS_TEST_TIMEOUT,
  spawnServer,
  waitForExit,
  waitForListening,
} from './helpers/spawn-server.js';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.close());

/** An app with a /slow route that signals when a request has arrived. */
function slowApp(ms: number) {
  let arrived!: () => void;
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  const router = Router().get('/slow', async (_req, res) => {
    arrived();
    await delay(ms);
    res.json({ done: true });
  });
  return { app: buildTestApp(db, { extraRouters: [router] }), requestArrived };
}

describe('graceful shutdown', () => {
  it('lets in-flight requests finish, refuses new ones, then cleans up', async () => {
    const { app, requestArrived } = slowApp(300);
    const server = await listen(app, 0, '127.0.0.1');
    const base = `http://127.0.0.1:${serverPort(server)}`;
    const onClose = vi.fn(() => Promise.resolve());

    const inFlight = fetch(`${base}/slow`);
    await requestArrived;
    const done = createShutdown({ server, logger: silentLogger, timeoutMs: 5_000, onClose })(
      'test',
    );

    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(await done).toEqual({ drained: true, closed: true });
    expect(server.listening).toBe(false);
    expect(onClose).toHaveBeenCalledOnce();
  });

  it('cuts requests that outlive the timeout and still completes', async () => {
    const { app, requestArrived } = slowApp(10_000);
    const server = await listen(app, 0, '127.0.0.1');
    const inFlight = fetch(`http://127.0.0.1:${serverPort(server)}/slow`);
    await requestArrived;
    const started = Date.now();
    const result = await createShutdown({ server, logger: silentLogger, timeoutMs: 200 })('test');
    expect(result).toEqual({ drained: false, closed: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(inFlight).rejects.toThrow();
  });

  it(
    'exits 0 on SIGTERM (real process)',
    async () => {
      const child = spawnServer({ LOG_LEVEL: 'info' });
      const port = await waitForListening(child);
      // Liveness, not readiness: a feature's dependency (src/features.ts) may be absent here.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await waitForExit(child)).toBe(0);
    },
    PROCESS_TEST_TIMEOUT,
  );

  describe('a server a test starts', () => {
    let pid: number | undefined;
    it('is started (and the test ends without stopping it)', () => {
      pid = spawnServer({}).pid;
      expect(pid).toBeGreaterThan(0);
    });
    it('is gone once that test has ended, whatever its outcome', () => {
      expect(() => process.kill(pid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    });
  });
});
