import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { HttpError } from '../lib/http-error.js';

export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

type Parsed<S extends RequestSchemas> = {
  [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never;
};

/**
 * Wraps a handler so it receives typed, validated `params`/`query`/`body`.
 * Validation errors become one 400 listing field paths and Zod's messages — never
 * the submitted values, which may be secrets. Express 5 forwards a rejected
 * promise to the error handler, so handlers can simply `await` and throw.
 */
export function validated<S extends RequestSchemas>(
  schemas: S,
  handler: (input: Parsed<S>, req: Request, res: Response) => Promise<void> | void,
): RequestHandler {
  return async (req, res) => {
    const input: Record<string, unknown> = {};
    const details: { location: string; path: string; message: string }[] = [];
    for (const location of ['params', 'query', 'body'] as const) {
      const schema = schemas[location];
      if (!schema) continue;
      const result = schema.safeParse(req[location]);
      if (result.success) {
        input[location] = result.data;
      } else {
        for (const issue of result.error.issues) {
          details.push({
            location,
            path: issue.path.map(String).join('.'),
            message: issue.message,
          });
        }
      }
    }
    if (details.length > 0) {
      throw new HttpError(400, 'VALIDATION_ERROR', 'Request validation failed', details);
    }
    await handler(input as Parsed<S>, req, res);
  };
}
