import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { isDatabaseUnavailable } from '../db/prisma-errors.js';
import { HttpError, PROBLEM_JSON, statusTitle, type Problem } from '../lib/http-error.js';
import type { Logger } from '../lib/logger.js';

// body-parser (express.json) marks its errors with a `type`; map the ones a client
// can cause to fixed messages instead of echoing parser output (which may quote the body).
const BODY_PARSER_ERRORS: Record<string, [number, string]> = {
  'entity.parse.failed': [400, 'Request body is not valid JSON'],
  'entity.too.large': [413, 'Request body is too large'],
  'encoding.unsupported': [415, 'Unsupported content encoding'],
  'charset.unsupported': [415, 'Unsupported charset'],
  'request.aborted': [400, 'Request aborted'],
  'request.size.invalid': [400, 'Request size did not match Content-Length'],
};

function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (isDatabaseUnavailable(err)) return new HttpError(503, 'Service temporarily unavailable');
  if (typeof err === 'object' && err !== null && 'type' in err && typeof err.type === 'string') {
    const known = BODY_PARSER_ERRORS[err.type];
    if (known) return new HttpError(...known);
  }
  return undefined;
}

/** Writes an RFC 9457 problem details answer. */
export function sendProblem(res: Response, problem: Omit<Problem, 'type' | 'title'>): void {
  const body: Problem = { type: 'about:blank', title: statusTitle(problem.status), ...problem };
  res.status(problem.status).type(PROBLEM_JSON).send(JSON.stringify(body));
}

// The path only: a query string may hold secrets.
const pathOf = (req: Request): string => req.originalUrl.split('?', 1)[0] ?? '/';

export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(new HttpError(404, `No route for ${req.method} ${req.path}`));
  };
}

/**
 * The last handler of a `router.route(path)`: the path exists but not with this method. Answers
 * 405 with the `Allow` header RFC 9110 requires (OPTIONS gets 204 with the same header).
 */
export const methodNotAllowed: RequestHandler = (req, res, next) => {
  const route = req.route as { methods: Record<string, boolean> };
  const allowed = Object.keys(route.methods)
    .filter((method) => method !== '_all')
    .map((method) => method.toUpperCase());
  if (allowed.includes('GET')) allowed.splice(allowed.indexOf('GET') + 1, 0, 'HEAD');
  res.setHeader('Allow', allowed.join(', '));
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next(new HttpError(405, `${req.method} is not supported here`));
};

/** The single place that turns errors into responses: RFC 9457 problem details. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    // Headers already sent (e.g. a streaming response failed midway): let Express
    // close the connection.
    if (res.headersSent) return next(err);

    const known = toHttpError(err);
    if (!known) {
      logger.error({ err, requestId: req.id }, 'unhandled error');
      // Never leak internals (messages, stack traces, SQL) for unexpected errors.
      sendProblem(res, { status: 500, detail: 'Internal server error', instance: pathOf(req) });
      return;
    }
    if (known.status >= 500) logger.error({ err, requestId: req.id }, 'request failed');
    for (const [name, value] of Object.entries(known.options.headers ?? {})) {
      res.setHeader(name, value);
    }
    sendProblem(res, {
      status: known.status,
      detail: known.detail,
      instance: pathOf(req),
      ...(known.options.errors && { errors: known.options.errors }),
    });
  };
}
