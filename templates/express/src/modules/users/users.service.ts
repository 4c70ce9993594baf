import type { User } from '../../generated/prisma/client.js';
import { isUniqueViolation } from '../../db/prisma-errors.js';
import { noCache, type ReadCache } from '../../lib/cache.js';
import { conflict, notFound } from '../../lib/http-error.js';
import type { UsersRepository } from './users.repository.js';
import {
  userSchema,
  type CreateUserInput,
  type ListUsersQuery,
  type UpdateUserInput,
} from './users.schemas.js';

/** The shape the API returns: an explicit allow-list, so new columns never leak by accident. */
export interface UserDto {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

const toDto = (user: User): UserDto => ({
  id: user.id,
  email: user.email,
  name: user.name,
  createdAt: user.createdAt.toISOString(),
  updatedAt: user.updatedAt.toISOString(),
});

// One user by id, as the API returns it. Lists are not cached: every write would have to
// invalidate every page.
const cacheKey = (id: string) => `users:${id}`;

export class UsersService {
  constructor(
    private readonly repository: UsersRepository,
    private readonly cache: ReadCache = noCache,
  ) {}

  async create(input: CreateUserInput): Promise<UserDto> {
    try {
      return toDto(await this.repository.create(input));
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('A user with this email already exists');
      throw err;
    }
  }

  async list(query: ListUsersQuery) {
    const { users, total } = await this.repository.list(query);
    return { data: users.map(toDto), page: { ...query, total } };
  }

  /** Cache-aside: the cached copy if there is one, else the database's, which is then cached. */
  async get(id: string): Promise<UserDto> {
    const key = cacheKey(id);
    const cached = await this.cache.get(key);
    if (cached !== undefined) {
      // A value of another shape (cached by an older version) is a miss, not an answer.
      const parsed = userSchema.safeParse(cached);
      if (parsed.success) return parsed.data;
    }
    const user = await this.repository.findById(id);
    if (!user) throw notFound('User');
    const dto = toDto(user);
    await this.cache.set(key, dto);
    return dto;
  }

  async update(id: string, input: UpdateUserInput): Promise<UserDto> {
    // An empty patch is a read: writing nothing must not move updatedAt.
    if (Object.keys(input).length === 0) return this.get(id);
    let user: User | null;
    try {
      user = await this.repository.update(id, input);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('A user with this email already exists');
      throw err;
    }
    if (!user) throw notFound('User');
    // After the write. A read racing it may still cache the old row, but only until the TTL ends.
    await this.cache.delete(cacheKey(id));
    return toDto(user);
  }

  async delete(id: string): Promise<void> {
    const deleted = await this.repository.delete(id);
    await this.cache.delete(cacheKey(id));
    if (!deleted) throw notFound('User');
  }
}
