import cors from 'cors';
import express, { type Express, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Env } from './config/env.js';
import type { PrismaClient } from './generated/prisma/client.js';
import type { Feature } from './lib/feature.js';
import { HttpError } from './lib/http-error.js';
import type { Logger } from './lib/logger.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { requestId } from './middleware/request-id.js';
import { requestLogger } from './middleware/request-logger.js';
import { registerHealthRoutes } from './modules/health/health.routes.js';
import { usersRouter } from './modules/users/users.router.js';
import { docsRouter } from './openapi/docs.router.js';

export type AppConfig = Pick<
  Env,
  'CORS_ORIGINS' | 'RATE_LIMIT_MAX' | 'RATE_LIMIT_WINDOW_MS' | 'BODY_LIMIT' | 'TRUST_PROXY'
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
  /** Feature modules (src/features.ts): their routers, docs and readiness checks. */
  features?: readonly Feature[];
}

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

  app.use(requestId());
  app.use(requestLogger(logger));

  // Probes first: the hottest, cheapest path (see health.routes.ts).
  const readiness = [{ name: 'database', check: checkDatabase }];
  for (const feature of features) readiness.push(...(feature.readiness ?? []));
  registerHealthRoutes(app, readiness, logger);

  // Security headers on every other response, including errors. Swagger UI works
  // with helmet's default CSP (its scripts and styles are served from /docs itself).
  app.use(helmet());

  // No CORS_ORIGINS = `origin: false`: no Access-Control-Allow-Origin for anyone.
  app.use(cors({ origin: config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false }));
  app.use(docsRouter(features));

  const api = express.Router();
  api.use(
    rateLimit({
      windowMs: config.RATE_LIMIT_WINDOW_MS,
      limit: config.RATE_LIMIT_MAX,
      standardHeaders: 'draft-8', // RateLimit/RateLimit-Policy headers, plus Retry-After on 429
      legacyHeaders: false,
      // Hand over to the single error handler so 429s share the JSON error shape.
      handler: (_req, _res, next) => {
        next(new HttpError(429, 'RATE_LIMITED', 'Too many requests, try again later'));
      },
    }),
  );
  api.use(express.json({ limit: config.BODY_LIMIT }));
  api.use('/users', usersRouter(prisma));
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
