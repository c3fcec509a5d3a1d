/**
 * The chaos runner's only source of randomness: a small seeded generator, so that one seed
 * always makes the same sequence of decisions (which action, on whom, how long). The timing
 * of real processes is not reproducible; the decisions are.
 *
 * @module
 */

/** Largest seed accepted (seeds are unsigned 32-bit integers). */
export const MAX_SEED = 0xffff_ffff;

/** sfc32 seeded from one 32-bit integer: fast, well distributed, and tiny. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.#a = 0x9e37_79b9;
    this.#b = 0x243f_6a88;
    this.#c = 0xb7e1_5162;
    this.#d = seed >>> 0;
    // Mix the seed in before the first draw: nearby seeds must not give nearby sequences.
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform in `[0, 1)`. */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  }

  /** Uniform in `[min, max)`. */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** A whole number in `[min, max]`. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One of `items` (which must not be empty), uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /**
   * One of the keys, with probability proportional to its weight; `undefined` when every
   * weight is 0.
   */
  weighted<K extends string>(weights: Readonly<Partial<Record<K, number>>>): K | undefined {
    const entries = (Object.entries(weights) as [K, number][]).filter(([, w]) => w > 0);
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    if (total <= 0) return undefined;
    let draw = this.next() * total;
    for (const [key, weight] of entries) {
      draw -= weight;
      if (draw < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }
}
