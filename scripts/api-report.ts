/**
 * API reports of every public entry point, with API Extractor.
 *
 *   node scripts/api-report.ts          check: fails when an entry's API differs from its
 *                                       committed report in etc/api/ (what CI runs)
 *   node scripts/api-report.ts --update rewrite the reports after a deliberate API change
 *
 * Reads the built declarations. `pnpm api:check` and `pnpm api:update` rebuild them with
 * `tsc -b --force` first: an incremental build can emit the members of the machine's inferred
 * union types in another order than a clean one, and a report must not depend on what was
 * built before. One report per entry point, because API
 * Extractor analyses one entry at a time; the list below must follow the packages' `exports`.
 *
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';

interface Entry {
  /** Report file name, without `.api.md`. */
  readonly report: string;
  /** The package folder. */
  readonly packageDir: string;
  /** The entry's declaration file, relative to the package folder. */
  readonly types: string;
}

const ENTRIES: readonly Entry[] = [
  { report: 'election', packageDir: 'packages/election', types: 'dist/index.d.ts' },
  { report: 'election-testing', packageDir: 'packages/election', types: 'dist/testing/index.d.ts' },
  {
    report: 'election-testing-conformance',
    packageDir: 'packages/election',
    types: 'dist/testing/conformance.d.ts',
  },
  { report: 'election-machine', packageDir: 'packages/election', types: 'dist/machine-entry.d.ts' },
  { report: 'election-prometheus', packageDir: 'packages/election', types: 'dist/prometheus.d.ts' },
  { report: 'election-otel', packageDir: 'packages/election', types: 'dist/otel.d.ts' },
  { report: 'election-health', packageDir: 'packages/election', types: 'dist/health.d.ts' },
  { report: 'testing', packageDir: 'packages/testing', types: 'dist/index.d.ts' },
  { report: 'cli', packageDir: 'packages/cli', types: 'dist/index.d.ts' },
];

const root = resolve(import.meta.dirname, '..');
const reportFolder = join(root, 'etc/api');
const update = process.argv.includes('--update');
const temp = mkdtempSync(join(tmpdir(), 'leasehold-api-'));
mkdirSync(reportFolder, { recursive: true });

const changed: string[] = [];
let failed = false;
for (const entry of ENTRIES) {
  const packageDir = join(root, entry.packageDir);
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: packageDir,
      mainEntryPointFilePath: join(packageDir, entry.types),
      compiler: { tsconfigFilePath: join(packageDir, 'tsconfig.json') },
      apiReport: {
        enabled: true,
        reportFileName: entry.report,
        reportFolder,
        reportTempFolder: temp,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // The report records an unexported type a public one refers to (e.g. the machine type
        // behind `LeaderElector.actor`) as "not exported"; that is information, not an error.
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.Warning },
          'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
          'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
          // Documentation coverage is a review matter, not an API change.
          'ae-undocumented': { logLevel: ExtractorLogLevel.None },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      },
    },
    configObjectFullPath: join(packageDir, 'api-extractor.json'),
    packageJsonFullPath: join(packageDir, 'package.json'),
  });
  const result = Extractor.invoke(config, {
    localBuild: update,
    showVerboseMessages: false,
    messageCallback: (message) => {
      // The bundled compiler may be older than the workspace's; the declarations are plain.
      if (message.messageId === 'console-compiler-version-notice') message.handled = true;
    },
  });
  if (result.apiReportChanged) changed.push(`etc/api/${entry.report}.api.md`);
  // Warnings (e.g. a TSDoc link to an unexported name) are printed above but do not fail.
  if (result.errorCount > 0) failed = true;
}
rmSync(temp, { recursive: true, force: true });

if (update) {
  console.log(
    changed.length > 0 ? `api: updated ${changed.join(', ')}` : 'api: reports already current',
  );
} else if (changed.length > 0 || failed) {
  console.error(
    `api: the public API differs from ${changed.join(', ') || 'the committed reports'}.\n` +
      'If the change is meant, run `pnpm api:update` and commit the reports.',
  );
  process.exitCode = 1;
} else {
  console.log(`api: ${ENTRIES.length} entry points match their reports`);
}
