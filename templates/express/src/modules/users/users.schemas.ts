import { z } from 'zod';
import { emailAddress, queryInt, singleLineText } from '../../lib/text.js';

// `.meta({ id })` names a schema as a reusable OpenAPI component
// (@asteasolutions/zod-to-openapi reads Zod 4 metadata directly).

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.email(),
    name: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'User' });

const email = emailAddress();
const name = singleLineText(100).meta({ example: 'Ada Lovelace' });

// strictObject: unknown fields are rejected instead of silently ignored.
export const createUserBody = z.strictObject({ email, name }).meta({ id: 'CreateUser' });

// PATCH semantics (as in JSON Merge Patch, RFC 7396): the fields sent are changed, the others kept;
// `{}` changes nothing. No field of a user can be null, so null is refused rather than read as "clear".
export const updateUserBody = z
  .strictObject({ email: email.optional(), name: name.optional() })
  .meta({
    id: 'UpdateUser',
    description:
      'Fields to change; omitted fields keep their value, an empty object changes nothing.',
  });

export const userIdParams = z.object({ id: z.uuid() });

export const listUsersQuery = z.object({
  limit: queryInt(1, 100).default(20),
  offset: queryInt(0, 1_000_000).default(0),
});

export const userListSchema = z
  .object({
    data: z.array(userSchema),
    page: z.object({ limit: z.int(), offset: z.int(), total: z.int() }),
  })
  .meta({ id: 'UserList' });

export type CreateUserInput = z.output<typeof createUserBody>;
export type UpdateUserInput = z.output<typeof updateUserBody>;
export type ListUsersQuery = z.output<typeof listUsersQuery>;
