import { Router } from 'express';
import { validated } from '../../middleware/validate.js';
import { createJobBody, jobIdParams } from './jobs.schemas.js';
import type { JobsService } from './jobs.service.js';

export function jobsRouter(service: JobsService): Router {
  const router = Router();

  // 202: accepted, not done. The worker's result shows up in GET /jobs/:id.
  router.post(
    '/',
    validated({ body: createJobBody }, async ({ body }, req, res) => {
      const job = await service.create(body, req.id);
      res.status(202).location(`${req.baseUrl}/${job.id}`).json(job);
    }),
  );

  router.get(
    '/:id',
    validated({ params: jobIdParams }, async ({ params }, _req, res) => {
      res.json(await service.get(params.id));
    }),
  );

  return router;
}
