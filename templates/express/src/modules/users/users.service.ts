import type { User } from '../../generated/prisma/client.js';
import { isUniqueViolation } from '../../db/prisma-errors.js';
import { conflict, notFound } from '../../lib/http-error.js';
import type { UsersRepository } from './users.repository.js';
import type { CreateUserInput, ListUsersQuery, UpdateUserInput } from './users.schemas.js';

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

export class UsersService {
  constructor(private readonly repository: UsersRepository) {}

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

  async get(id: string): Promise<UserDto> {
    const user = await this.repository.findById(id);
    if (!user) throw notFound('User');
    return toDto(user);
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
    return toDto(user);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repository.delete(id))) throw notFound('User');
  }
}
