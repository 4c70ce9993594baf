// `npm run db:migrate` (or `node dist/db/migrate-cli.js` in the container):
// applies pending migrations to DATABASE_URL, or to the PGlite data dir if unset.
import { existsSync } from 'node:fs';
import { EnvError, loadEnv } from '../config/env.js';
import { createLogger } from '../lib/logger.js';
import { openDatabase } from './database.js';

if (existsSync('.env')) process.loadEnvFile('.env');

try {
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const db = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    pgliteDataDir: env.PGLITE_DATA_DIR,
  });
  try {
    const applied = await db.migrate(logger);
    logger.info(
      { database: db.kind, applied },
      applied.length ? 'migrations applied' : 'database is up to date',
    );
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(err instanceof EnvError ? err.message : `Migration failed: ${String(err)}`);
  process.exit(1);
}
