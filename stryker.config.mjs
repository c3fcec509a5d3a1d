// Mutation testing of the safety-critical files (`pnpm test:mutation`): each mutant of these
// files must make some deterministic test fail, or be listed with its reason in
// docs/mutation-survivors.md. Incremental: results are kept in .stryker/ (git-ignored; CI caches
// it), so a run re-tests only mutants whose code or covering tests changed.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'packages/election/test/vitest.mutation.config.ts' },
  mutate: [
    'packages/election/src/core/lease-view.ts',
    'packages/election/src/core/lease-record.ts',
    'packages/election/src/core/config.ts',
    'packages/election/src/machine/lease-writes.ts',
    'packages/election/src/machine/context-updates.ts',
    'packages/election/src/core/fence.ts',
    'packages/election/src/kube/errors.ts',
    'packages/election/src/core/term-policy.ts',
    'packages/election/src/core/acquisition-policy.ts',
    'packages/election/src/core/observation-fold.ts',
    'packages/election/src/core/election-policy.ts',
    'packages/election/src/core/backoff.ts',
    'packages/election/src/core/retry-after.ts',
  ],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants such as DEFAULT_TIMING or a regular expression)
  // would re-run every test for each mutant: 30 % of the mutants, over half the run time.
  // They are reported as ignored; docs/mutation-survivors.md says what they are.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: '.stryker/incremental.json',
  tempDirName: '.stryker/tmp',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: '.stryker/report/mutation.html' },
  jsonReporter: { fileName: '.stryker/report/mutation.json' },
  concurrency: 2,
  timeoutMS: 5_000,
  thresholds: { high: 95, low: 85, break: null },
  cleanTempDir: 'always',
};
