/**
 * `node bench/report.ts [RESULTS.json] [--out-dir DIR]`: turns a benchmark result (default:
 * the newest bench/results/*-full.json) into docs/benchmarks.md and the SVG charts in
 * docs/benchmarks/ (see src/report.ts). Both are generated: never edit them by hand.
 */
await import(new URL('./src/hooks.ts', import.meta.url).href);
const { reportMain } = (await import(new URL('./src/report.ts', import.meta.url).href)) as {
  reportMain: (argv: string[]) => void;
};
reportMain(process.argv.slice(2));
