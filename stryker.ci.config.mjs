// The CI-bounded mutation pass (`pnpm test:mutation:ci`): the pure policy modules, the lease
// view and record, the fence, the configuration rules, the write builders, the machine's term
// bookkeeping and the adapter's error mapping,
// judged only by the unit tests that exercise them directly
// (packages/election/test/vitest.mutation-ci.config.ts; of those, Vitest runs only the ones
// that import the mutated file), so every mutant is decided in about a second. scripts/check-mutants.mjs then fails the step on any surviving (or uncovered) mutant
// that is not listed as equivalent in mutation-equivalents.json. The full pass over every
// safety-critical file with every deterministic test is stryker.config.mjs (`pnpm
// test:mutation`). Incremental: results are kept in .stryker/ci-incremental.json (git-ignored;
// cache .stryker/ in CI).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'packages/election/test/vitest.mutation-ci.config.ts' },
  mutate: [
    'packages/election/src/core/lease-view.ts',
    'packages/election/src/core/term-policy.ts',
    'packages/election/src/core/acquisition-policy.ts',
    'packages/election/src/core/observation-fold.ts',
    'packages/election/src/core/election-policy.ts',
    'packages/election/src/core/backoff.ts',
    'packages/election/src/core/retry-after.ts',
    'packages/election/src/core/config.ts',
    'packages/election/src/core/lease-record.ts',
    'packages/election/src/machine/lease-writes.ts',
    'packages/election/src/machine/context-updates.ts',
    'packages/election/src/core/fence.ts',
    'packages/election/src/kube/errors.ts',
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  incremental: true,
  incrementalFile: '.stryker/ci-incremental.json',
  tempDirName: '.stryker/ci-tmp',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: '.stryker/ci-report/mutation.json' },
  concurrency: 2,
  timeoutMS: 5_000,
  thresholds: { high: 95, low: 85, break: null },
  cleanTempDir: 'always',
};
