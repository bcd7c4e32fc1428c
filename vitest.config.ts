import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the "@bptt/source" export condition, so they run against the
// TypeScript sources and never need a build first.
const resolve = { conditions: ['@bptt/source', 'import', 'module', 'node', 'default'] };

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions: ['@bptt/source'] } },
  test: {
    pool: 'forks',
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.slow.test.ts', '**/*.nx.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        resolve,
        test: { name: 'slow', include: ['packages/*/test/**/*.slow.test.ts'], testTimeout: 600_000 },
      },
      {
        resolve,
        test: { name: 'nx', include: ['packages/*/test/**/*.nx.test.ts'], testTimeout: 900_000, hookTimeout: 900_000 },
      },
    ],
  },
});
