import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { RequestHandler, Router } from 'express';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { ReadCache } from './cache.js';
import type { Logger } from './logger.js';

/** What the core hands to a feature: resources that are already open. */
export interface FeatureDeps {
  logger: Logger;
  prisma: PrismaClient;
}

/** One entry of `GET /readyz`: resolves when the dependency is usable, rejects when it is not. */
export interface ReadinessCheck {
  /** Key in the response's `checks` object, e.g. "broker". */
  name: string;
  check: () => Promise<void>;
  /**
   * Default true: while the check fails the instance is taken out of rotation (503). false: the
   * failure is reported (`"unavailable"`, status `"degraded"`) but the instance stays ready, for a
   * dependency the API can answer without (a cache).
   */
  critical?: boolean;
}

/**
 * A feature module: a slice of the API (routes, docs, background work) that plugs into the app through
 * src/features.ts, so adding one needs no edit to app.ts or server.ts. Every member is optional.
 */
export interface Feature {
  /** For logs. */
  name: string;
  /**
   * Started before the other features and stopped after them (telemetry: it must be recording before
   * they start and flush what they did while stopping).
   */
  early?: boolean;
  /**
   * Handlers that see every request first, before the request id and the request log line, so what
   * they set up (a trace span) covers the whole request: tracing and metrics.
   */
  middleware?: RequestHandler[];
  /** Routers mounted on the API, after rate limiting and JSON body parsing, each under its path. */
  routers?: (deps: FeatureDeps) => { path: string; router: Router }[];
  /** Documents the routes in /openapi.json. */
  registerOpenApi?: (registry: OpenAPIRegistry) => void;
  /** Extra `/readyz` checks; the instance is taken out of rotation while a critical one fails. */
  readiness?: ReadinessCheck[];
  /**
   * A read cache for the core's resources (src/lib/cache.ts); the first feature that gives one is
   * used. It must answer (as misses) before `start` and while its backend is down.
   */
  cache?: ReadCache;
  /**
   * Runs once at start-up, before the server listens (connect clients, start consumers). Must not wait
   * for a remote dependency that may be down: retry in the background and report it via `readiness`.
   */
  start?: (deps: FeatureDeps) => Promise<void> | void;
  /**
   * Runs on graceful shutdown, after the HTTP server has stopped and drained and before the database
   * closes, so work still in flight can finish writing.
   */
  stop?: () => Promise<void> | void;
}

/** Early features first, then the others, each in registry order. */
function startOrder(features: readonly Feature[]): Feature[] {
  return [...features.filter((f) => f.early), ...features.filter((f) => !f.early)];
}

export async function startFeatures(features: readonly Feature[], deps: FeatureDeps) {
  for (const feature of startOrder(features)) await feature.start?.(deps);
}

/** Stops features in reverse start order. Every stop runs even if another fails; then it throws. */
export async function stopFeatures(features: readonly Feature[], logger: Logger): Promise<void> {
  const failed: string[] = [];
  for (const feature of startOrder(features).reverse()) {
    try {
      await feature.stop?.();
    } catch (err) {
      failed.push(feature.name);
      logger.error({ err, feature: feature.name }, 'feature did not stop cleanly');
    }
  }
  if (failed.length > 0) throw new Error(`features did not stop cleanly: ${failed.join(', ')}`);
}
