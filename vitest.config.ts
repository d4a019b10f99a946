import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests, and browser tests that drive headless
// Chromium through playwright-core (WebGPU on SwiftShader). Both run in Node.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // One Chromium at a time: SwiftShader is CPU-bound and the machine has 2 cores.
          fileParallelism: false,
          // The page's state is polled while SwiftShader and the workers load the CPU: on a busy
          // CI runner 1 s (vitest's default) is not enough for a page to settle.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
