import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the "@bptt/source" export condition, so they run
// against the TypeScript sources and never need a build first.
export default defineConfig({
  resolve: { conditions: ['@bptt/source'] },
  ssr: { resolve: { conditions: ['@bptt/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'packages/*/test/**/*.slow.test.ts', 'packages/*/test/**/*.nx.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
