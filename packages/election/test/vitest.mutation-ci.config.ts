/**
 * The fast test selection of the CI-bounded mutation pass (`pnpm test:mutation:ci`,
 * stryker.ci.config.mjs): only the unit tests that exercise the mutated files directly: the
 * core unit tests beside the code and the edge cases of test/core; the adapter's error mapping
 * without a server (src/kube/errors.test.ts); the write builders on the in-memory store
 * (src/machine/lease-writes.test.ts and test/timing/lease-writes.test.ts, which runs them on a
 * manual clock and starts no elector); the machine's term bookkeeping as plain functions
 * (src/machine/context-updates.test.ts). No elector, no simulation, no HTTP server, not the
 * other timing tests of test/timing (they start an elector: each mutant they cover costs
 * seconds of import, and a mutant that stalls it costs the 5 s timeout); the policy's own
 * tests state the same rules on the pure functions. The full pass (stryker.config.mjs) judges
 * these files with every test.
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
      'packages/election/src/machine/context-updates.test.ts',
      'packages/election/test/timing/lease-writes.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.deep.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
