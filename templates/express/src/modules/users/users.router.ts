import { Router } from 'express';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { noCache, type ReadCache } from '../../lib/cache.js';
import { methodNotAllowed } from '../../middleware/error-handler.js';
import { validated } from '../../middleware/validate.js';
import { UsersRepository } from './users.repository.js';
import { createUserBody, listUsersQuery, updateUserBody, userIdParams } from './users.schemas.js';
import { UsersService } from './users.service.js';

export function usersRouter(prisma: PrismaClient, cache: ReadCache = noCache): Router {
  const service = new UsersService(new UsersRepository(prisma), cache);
  const router = Router();

  // One route() per path, ending in methodNotAllowed: other methods get 405 with `Allow`.
  router
    .route('/')
    .get(
      validated({ query: listUsersQuery }, async ({ query }, _req, res) => {
        res.json(await service.list(query));
      }),
    )
    .post(
      validated({ body: createUserBody }, async ({ body }, req, res) => {
        const user = await service.create(body);
        res.status(201).location(`${req.baseUrl}/${user.id}`).json(user);
      }),
    )
    .all(methodNotAllowed);

  router
    .route('/:id')
    .get(
      validated({ params: userIdParams }, async ({ params }, _req, res) => {
        res.json(await service.get(params.id));
      }),
    )
    .patch(
      validated(
        { params: userIdParams, body: updateUserBody },
        async ({ params, body }, _req, res) => {
          res.json(await service.update(params.id, body));
        },
      ),
    )
    .delete(
      validated({ params: userIdParams }, async ({ params }, _req, res) => {
        await service.delete(params.id);
        res.status(204).end();
      }),
    )
    .all(methodNotAllowed);

  return router;
}
