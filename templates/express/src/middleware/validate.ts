import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { HttpError, type FieldError } from '../lib/http-error.js';

export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

type Parsed<S extends RequestSchemas> = {
  [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never;
};

// Express's names for where a value came from, as OpenAPI (and the error's `location`) calls them.
const LOCATIONS = { params: 'path', query: 'query', body: 'body' } as const;

/**
 * Wraps a handler so it receives typed, validated `params`/`query`/`body`.
 * Invalid input becomes one 422 problem listing each field's location, path and Zod's
 * message — never the submitted values, which may be secrets. (400 is kept for a body
 * that is not JSON at all.) Express 5 forwards a rejected promise to the error handler,
 * so handlers can simply `await` and throw.
 */
export function validated<S extends RequestSchemas>(
  schemas: S,
  handler: (input: Parsed<S>, req: Request, res: Response) => Promise<void> | void,
): RequestHandler {
  return async (req, res) => {
    const input: Record<string, unknown> = {};
    const errors: FieldError[] = [];
    for (const location of ['params', 'query', 'body'] as const) {
      const schema = schemas[location];
      if (!schema) continue;
      const result = schema.safeParse(req[location]);
      if (result.success) {
        input[location] = result.data;
      } else {
        for (const issue of result.error.issues) {
          errors.push({
            location: LOCATIONS[location],
            path: issue.path.map(String).join('.'),
            message: issue.message,
          });
        }
      }
    }
    if (errors.length > 0) {
      throw new HttpError(422, 'The request is invalid: see errors', { errors });
    }
    await handler(input as Parsed<S>, req, res);
  };
}
