import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/prisma-errors.js';
import { HttpError } from '../lib/http-error.js';
import type { Logger } from '../lib/logger.js';

interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

// body-parser (express.json) marks its errors with a `type`; map the ones a client
// can cause to fixed messages instead of echoing parser output (which may quote the body).
const BODY_PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'MALFORMED_JSON', 'Request body is not valid JSON'],
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE', 'Request body is too large'],
  'encoding.unsupported': [415, 'UNSUPPORTED_ENCODING', 'Unsupported content encoding'],
  'charset.unsupported': [415, 'UNSUPPORTED_CHARSET', 'Unsupported charset'],
  'request.aborted': [400, 'REQUEST_ABORTED', 'Request aborted'],
  'request.size.invalid': [400, 'BAD_REQUEST', 'Request size did not match Content-Length'],
};

function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (isDatabaseUnavailable(err)) {
    return new HttpError(503, 'DATABASE_UNAVAILABLE', 'Service temporarily unavailable');
  }
  if (typeof err === 'object' && err !== null && 'type' in err && typeof err.type === 'string') {
    const known = BODY_PARSER_ERRORS[err.type];
    if (known) return new HttpError(...known);
  }
  return undefined;
}

export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(new HttpError(404, 'NOT_FOUND', `Route ${req.method} ${req.path} not found`));
  };
}

/** The single place that turns errors into responses: `{ error: { code, message, requestId } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    // Headers already sent (e.g. a streaming response failed midway): let Express
    // close the connection.
    if (res.headersSent) return next(err);

    const known = toHttpError(err);
    const status = known?.status ?? 500;
    const body: ErrorBody = {
      error: known
        ? { code: known.code, message: known.message, requestId: req.id }
        : // Never leak internals (messages, stack traces, SQL) for unexpected errors.
          { code: 'INTERNAL_ERROR', message: 'Internal server error', requestId: req.id },
    };
    if (known?.details !== undefined) body.error.details = known.details;

    if (status >= 500) logger.error({ err, requestId: req.id }, 'unhandled error');
    res.status(status).json(body);
  };
}
