// Mutation run of the write builders and the adapter's error mapping judged by their direct
// tests only (packages/election/test/vitest.mutation-adapter.config.ts):
// `pnpm exec stryker run stryker.adapter.config.mjs`. A quicker way to their figures than the
// full pass (stryker.config.mjs), whose dry run also starts every elector test.
import full from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...full,
  vitest: { configFile: 'packages/election/test/vitest.mutation-adapter.config.ts' },
  mutate: ['packages/election/src/machine/lease-writes.ts', 'packages/election/src/kube/errors.ts'],
  incrementalFile: '.stryker/adapter-incremental.json',
  tempDirName: '.stryker/adapter-tmp',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: '.stryker/adapter-report/mutation.json' },
};
