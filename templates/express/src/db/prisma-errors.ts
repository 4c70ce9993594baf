import { Prisma } from '../generated/prisma/client.js';

// Prisma error codes: https://www.prisma.io/docs/orm/reference/error-reference
export const isUniqueViolation = (err: unknown): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

export const isRecordNotFound = (err: unknown): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025';
