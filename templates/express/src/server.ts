import { existsSync } from 'node:fs';
import { createApp } from './app.js';
import { EnvError, loadEnv, type Env } from './config/env.js';
import { openDatabase } from './db/database.js';
import { features } from './features.js';
import { startFeatures, stopFeatures } from './lib/feature.js';
import { createShutdown, listen, serverPort } from './lib/http-server.js';
import { createLogger } from './lib/logger.js';

// Local convenience: read .env if present (Node's built-in loader; real environment
// variables take precedence). Containers and CI pass real environment variables.
if (existsSync('.env')) process.loadEnvFile('.env');

let env: Env;
try {
  env = loadEnv();
} catch (err) {
  if (!(err instanceof EnvError)) throw err;
  // Fail fast with a readable message and no stack trace.
  console.error(err.message);
  process.exit(1);
}

const logger = createLogger(env.LOG_LEVEL);

async function start(env: Env): Promise<void> {
  const db = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    pgliteDataDir: env.PGLITE_DATA_DIR,
  });

  if (db.kind === 'pglite') {
    logger.info({ dataDir: env.PGLITE_DATA_DIR }, 'DATABASE_URL not set: using embedded PGlite');
    // The embedded database is ours alone: keep it migrated automatically. PostgreSQL
    // is migrated explicitly (`npm run db:migrate`) as a deploy step.
    await db.migrate(logger);
  }

  await startFeatures(features, { logger, prisma: db.prisma });
  const app = createApp({
    config: env,
    logger,
    prisma: db.prisma,
    checkDatabase: db.ping,
    features,
  });
  const server = await listen(app, env.PORT, env.HOST);
  logger.info({ host: env.HOST, port: serverPort(server), database: db.kind }, 'server listening');

  const shutdown = createShutdown({
    server,
    logger,
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    // Features stop first (their in-flight work may still write), then the database closes.
    onClose: async () => {
      try {
        await stopFeatures(features, logger);
      } finally {
        await db.close();
      }
    },
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // Exit 0 once shut down (even if slow requests had to be cut); 1 if cleanup failed.
      void shutdown(signal).then(({ closed }) => process.exit(closed ? 0 : 1));
    });
  }
}

start(env).catch((err: unknown) => {
  // A feature's own variables are validated when it starts: same readable message as above.
  if (err instanceof EnvError) console.error(err.message);
  // e.g. port in use, database directory not writable.
  else logger.fatal({ err }, 'failed to start');
  process.exit(1);
});
