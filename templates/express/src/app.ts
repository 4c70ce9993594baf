import cors from 'cors';
import express, { type Express, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Env } from './config/env.js';
import type { PrismaClient } from './generated/prisma/client.js';
import { noCache } from './lib/cache.js';
import type { Feature, ReadinessCheck } from './lib/feature.js';
import { HttpError } from './lib/http-error.js';
import type { Logger } from './lib/logger.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { jsonBodiesOnly } from './middleware/json-bodies.js';
import { requestId } from './middleware/request-id.js';
import { requestLogger } from './middleware/request-logger.js';
import { registerHealthRoutes } from './modules/health/health.routes.js';
import { usersRouter } from './modules/users/users.router.js';
import { docsRouter } from './openapi/docs.router.js';

export type AppConfig = Pick<
  Env,
  | 'CORS_ORIGINS'
  | 'RATE_LIMIT_MAX'
  | 'RATE_LIMIT_READ_MAX'
  | 'RATE_LIMIT_WINDOW_MS'
  | 'BODY_LIMIT'
  | 'TRUST_PROXY'
>;

export interface AppDeps {
  config: AppConfig;
  logger: Logger;
  prisma: PrismaClient;
  /** Readiness check; rejects when the database is unreachable. */
  checkDatabase: () => Promise<void>;
  /**
   * Extra routers mounted after the API and before the 404/error handlers. Tests
   * use it to add routes (e.g. one that throws) without a production switch.
   */
  extraRouters?: Router[];
  /** Feature modules (src/features.ts): their routers, docs, readiness checks and cache. */
  features?: readonly Feature[];
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Builds the Express app without listening, so tests can drive it with SuperTest. */
export function createApp({
  config,
  logger,
  prisma,
  checkDatabase,
  extraRouters = [],
  features = [],
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Client IPs (rate limiting, logs) come from X-Forwarded-For only behind N trusted proxies.
  app.set('trust proxy', config.TRUST_PROXY);

  for (const feature of features) for (const handler of feature.middleware ?? []) app.use(handler);
  app.use(requestId());
  app.use(requestLogger(logger));

  // Probes first: the hottest, cheapest path (see health.routes.ts).
  const readiness: ReadinessCheck[] = [{ name: 'database', check: checkDatabase }];
  for (const feature of features) readiness.push(...(feature.readiness ?? []));
  registerHealthRoutes(app, readiness, logger);

  // Security headers on every other response, including errors. Swagger UI works
  // with helmet's default CSP (its scripts and styles are served from /docs itself).
  app.use(helmet());

  // No CORS_ORIGINS = `origin: false`: no Access-Control-Allow-Origin for anyone.
  const corsHandler = cors({
    origin: config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false,
  });
  // The cors package answers every OPTIONS as a preflight; a plain OPTIONS (no
  // Access-Control-Request-Method) goes on to the routes, which answer 204 with `Allow`.
  app.use((req, res, next) => {
    if (req.method === 'OPTIONS' && !req.headers['access-control-request-method']) return next();
    corsHandler(req, res, next);
  });
  app.use(docsRouter(features));

  const api = express.Router();
  // Reads and writes are counted apart, each per client IP: a client polling a resource must not
  // use up the budget for creating one, and writes (database work, side effects) get the lower limit.
  const limiter = (name: string, limit: number, skip: (isRead: boolean) => boolean) =>
    rateLimit({
      windowMs: config.RATE_LIMIT_WINDOW_MS,
      limit,
      identifier: name, // names the RateLimit-Policy, so a client can tell the two apart
      skip: (req) => skip(READ_METHODS.has(req.method)),
      standardHeaders: 'draft-8', // RateLimit/RateLimit-Policy headers, plus Retry-After on 429
      legacyHeaders: false,
      // Hand over to the single error handler so 429s are problem details too.
      handler: (_req, _res, next) => {
        next(new HttpError(429, 'Too many requests, try again later'));
      },
    });
  api.use(limiter('reads', config.RATE_LIMIT_READ_MAX, (isRead) => !isRead));
  api.use(limiter('writes', config.RATE_LIMIT_MAX, (isRead) => isRead));
  api.use(jsonBodiesOnly());
  api.use(
    express.json({ limit: config.BODY_LIMIT, type: ['application/json', 'application/*+json'] }),
  );
  // The users module reads through a feature's cache when one is chosen (src/lib/cache.ts).
  const cache = features.find((feature) => feature.cache)?.cache ?? noCache;
  api.use('/users', usersRouter(prisma, cache));
  for (const feature of features) {
    for (const { path, router } of feature.routers?.({ logger, prisma }) ?? []) {
      api.use(path, router);
    }
  }
  app.use(api);

  for (const router of extraRouters) app.use(router);

  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  return app;
}
