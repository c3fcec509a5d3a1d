/**
 * The direct tests of the write builders and the adapter's error mapping, for a mutation run
 * of machine/lease-writes.ts and kube/errors.ts alone (stryker.adapter.config.mjs): the
 * timing tests of the writes on the in-memory store and the adapter's own tests against a
 * local HTTP server. The full pass (stryker.config.mjs) judges them with every test.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  resolve: { conditions: ['@leasehold/source'] },
  ssr: { resolve: { conditions: ['@leasehold/source'] } },
  test: {
    include: [
      'packages/election/test/timing/lease-writes.test.ts',
      'packages/election/src/kube/kube-adapter.test.ts',
      'packages/election/src/kube/kube-lease-store.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.deep.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
