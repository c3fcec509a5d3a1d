import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests against a real kube-apiserver (see README.md). Run from the repository root with
//   pnpm exec vitest run --config test/kube/vitest.config.ts
// One apiserver serves the whole run (global-setup.ts), so files run one at a time in a
// single forked worker.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { conditions: ['@leasehold/source'] },
  ssr: { resolve: { conditions: ['@leasehold/source'] } },
  test: {
    include: ['test/kube/test/**/*.kube.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/kube/test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
