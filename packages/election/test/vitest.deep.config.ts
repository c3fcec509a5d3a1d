/**
 * The deep simulation run: only `*.deep.test.ts` files, each with no time limit; size it with
 * `LEASEHOLD_SIM_RUNS` (chaos schedules; see test/sim/harness/run-sizes.ts). From the
 * repository root: `pnpm exec vitest run --config packages/election/test/vitest.deep.config.ts`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  resolve: { conditions: ['@leasehold/source'] },
  ssr: { resolve: { conditions: ['@leasehold/source'] } },
  test: {
    include: ['packages/election/test/**/*.deep.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 0,
    hookTimeout: 60_000,
  },
});
