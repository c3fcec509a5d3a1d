/**
 * Entry point of `pnpm bench`: `node bench/run.ts [--quick] [options]` (see src/main.ts).
 * Installs the `.js` → `.ts` resolver (src/hooks.ts), then loads the benchmark. The imports
 * are dynamic so that the resolver is in place first.
 */
await import(new URL('./src/hooks.ts', import.meta.url).href);
await import(new URL(process.env.LEASEHOLD_BENCH_ENTRY ?? './src/main.ts', import.meta.url).href);
