import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse } from '../../openapi/common.js';
import { createJobBody, jobIdParams, jobSchema } from './jobs.schemas.js';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });

/** Documents the routes in jobs.router.ts using the same (generated) schemas that validate them. */
export function registerJobsOpenApi(registry: OpenAPIRegistry): void {
  // 400/413/415/422/429 are added to every operation by src/openapi/document.ts.
  const tags = ['Jobs'];

  registry.registerPath({
    method: 'post',
    path: '/jobs',
    tags,
    summary: 'Submit a job; the worker runs it in the background',
    request: { body: { required: true, ...json(createJobBody) } },
    responses: {
      202: {
        description: 'Accepted and queued; poll the Location header for the result',
        headers: { Location: { description: '/jobs/{id}', schema: { type: 'string' } } },
        ...json(jobSchema),
      },
      503: {
        ...errorResponse(
          'The message broker did not take the job; retry after Retry-After seconds',
        ),
        headers: { 'Retry-After': { description: 'Seconds', schema: { type: 'string' } } },
      },
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/jobs/{id}',
    tags,
    summary: 'Get a job: its status and, once finished, its result or error',
    request: { params: jobIdParams },
    responses: {
      200: { description: 'The job', ...json(jobSchema) },
      404: errorResponse('Not found'),
    },
  });
}
