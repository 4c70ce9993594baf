import { Router } from 'express';
import { methodNotAllowed } from '../../middleware/error-handler.js';
import { validated } from '../../middleware/validate.js';
import { createJobBody, jobIdParams } from './jobs.schemas.js';
import type { JobsService } from './jobs.service.js';

export function jobsRouter(service: JobsService): Router {
  const router = Router();

  // One route() per path, ending in methodNotAllowed: other methods get 405 with `Allow`.
  // 202: accepted, not done. The worker's result shows up in GET /jobs/:id.
  router
    .route('/')
    .post(
      validated({ body: createJobBody }, async ({ body }, req, res) => {
        const job = await service.create(body, req.id);
        res.status(202).location(`${req.baseUrl}/${job.id}`).json(job);
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/:id')
    .get(
      validated({ params: jobIdParams }, async ({ params }, _req, res) => {
        res.json(await service.get(params.id));
      }),
    )
    .all(methodNotAllowed);

  return router;
}
