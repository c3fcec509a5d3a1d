/**
 * How many schedules each property runs. The default run stays small (the whole simulation
 * suite in well under 30 s on two shared cores); `LEASEHOLD_SIM_RUNS` scales every property
 * for a deep run (it is the chaos property's count; the others take a proportional share).
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

/** Schedules of the chaos property. */
export const CHAOS_RUNS = fromEnv('LEASEHOLD_SIM_RUNS') ?? 300;

/** Schedules of each liveness property: a fraction of the chaos count, at least 20. */
export const LIVENESS_RUNS = Math.max(20, Math.round(CHAOS_RUNS / 5));
