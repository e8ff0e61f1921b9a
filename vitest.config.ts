import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/leak-check.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own database and NATS namespace, so files run in parallel safely.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
