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
  const tags = ['Users'];
  const common = {
    400: errorResponse('Validation failed'),
    429: errorResponse('Too many requests'),
  };

  registry.registerPath({
    method: 'post',
    path: '/users',
    tags,
    summary: 'Create a user',
    request: { body: { required: true, ...json(createUserBody) } },
    responses: {
      201: { description: 'Created', ...json(userSchema) },
      409: errorResponse('Email already in use'),
      ...common,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/users',
    tags,
    summary: 'List users (offset pagination)',
    request: { query: listUsersQuery },
    responses: { 200: { description: 'A page of users', ...json(userListSchema) }, ...common },
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
      ...common,
    },
  });

  registry.registerPath({
    method: 'patch',
    path: '/users/{id}',
    tags,
    summary: 'Update a user',
    request: { params: userIdParams, body: { required: true, ...json(updateUserBody) } },
    responses: {
      200: { description: 'The updated user', ...json(userSchema) },
      404: errorResponse('Not found'),
      409: errorResponse('Email already in use'),
      ...common,
    },
  });

  registry.registerPath({
    method: 'delete',
    path: '/users/{id}',
    tags,
    summary: 'Delete a user',
    request: { params: userIdParams },
    responses: { 204: { description: 'Deleted' }, 404: errorResponse('Not found'), ...common },
  });
}
