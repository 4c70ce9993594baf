import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from './logger.js';

/**
 * Connection limits, stated rather than left to Node's defaults, and the same as the FastAPI
 * starter's: request line + headers at most 16 KiB (431), received within 10 s (408), the whole
 * request within 30 s, idle kept-alive connections closed after 5 s.
 */
export interface ServerLimits {
  maxHeaderSize: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const defaultServerLimits: ServerLimits = {
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/** Starts listening and resolves once the port is bound (use port 0 in tests). */
export function listen(
  app: Express,
  port: number,
  host: string,
  limits: ServerLimits = defaultServerLimits,
): Promise<Server> {
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often the two timeouts above are checked (Node's default, 30 s, lets a slow
      // client hold a connection up to 30 s past them).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    app,
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
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
