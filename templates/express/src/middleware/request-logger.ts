import type { RequestHandler } from 'express';
import type { Logger } from '../lib/logger.js';

const PROBE_PATHS = new Set(['/healthz', '/readyz']);

/**
 * One log line per request, written when the response finishes. Deliberately
 * leaner than pino-http (no per-request child logger, no header serializers):
 * that alone costs about a third of the throughput of a bare Express app.
 * Health probes are logged at debug level, so at `info` they cost nothing.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const level = PROBE_PATHS.has(req.path) ? 'debug' : 'info';
    if (!logger.isLevelEnabled(level)) return next();

    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      logger[res.statusCode >= 500 ? 'error' : level](
        {
          requestId: req.id,
          method: req.method,
          url: req.originalUrl,
          status: res.statusCode,
          durationMs: Math.round(durationMs * 100) / 100,
        },
        'request completed',
      );
    });
    next();
  };
}
