import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Logger } from '../lib/logger.js';

/**
 * Applies the SQL files in prisma/migrations/<name>/migration.sql with the database
 * driver itself (no Prisma CLI or engine download needed) and records them in
 * `_prisma_migrations` with Prisma's own layout, so a later `prisma migrate deploy`
 * sees them as applied. All pending migrations run in ONE transaction: either
 * all apply or none. (So, like Prisma's default, no `CREATE INDEX CONCURRENTLY`.)
 */

// src/db and dist/db are both two levels below the project root.
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

// The advisory lock key `prisma migrate` uses, so the two never run at the same time.
const PRISMA_MIGRATE_LOCK = 72707369;

// Same columns and types as the table Prisma's schema engine creates on PostgreSQL.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** The little a migration needs from a driver, inside one transaction. */
export interface SqlTransaction {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script that may contain several statements. */
  exec(sql: string): Promise<void>;
}

export type MigrationTarget = <T>(work: (tx: SqlTransaction) => Promise<T>) => Promise<T>;

export const pgliteTarget =
  (db: PGlite): MigrationTarget =>
  (work) =>
    db.transaction((tx) =>
      work({
        query: async <T>(sql: string, params?: unknown[]) => (await tx.query<T>(sql, params)).rows,
        exec: async (sql) => void (await tx.exec(sql)),
      }),
    );

export const pgClientTarget =
  (client: pg.Client): MigrationTarget =>
  async (work) => {
    await client.query('BEGIN');
    try {
      const result = await work({
        query: async <T>(sql: string, params?: unknown[]) =>
          (await client.query(sql, params)).rows as T[],
        // Without parameters node-postgres uses the simple protocol: multi-statement OK.
        exec: async (sql) => void (await client.query(sql)),
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    }
  };

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(`${dir}/${name}/migration.sql`);
      // Prisma's checksum: SHA-256 of the file's bytes, lower-case hex.
      const checksum = createHash('sha256').update(bytes).digest('hex');
      return { name, sql: bytes.toString('utf8'), checksum };
    }),
  );
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Applies pending migrations; returns the names of those it applied. */
export async function applyMigrations(
  target: MigrationTarget,
  options: { dir?: string; logger?: Pick<Logger, 'info' | 'warn'> } = {},
): Promise<string[]> {
  const migrations = await readMigrations(options.dir ?? MIGRATIONS_DIR);
  return target(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PRISMA_MIGRATE_LOCK]);
    await tx.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await tx.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );

    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new Error(
        `Migration ${failed.migration_name} failed earlier and was never resolved; ` +
          'fix the database, then run `prisma migrate resolve`.',
      );
    }
    const applied = new Map(
      rows.filter((row) => row.rolled_back_at === null).map((row) => [row.migration_name, row]),
    );

    const done: string[] = [];
    for (const migration of migrations) {
      const previous = applied.get(migration.name);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          options.logger?.warn(
            { migration: migration.name },
            'migration file changed after it was applied; create a new migration instead',
          );
        }
        continue;
      }
      const id = randomUUID();
      await tx.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, clock_timestamp())',
        [id, migration.checksum, migration.name],
      );
      await tx.exec(migration.sql);
      await tx.query(
        'UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1',
        [id],
      );
      options.logger?.info({ migration: migration.name }, 'migration applied');
      done.push(migration.name);
    }
    return done;
  });
}
