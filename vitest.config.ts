import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The SDK warns once per process that its 2027 releases need Node 22; the suites fork many processes.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/package/**', '**/node_modules/**'],
          setupFiles: ['test/setup-matchers.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          // The examples import the package by name, as their users do: from dist, through package.json "exports".
          include: ['test/integration/**/*.test.ts', 'test/package/**/*.test.ts', 'examples/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // The bin only wires runCli (covered) to the process, and the integration tests spawn it; entry points only
      // re-export, so they hold no code to cover.
      exclude: ['src/cli/bin.ts', 'src/**/*.d.ts', 'src/**/index.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 95, branches: 95, functions: 95, statements: 95 },
    },
  },
});
