/**
 * How many schedules each property runs, and how to replay a failure.
 *
 * @remarks
 * The default run (`pnpm test`) is fixed and small: the whole simulation suite in well under
 * 30 s on two shared cores. The deep run (`*.deep.test.ts`) is sized by `LEASEHOLD_SIM_RUNS`:
 * the number of chaos schedules, split evenly over the chaos shards (one test file each, so
 * vitest runs them in parallel), plus a tenth of that for each liveness property. A failure
 * prints fast-check's seed and path; `LEASEHOLD_SIM_SEED` and `LEASEHOLD_SIM_PATH` replay it.
 *
 * @module
 */

const fromEnv = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
};

/** Schedules per property in the default run. */
export const DEFAULT_RUNS = { chaos: 300, liveness: 60, narrowWindows: 200 } as const;

/** Chaos shards of the deep run: one `chaos-N.deep.test.ts` file each. */
export const DEEP_CHAOS_SHARDS = 2;

/** Schedules per property in the deep run. */
export function deepRuns(): { readonly chaosPerShard: number; readonly liveness: number } {
  const total = fromEnv('LEASEHOLD_SIM_RUNS') ?? 100_000;
  return {
    chaosPerShard: Math.ceil(total / DEEP_CHAOS_SHARDS),
    liveness: Math.max(20, Math.round(total / 10)),
  };
}

/**
 * fast-check parameters that replay a reported failure, when asked to.
 *
 * @param shard - The chaos shard's index (0-based). A pinned `LEASEHOLD_SIM_SEED` alone runs
 *   shard `k` from seed + k, so that the shards explore distinct schedules rather than the same
 *   ones twice; with `LEASEHOLD_SIM_PATH` (replaying the seed and path a failure printed, which
 *   is already the shard's own seed) the seed is used as given.
 */
export function replayParameters(shard = 0): { seed?: number; path?: string } {
  const raw = process.env.LEASEHOLD_SIM_SEED;
  if (raw === undefined || raw === '') return {};
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`LEASEHOLD_SIM_SEED must be an integer, got ${raw}`);
  const path = process.env.LEASEHOLD_SIM_PATH;
  return path ? { seed, path } : { seed: shardSeed(seed, shard) };
}

/** The seed of chaos shard `shard` under a pinned `seed`: distinct per shard, a 32-bit int. */
export function shardSeed(seed: number, shard: number): number {
  return (seed + shard) | 0;
}
