import type { PrismaClient, User } from '../../generated/prisma/client.js';
import { isRecordNotFound } from '../../db/prisma-errors.js';
import type { CreateUserInput, ListUsersQuery, UpdateUserInput } from './users.schemas.js';

/** Data access only: no HTTP, no business rules. Returns null when a row is missing. */
export class UsersRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(data: CreateUserInput): Promise<User> {
    return this.prisma.user.create({ data });
  }

  async list({ limit, offset }: ListUsersQuery): Promise<{ users: User[]; total: number }> {
    const [users, total] = await this.prisma.$transaction([
      this.prisma.user.findMany({
        take: limit,
        skip: offset,
        // A unique tie-breaker keeps pages stable when timestamps collide.
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
      this.prisma.user.count(),
    ]);
    return { users, total };
  }

  findById(id: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  async update(id: string, data: UpdateUserInput): Promise<User | null> {
    try {
      return await this.prisma.user.update({ where: { id }, data });
    } catch (err) {
      if (isRecordNotFound(err)) return null;
      throw err;
    }
  }

  async delete(id: string): Promise<boolean> {
    try {
      await this.prisma.user.delete({ where: { id } });
      return true;
    } catch (err) {
      if (isRecordNotFound(err)) return false;
      throw err;
    }
  }
}
