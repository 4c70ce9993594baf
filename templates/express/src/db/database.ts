import { mkdirSync } from 'node:fs';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../lib/logger.js';
import { applyMigrations, pgClientTarget, pgliteTarget } from './migrate.js';

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly prisma: PrismaClient;
  // Function-typed properties (not methods) so they can be passed around unbound.
  /** Applies pending migrations from prisma/migrations; returns their names. */
  readonly migrate: (logger?: Logger) => Promise<string[]>;
  /** Cheap round trip for the readiness probe. */
  readonly ping: () => Promise<void>;
  readonly close: () => Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL. Unset: embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory, or `memory://` for a throw-away in-memory database. */
  pgliteDataDir?: string;
  /** A PGlite `dumpDataDir()` tarball to start from (tests: skips the slow initdb). */
  pgliteSnapshot?: Blob | undefined;
}

/**
 * PostgreSQL through `@prisma/adapter-pg` when DATABASE_URL is set; otherwise
 * PGlite — PostgreSQL compiled to WASM, running in-process — so `npm run dev` and
 * `npm test` need no database server, and the same migration SQL runs on both.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { databaseUrl } = options;
  if (databaseUrl) {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    return {
      kind: 'postgres',
      prisma,
      async migrate(logger) {
        // A dedicated connection: migrations need a multi-statement transaction.
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          return await applyMigrations(pgClientTarget(client), { logger });
        } finally {
          await client.end();
        }
      },
      ping: async () => void (await prisma.$queryRaw`SELECT 1`),
      close: () => prisma.$disconnect(),
    };
  }

  const dataDir = options.pgliteDataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  // Loaded lazily: deployments on PostgreSQL never pay for the WASM module.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const pglite = await PGlite.create(dataDir, { loadDataDir: options.pgliteSnapshot });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    kind: 'pglite',
    prisma,
    migrate: (logger) => applyMigrations(pgliteTarget(pglite), { logger }),
    ping: async () => void (await prisma.$queryRaw`SELECT 1`),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
