import { readFileSync } from 'node:fs';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { Feature } from '../lib/feature.js';
import { PROBLEM_JSON } from '../lib/http-error.js';
import { registerUsersOpenApi } from '../modules/users/users.openapi.js';

// src/openapi and dist/openapi are both two levels below the project root.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

type Document = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const PROBES = new Set(['/healthz', '/readyz']);
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/**
 * The error answers the app gives on every API route, whatever the route (see app.ts): added to
 * each operation here so no module has to list them, and a feature's routes are covered too.
 */
function addCommonProblems(document: Document): void {
  // The Problem component exists: every module's errorResponse() refers to it (users: 404).
  const problem = (description: string) => ({
    description,
    content: { [PROBLEM_JSON]: { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (PROBES.has(path)) continue; // never rate limited, no input
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const responses = (operation.responses ??= {});
      const add = (status: string, description: string) => {
        responses[status] ??= problem(description);
      };
      if (operation.requestBody) {
        add('400', 'The body is not valid JSON');
        add('413', 'The body is too large');
        add('415', 'The body is not application/json');
      }
      if (operation.requestBody || operation.parameters?.length) add('422', 'Invalid input');
      add('429', 'Too many requests (see the RateLimit and Retry-After headers)');
    }
  }
}

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
      200: {
        description:
          'Ready (status "degraded" when a non-critical dependency, such as a cache, is unavailable)',
      },
      503: { description: 'Not ready (a dependency is unreachable)' },
    },
  });

  registerUsersOpenApi(registry);
  for (const feature of features) feature.registerOpenApi?.(registry);

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: pkg.name, version: pkg.version },
  });
  addCommonProblems(document);
  return document;
}
