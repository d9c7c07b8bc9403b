import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Children started through bin/tollstream.js run the TypeScript under test, not a dist/ built earlier; the
    // compiled package has its own test (test/integration/package).
    env: { TOLLSTREAM_FROM_SOURCE: '1' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.{ts,tsx}', 'test/e2e/**/*.test.{ts,tsx}'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
