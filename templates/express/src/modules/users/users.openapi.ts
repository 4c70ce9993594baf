import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorResponse } from '../../openapi/common.js';
import {
  createUserBody,
  listUsersQuery,
  updateUserBody,
  userIdParams,
  userListSchema,
  userSchema,
} from './users.schemas.js';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });

/** Documents the routes in users.router.ts using the same Zod schemas that validate them. */
export function registerUsersOpenApi(registry: OpenAPIRegistry): void {
  // 400/413/415/422/429 are added to every operation by src/openapi/document.ts.
  const tags = ['Users'];

  registry.registerPath({
    method: 'post',
    path: '/users',
    tags,
    summary: 'Create a user',
    request: { body: { required: true, ...json(createUserBody) } },
    responses: {
      201: { description: 'Created', ...json(userSchema) },
      409: errorResponse('Email already in use'),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/users',
    tags,
    summary: 'List users (offset pagination)',
    request: { query: listUsersQuery },
    responses: { 200: { description: 'A page of users', ...json(userListSchema) } },
  });

  registry.registerPath({
    method: 'get',
    path: '/users/{id}',
    tags,
    summary: 'Get a user',
    request: { params: userIdParams },
    responses: {
      200: { description: 'The user', ...json(userSchema) },
      404: errorResponse('Not found'),
    },
  });

  registry.registerPath({
    method: 'patch',
    path: '/users/{id}',
    tags,
    summary: 'Update a user (only the fields sent)',
    request: { params: userIdParams, body: { required: true, ...json(updateUserBody) } },
    responses: {
      200: { description: 'The updated user', ...json(userSchema) },
      404: errorResponse('Not found'),
      409: errorResponse('Email already in use'),
    },
  });

  registry.registerPath({
    method: 'delete',
    path: '/users/{id}',
    tags,
    summary: 'Delete a user',
    request: { params: userIdParams },
    responses: { 204: { description: 'Deleted' }, 404: errorResponse('Not found') },
  });
}
