import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Histogram,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { Request, RequestHandler } from 'express';

// Probes are polled every few seconds: counted in the metrics, but no trace for each poll.
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

export interface HttpTelemetryOptions {
  /** Whether spans are recorded (the tracing SDK is running). */
  tracing: () => boolean;
  /** `http.server.request.duration`, when metrics are on. */
  duration: () => Histogram | undefined;
}

/**
 * A SERVER span and a duration measurement per request, named and labelled by the route template
 * (`GET /users/:id`), never by the raw path, so neither traces nor metrics grow a series per id. The
 * span continues the caller's trace (W3C `traceparent`) and is the active context for everything the
 * request does (database queries, messages published, log lines). Attributes follow the HTTP semantic
 * conventions, without query strings, bodies, headers or client addresses: no personal data.
 */
export function httpTelemetry({ tracing, duration }: HttpTelemetryOptions): RequestHandler {
  const tracer = trace.getTracer('http-server');
  return (req, res, next) => {
    const histogram = duration();
    const traced = tracing() && !PROBE_PATHS.has(req.path);
    if (!histogram && !traced) return next();

    const started = performance.now();
    const route = watchRoute(req);
    const span = traced
      ? tracer.startSpan(
          req.method,
          {
            kind: SpanKind.SERVER,
            attributes: {
              [ATTR_HTTP_REQUEST_METHOD]: req.method,
              [ATTR_URL_PATH]: req.path,
              [ATTR_URL_SCHEME]: req.protocol,
            },
          },
          propagation.extract(context.active(), req.headers),
        )
      : undefined;

    // 'close' comes after 'finish', and also when the client went away before the answer.
    res.once('close', () => {
      const attributes: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: req.method,
        [ATTR_HTTP_RESPONSE_STATUS_CODE]: res.statusCode,
      };
      if (route.template !== undefined) attributes[ATTR_HTTP_ROUTE] = route.template;
      if (res.statusCode >= 500) attributes[ATTR_ERROR_TYPE] = String(res.statusCode);
      else if (!res.writableFinished) attributes[ATTR_ERROR_TYPE] = 'aborted';
      histogram?.record((performance.now() - started) / 1000, attributes);
      if (span) {
        if (route.template !== undefined) span.updateName(`${req.method} ${route.template}`);
        span.setAttributes(attributes);
        if (attributes[ATTR_ERROR_TYPE] !== undefined)
          span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    });
    if (span) context.with(trace.setSpan(context.active(), span), next);
    else next();
  };
}

/**
 * The template of the route that handled the request (`/users/:id`), taken when Express matches it:
 * by the time the response is done, an error on the way out may have reset `req.baseUrl`.
 */
function watchRoute(req: Request): { template: string | undefined } {
  const found: { template: string | undefined } = { template: undefined };
  let matched: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => matched,
    set(value: unknown) {
      matched = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      // A router's own root ('/') under /users is /users, not /users/.
      if (typeof path === 'string')
        found.template = path === '/' && req.baseUrl ? req.baseUrl : `${req.baseUrl}${path}`;
    },
  });
  return found;
}
