/**
 * The fast test selection of the CI-bounded mutation pass (`pnpm test:mutation:ci`,
 * stryker.ci.config.mjs): only the unit tests that exercise the pure policy modules and the
 * lease view directly: the core unit tests beside the code and the edge cases of test/core.
 * No elector, no simulation, not even the latency-aware timing tests of test/timing (they
 * start an elector: each mutant they cover costs seconds of import, and a mutant that stalls
 * it costs the 5 s timeout); the policy's own tests state the same rules on the pure
 * functions. The full pass (stryker.config.mjs) judges these files with every test.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  resolve: { conditions: ['@leasehold/source'] },
  ssr: { resolve: { conditions: ['@leasehold/source'] } },
  test: {
    include: [
      'packages/election/src/core/**/*.test.ts',
      'packages/election/test/core/**/*.test.ts',
      'packages/election/src/kube/errors.test.ts',
      'packages/election/src/machine/lease-writes.test.ts',
      'packages/election/test/timing/lease-writes.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.deep.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
