import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 has no "exports": Vite would pick its .mjs build for our code while Node loads the
    // CommonJS one for Pothos and Yoga — two realms, and "Cannot use GraphQLObjectType from another
    // module". One entry for everybody.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/leak-check.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own database and NATS namespace, so files run in parallel safely. Three at
    // once on two cores: most files wait on timers, ack waits and child processes, not on the CPU.
    pool: 'forks',
    maxWorkers: 3,
    reporters: ['default'],
  },
});
