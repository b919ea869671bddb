import { defineConfig } from 'vitest/config';

// One project per test tier (ARCHITECTURE.md "Tests, in tiers"). scripts/test.mjs
// decides which tiers can run on this machine and says why the others cannot.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      { test: { name: 'kernel', include: ['test/kernel/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } },
      { test: { name: 'docker', include: ['test/docker/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 900_000, fileParallelism: false } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } },
    ],
  },
});
