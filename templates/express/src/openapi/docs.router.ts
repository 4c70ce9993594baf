import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Feature } from '../lib/feature.js';
import { buildOpenApiDocument } from './document.js';

/** GET /openapi.json and the Swagger UI at /docs (assets are served from node_modules: works offline). */
export function docsRouter(features: readonly Feature[] = []): Router {
  const document = buildOpenApiDocument(features);
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(document));
  return router;
}
