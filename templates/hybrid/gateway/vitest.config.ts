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
    // Servers the tests start as processes (test/helpers/spawn-server.ts) run the jobs feature and
    // connect to AMQP_URL or a local broker: a namespace of their own keeps them off the queues of a
    // gateway running against that broker. (The integration tests pick a random one.)
    env: { AMQP_NAMESPACE: 'gateway-test' },
  },
});
