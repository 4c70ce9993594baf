import { defineConfig } from 'vitest/config';

// With DATABASE_URL set, every test file shares one real PostgreSQL database and
// truncates tables in beforeEach, so files must not run in parallel. On the
// default in-memory PGlite each file has its own database and runs in parallel.
const sharedDatabase = Boolean(process.env.DATABASE_URL);

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: !sharedDatabase,
    testTimeout: 15_000,
    hookTimeout: 30_000,
    // slot: test-options (features add vitest options above this line)
  },
});
