import type { Express } from 'express';
import type { Logger } from '../../lib/logger.js';

/**
 * Probes for orchestrators and load balancers. They are registered directly on
 * the app (a nested Router measurably slows the hottest path) and before helmet,
 * CORS, rate limiting and body parsing: they serve no browser content, must stay
 * cheap, and must never be throttled. They still get an X-Request-Id.
 */
export function registerHealthRoutes(
  app: Express,
  checkDatabase: () => Promise<void>,
  logger: Logger,
): void {
  // Liveness: answers as long as the event loop runs; never touches the database,
  // so a database outage does not make the orchestrator restart healthy processes.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Readiness: take this instance out of rotation while the database is unreachable.
  app.get('/readyz', async (req, res) => {
    try {
      await checkDatabase();
      res.json({ status: 'ok', checks: { database: 'ok' } });
    } catch (err) {
      logger.warn({ err, requestId: req.id }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', checks: { database: 'failed' } });
    }
  });
}
