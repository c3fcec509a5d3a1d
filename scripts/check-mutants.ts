/**
 * The gate of the CI mutation pass (`pnpm test:mutation:ci`): reads Stryker's JSON report and
 * fails when a mutant survived (or ran under no test) without being listed as equivalent in
 * mutation-equivalents.json. Stryker has thresholds on the score but no allow-list; a score
 * threshold would let a new survivor hide behind an old kill, this does not.
 *
 * A listed mutant is named by its file, its mutator, the exact original and replacement text
 * and the text of the source line it starts on, never by its line number, so edits elsewhere
 * in the file do not invalidate the list (an edit of that line does: review it again). Entries
 * that no longer match any surviving mutant are reported (the code changed or a test now kills
 * it) so the list can be pruned; they do not fail the step.
 *
 * Usage: node scripts/check-mutants.ts [report.json] [equivalents.json]
 */
import { readFileSync } from 'node:fs';

interface Position {
  readonly line: number;
  readonly column: number;
}
interface Mutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: Position; readonly end: Position };
}
interface Report {
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>;
}
interface Equivalent {
  readonly file: string;
  readonly mutator: string;
  readonly original: string;
  readonly replacement: string;
  /** The source line the mutant starts on, whitespace collapsed. */
  readonly line: string;
  readonly reason: string;
}

const reportPath = process.argv[2] ?? '.stryker/ci-report/mutation.json';
const listPath = process.argv[3] ?? 'mutation-equivalents.json';
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
const equivalents = (JSON.parse(readFileSync(listPath, 'utf8')) as { mutants: Equivalent[] })
  .mutants;

/** The text a location spans (Stryker's lines and columns are 1-based). */
function slice(source: string, start: Position, end: Position): string {
  const lines = source.split('\n');
  const offset = (p: Position) =>
    lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + p.column - 1;
  return source.slice(offset(start), offset(end));
}

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();
const key = (file: string, mutator: string, original: string, replacement: string, line: string) =>
  JSON.stringify([file, mutator, normalise(original), normalise(replacement), normalise(line)]);

const listed = new Map(
  equivalents.map((e) => [key(e.file, e.mutator, e.original, e.replacement, e.line), e]),
);
const used = new Set<string>();
const unexpected: string[] = [];
const detected = new Set(['Killed', 'Timeout']);

console.log('file                                              killed  survived  listed  score');
for (const [file, { source, mutants }] of Object.entries(report.files).sort()) {
  let killed = 0;
  let survived = 0;
  let allowed = 0;
  for (const m of mutants) {
    if (detected.has(m.status)) killed++;
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    survived++;
    const original = slice(source, m.location.start, m.location.end);
    const line = source.split('\n')[m.location.start.line - 1] ?? '';
    const k = key(file, m.mutatorName, original, m.replacement ?? '', line);
    if (listed.has(k)) {
      used.add(k);
      allowed++;
      continue;
    }
    unexpected.push(
      `${file}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ` +
        `${normalise(original)}  ->  ${normalise(m.replacement ?? '')}\n    line: ${normalise(line)}`,
    );
  }
  const tested = killed + survived;
  const score = tested === 0 ? 'n/a' : `${((100 * killed) / tested).toFixed(1)} %`;
  console.log(
    `${file.padEnd(50)}${String(killed).padStart(6)}${String(survived).padStart(10)}` +
      `${String(allowed).padStart(8)}  ${score}`,
  );
}

for (const [k, e] of listed) {
  if (!used.has(k))
    console.log(
      `note: listed equivalent no longer survives: ${e.file} ${e.mutator}: ${e.original}`,
    );
}
if (unexpected.length > 0) {
  console.error(`\n${unexpected.length} surviving mutant(s) not listed in ${listPath}:`);
  for (const line of unexpected) console.error(`  ${line}`);
  console.error('Kill each with a test, or list it there with the reason it is equivalent.');
  process.exit(1);
}
console.log(
  `\nEvery surviving mutant is a listed equivalent (${used.size} of ${listed.size} entries used).`,
);
