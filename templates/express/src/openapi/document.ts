import { readFileSync } from 'node:fs';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { Feature } from '../lib/feature.js';
import { registerUsersOpenApi } from '../modules/users/users.openapi.js';

// src/openapi and dist/openapi are both two levels below the project root.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

/** Builds the OpenAPI 3.1 document from the Zod schemas each module registers. */
export function buildOpenApiDocument(features: readonly Feature[] = []) {
  const registry = new OpenAPIRegistry();

  registry.registerPath({
    method: 'get',
    path: '/healthz',
    tags: ['Health'],
    summary: 'Liveness: the process is up (no dependencies checked)',
    responses: {
      200: {
        description: 'Alive',
        content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    tags: ['Health'],
    summary: 'Readiness: the database (and what features depend on) answers',
    responses: {
      200: { description: 'Ready' },
      503: { description: 'Not ready (a dependency is unreachable)' },
    },
  });

  registerUsersOpenApi(registry);
  for (const feature of features) feature.registerOpenApi?.(registry);

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: pkg.name, version: pkg.version },
  });
}
