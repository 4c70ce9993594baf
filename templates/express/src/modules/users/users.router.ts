import { Router } from 'express';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { validated } from '../../middleware/validate.js';
import { UsersRepository } from './users.repository.js';
import { createUserBody, listUsersQuery, updateUserBody, userIdParams } from './users.schemas.js';
import { UsersService } from './users.service.js';

export function usersRouter(prisma: PrismaClient): Router {
  const service = new UsersService(new UsersRepository(prisma));
  const router = Router();

  router.post(
    '/',
    validated({ body: createUserBody }, async ({ body }, req, res) => {
      const user = await service.create(body);
      res.status(201).location(`${req.baseUrl}/${user.id}`).json(user);
    }),
  );

  router.get(
    '/',
    validated({ query: listUsersQuery }, async ({ query }, _req, res) => {
      res.json(await service.list(query));
    }),
  );

  router.get(
    '/:id',
    validated({ params: userIdParams }, async ({ params }, _req, res) => {
      res.json(await service.get(params.id));
    }),
  );

  router.patch(
    '/:id',
    validated(
      { params: userIdParams, body: updateUserBody },
      async ({ params, body }, _req, res) => {
        res.json(await service.update(params.id, body));
      },
    ),
  );

  router.delete(
    '/:id',
    validated({ params: userIdParams }, async ({ params }, _req, res) => {
      await service.delete(params.id);
      res.status(204).end();
    }),
  );

  return router;
}
