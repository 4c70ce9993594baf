import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      // Generous: many unit tests run the built CLI as a process, which is slow on a loaded runner.
      { test: { name: 'unit', include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          // Real installs and servers; files run one at a time so they do not starve each other on 2 cores.
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
