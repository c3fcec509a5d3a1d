/**
 * A small seeded PRNG (mulberry32), so every random choice in a simulation — jitter, delays —
 * comes from the schedule's seed and a failing schedule replays exactly.
 *
 * @module
 */

/** A deterministic source of numbers in [0, 1). */
export interface Random {
  (): number;
  /** An integer in [min, max], inclusive. */
  int(min: number, max: number): number;
  /** A new independent stream, derived from this one: one per elector, one per link. */
  fork(): Random;
}

/** Creates a {@link Random} from a 32-bit seed. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const random = next as Random;
  random.int = (min, max) => min + Math.floor(next() * (max - min + 1));
  random.fork = () => createRandom(Math.floor(next() * 4_294_967_296));
  return random;
}
