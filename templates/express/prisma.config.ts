import { existsSync } from 'node:fs';
import { defineConfig } from 'prisma/config';

// The Prisma CLI no longer reads .env by itself (Prisma 7); Node's built-in loader
// avoids a dotenv dependency. Variables already set in the environment win.
if (existsSync('.env')) process.loadEnvFile('.env');

export default defineConfig({
  // The folder, not one file: every *.prisma file in it is part of the schema (Prisma's multi-file
  // schema), so a module can bring its own models file. Generator and datasource: schema.prisma.
  schema: 'prisma',
  migrations: { path: 'prisma/migrations' },
  // Only `prisma migrate …`/`db …` need a URL; `prisma generate` works without one,
  // so an unset DATABASE_URL must not be an error here.
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
