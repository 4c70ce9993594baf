import { z } from 'zod';
import { PROBLEM_JSON } from '../lib/http-error.js';

export const fieldErrorSchema = z
  .object({
    location: z.enum(['path', 'query', 'header', 'body']),
    path: z.string().meta({ example: 'email' }),
    message: z.string(),
  })
  .meta({ id: 'FieldError' });

/** RFC 9457 problem details: the body of every error answer (see src/lib/http-error.ts). */
export const problemSchema = z
  .object({
    type: z.string().meta({ example: 'about:blank' }),
    title: z.string().meta({ example: 'Not Found' }),
    status: z.int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional().meta({ description: 'The request path' }),
    errors: z
      .array(fieldErrorSchema)
      .optional()
      .meta({ description: 'On 422 only: each invalid input' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** Response entry for an error status, for use in `registerPath({ responses })`. */
export const errorResponse = (description: string) => ({
  description,
  content: { [PROBLEM_JSON]: { schema: problemSchema } },
});
