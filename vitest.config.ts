import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Unit tests run src. '#ssm-client-loader' is an alias, which scripts/build.mjs resolves per bundle: here
        // it is the lazy loader, as in plain Node and for TypeScript (the eager one has its own test).
        resolve: {
          alias: { '#ssm-client-loader': fileURLToPath(new URL('./src/ssm-client-lazy.ts', import.meta.url)) },
        },
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
          include: ['test/integration/**/*.test.ts', 'test/package/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // The bin entry only wires runCli (covered) to the process; the integration tests spawn it.
      exclude: ['src/cli.ts', 'src/**/*.d.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 95, branches: 95, functions: 95, statements: 95 },
    },
  },
});
