import type { Express } from 'express';
import type { ReadinessCheck } from '../../lib/feature.js';
import type { Logger } from '../../lib/logger.js';
import { methodNotAllowed } from '../../middleware/error-handler.js';

/**
 * Probes for orchestrators and load balancers. They are registered directly on
 * the app (a nested Router measurably slows the hottest path) and before helmet,
 * CORS, rate limiting and body parsing: they serve no browser content, must stay
 * cheap, and must never be throttled. They still get an X-Request-Id.
 */
export function registerHealthRoutes(
  app: Express,
  checks: readonly ReadinessCheck[],
  logger: Logger,
): void {
  // Liveness: answers as long as the event loop runs; never touches the database,
  // so a database outage does not make the orchestrator restart healthy processes.
  // route().all(methodNotAllowed): any other method gets 405 with `Allow`.
  app
    .route('/healthz')
    .get((_req, res) => {
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed);

  // Readiness: take this instance out of rotation while the database (or a dependency a feature
  // registered) is unreachable. The checks run concurrently; the body names each, without details.
  // A non-critical check (`critical: false`, e.g. a cache the API can answer without) that fails is
  // reported as "unavailable" with status "degraded", and the instance stays ready (200).
  app
    .route('/readyz')
    .get(async (req, res) => {
      const results = await Promise.allSettled(
        checks.map(async ({ check }) => {
          await check();
        }),
      );
      const report: Record<string, 'ok' | 'failed' | 'unavailable'> = {};
      let ready = true;
      let degraded = false;
      results.forEach((result, i) => {
        const { name, critical = true } = checks[i]!;
        if (result.status === 'fulfilled') {
          report[name] = 'ok';
          return;
        }
        report[name] = critical ? 'failed' : 'unavailable';
        if (critical) ready = false;
        else degraded = true;
        logger.warn(
          { err: result.reason, check: name, critical, requestId: req.id },
          'readiness check failed',
        );
      });
      const status = !ready ? 'unavailable' : degraded ? 'degraded' : 'ok';
      res.status(ready ? 200 : 503).json({ status, checks: report });
    })
    .all(methodNotAllowed);
}
