import type { RequestHandler } from 'express';
import { HttpError } from '../lib/http-error.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * The API reads JSON only: a request body in any other media type (a form, text, no
 * Content-Type at all) gets 415 instead of being silently ignored by the JSON parser and then
 * failing validation as if it were empty. Requests without a body pass.
 */
export function jsonBodiesOnly(): RequestHandler {
  return (req, _res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (req.headers['content-length'] ?? '0') !== '0';
    if (!hasBody || req.is(JSON_TYPES)) return next();
    // RFC 9110 §15.5.16: say which media types would have been accepted.
    const accept =
      req.method === 'PATCH' ? 'Accept-Patch' : req.method === 'POST' ? 'Accept-Post' : 'Accept';
    next(
      new HttpError(415, 'The request body must be application/json', {
        headers: { [accept]: 'application/json' },
      }),
    );
  };
}
