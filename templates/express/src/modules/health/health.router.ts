import { Router } from 'express';
import type { Logger } from '../../lib/logger.js';

/**
 * Probes are mounted before CORS, rate limiting and body parsing: orchestrators
 * call them often, and they must stay cheap and never be throttled.
 */
export function healthRouter(checkDatabase: () => Promise<void>, logger: Logger): Router {
  const router = Router();

  // Liveness: answers as long as the event loop runs; never touches the database,
  // so a database outage does not make the orchestrator restart healthy processes.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: take this instance out of rotation while the database is unreachable.
  router.get('/readyz', async (req, res) => {
    try {
      await checkDatabase();
      res.json({ status: 'ok', checks: { database: 'ok' } });
    } catch (err) {
      logger.warn({ err, requestId: req.id }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', checks: { database: 'failed' } });
    }
  });

  return router;
}
