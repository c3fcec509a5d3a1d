/**
 * The tests the mutation run (`pnpm test:mutation`, Stryker) judges mutants with: every
 * deterministic test of the election package — unit tests, timing tests, bad input, the
 * directed simulation scenarios and regressions. Left out: the random properties (chaos,
 * liveness, narrow windows, and the checks and plants run against them: a fresh seed each run
 * would make a mutant's verdict vary between runs), the real-time end-to-end cases and the deep
 * runs. See stryker.config.mjs.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  resolve: { conditions: ['@leasehold/source'] },
  ssr: { resolve: { conditions: ['@leasehold/source'] } },
  test: {
    include: ['packages/election/src/**/*.test.ts', 'packages/election/test/**/*.test.ts'],
    exclude: [
      '**/node_modules/**',
      '**/dist/**',
      '**/*.deep.test.ts',
      'packages/election/test/sim/chaos.test.ts',
      'packages/election/test/sim/liveness.test.ts',
      'packages/election/test/sim/checks-can-fail.test.ts',
      'packages/election/test/sim/narrow-windows.test.ts',
      'packages/election/test/sim/planted-bugs.test.ts',
      'packages/election/test/e2e/**',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
