import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from './logger.js';

/** Starts listening and resolves once the port is bound (use port 0 in tests). */
export function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}

export const serverPort = (server: Server): number => (server.address() as AddressInfo).port;

export interface ShutdownOptions {
  server: Server;
  logger: Logger;
  /** How long in-flight requests may take before their connections are cut. */
  timeoutMs: number;
  /** Cleanup after the HTTP server stopped (disconnect Prisma, close PGlite…). */
  onClose?: () => Promise<void>;
}

export interface ShutdownResult {
  /** All in-flight requests finished before the timeout. */
  drained: boolean;
  /** `onClose` succeeded (database closed). */
  closed: boolean;
}

/**
 * Graceful shutdown: stop accepting connections, let in-flight requests finish
 * (at most `timeoutMs`, then cut them), then run `onClose`. Safe to call twice.
 */
export function createShutdown({ server, logger, timeoutMs, onClose }: ShutdownOptions) {
  let running: Promise<ShutdownResult> | undefined;

  const closeServer = () =>
    new Promise<boolean>((resolve) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        logger.warn({ timeoutMs }, 'shutdown timeout: closing remaining connections');
        server.closeAllConnections();
      }, timeoutMs);
      timer.unref();
      // Keep-alive clients must not reuse their connection for a new request.
      server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
      server.close(() => {
        clearTimeout(timer);
        resolve(!timedOut);
      });
      // Idle keep-alive sockets would otherwise hold close() open until they time out.
      server.closeIdleConnections();
    });

  return (reason: string): Promise<ShutdownResult> => {
    running ??= (async () => {
      logger.info({ reason }, 'shutting down');
      const drained = await closeServer();
      let closed = true;
      try {
        await onClose?.();
      } catch (err) {
        closed = false;
        logger.error({ err }, 'error during shutdown cleanup');
      }
      logger.info({ drained, closed }, 'shutdown complete');
      return { drained, closed };
    })();
    return running;
  };
}
