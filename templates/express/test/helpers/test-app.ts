import { readFile } from 'node:fs/promises';
import type { Express } from 'express';
import { inject } from 'vitest';
import { createApp, type AppConfig, type AppDeps } from '../../src/app.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { createLogger } from '../../src/lib/logger.js';

export const silentLogger = createLogger('silent');

export const testConfig: AppConfig = {
  CORS_ORIGINS: ['https://app.example.com'],
  RATE_LIMIT_MAX: 10_000,
  RATE_LIMIT_READ_MAX: 10_000,
  RATE_LIMIT_WINDOW_MS: 60_000,
  BODY_LIMIT: '100kb',
  TRUST_PROXY: 0,
};

/**
 * The database the tests run against: real PostgreSQL when DATABASE_URL is set
 * (CI), otherwise a fresh in-memory PGlite per test file, started from the
 * snapshot made in test/global-setup.ts. Migrations are applied by the tests
 * themselves, with the same applier as production.
 */
export async function openTestDatabase(): Promise<Database> {
  assertDisposableDatabase(process.env.DATABASE_URL);
  const snapshotFile = inject('pgliteSnapshot');
  const db = await openDatabase({
    databaseUrl: process.env.DATABASE_URL,
    pgliteDataDir: 'memory://',
    pgliteSnapshot: snapshotFile ? new Blob([await readFile(snapshotFile)]) : undefined,
  });
  await db.migrate();
  return db;
}

/**
 * The tests empty tables, so they refuse a PostgreSQL database whose name does not say it is for tests
 * (a DATABASE_URL left over from development would otherwise lose its data).
 */
export function assertDisposableDatabase(databaseUrl: string | undefined): void {
  if (!databaseUrl) return;
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!name.includes('test')) {
    throw new Error(
      `Refusing to run tests against database "${name}": the tests delete data. Use a database whose name contains "test".`,
    );
  }
}

/** Isolates tests from each other (and from other files on a shared PostgreSQL). */
export async function resetDatabase(db: Database): Promise<void> {
  await db.prisma.$executeRawUnsafe('TRUNCATE TABLE "users" CASCADE');
}

type Overrides = Partial<Omit<AppDeps, 'config'>> & { config?: Partial<AppConfig> };

export function buildTestApp(db: Database, overrides: Overrides = {}): Express {
  return createApp({
    logger: silentLogger,
    prisma: db.prisma,
    checkDatabase: db.ping,
    ...overrides,
    config: { ...testConfig, ...overrides.config },
  });
}
