import { z } from 'zod';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'NOT_FOUND' }),
      message: z.string(),
      requestId: z.string(),
      details: z
        .array(z.object({ location: z.string(), path: z.string(), message: z.string() }))
        .optional(),
    }),
  })
  .meta({ id: 'Error' });

/** Response entry for an error status, for use in `registerPath({ responses })`. */
export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorSchema } },
});
