import { Prisma } from '../generated/prisma/client.js';

// Prisma error codes: https://www.prisma.io/docs/orm/reference/error-reference
const hasCode = (err: unknown, codes: readonly string[]): boolean =>
  err instanceof Prisma.PrismaClientKnownRequestError && codes.includes(err.code);

export const isUniqueViolation = (err: unknown) => hasCode(err, ['P2002']);

export const isRecordNotFound = (err: unknown) => hasCode(err, ['P2025']);

/** Can't reach / timed out / connection pool exhausted: worth a 503, not a 500. */
export const isDatabaseUnavailable = (err: unknown) =>
  hasCode(err, ['P1001', 'P1002', 'P1017', 'P2024']);
