import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the "@bptt/source" export condition, so they run against the
// TypeScript sources and never need a build first.
const resolve = { conditions: ['@bptt/source', 'import', 'module', 'node', 'default'] };
const ssr = { resolve: { conditions: ['@bptt/source', 'import', 'module', 'node', 'default'], externalConditions: ['@bptt/source'] } };

export default defineConfig({
  resolve,
  ssr,
  test: {
    pool: 'forks',
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.slow.test.ts', '**/*.nx.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        resolve,
        ssr,
        test: { name: 'slow', include: ['packages/*/test/**/*.slow.test.ts'], testTimeout: 600_000 },
      },
      {
        resolve,
        ssr,
        test: { name: 'nx', include: ['packages/*/test/**/*.nx.test.ts'], testTimeout: 900_000, hookTimeout: 900_000 },
      },
    ],
  },
});
