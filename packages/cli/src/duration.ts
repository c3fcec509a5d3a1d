/**
 * Human durations on the command line: `500ms`, `15s`, `1m`, `1m30s`, `1.5s`.
 *
 * @module
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** A duration string that does not parse; the message is meant for the user. */
export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/**
 * Parses a duration into milliseconds.
 *
 * A bare number is refused rather than guessed at: `15` could mean seconds (client-go flags)
 * or milliseconds (the library's options), and a wrong guess is a silent 1000× mistake.
 * @throws {@link DurationError} for anything else.
 */
export function parseDuration(text: string): number {
  const input = text.trim();
  if (input === '') throw new DurationError('empty duration');
  if (/^\d+(\.\d+)?$/.test(input)) {
    throw new DurationError(`"${text}" has no unit: write e.g. ${input}s or ${input}ms`);
  }
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(input); match !== null; match = PART.exec(input)) {
    const [whole, amount, unit] = match;
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
    consumed += whole.length;
  }
  if (consumed !== input.length || !Number.isFinite(total)) {
    throw new DurationError(`"${text}" is not a duration (examples: 500ms, 15s, 1m, 1m30s)`);
  }
  return Math.round(total);
}

/** Formats milliseconds for people: `850 ms`, `3.42 s`, `2 min 05 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${Math.round(abs)} ms`;
  // Two decimals are enough to compare failovers; trailing zeros say nothing ("4 s", "3.5 s").
  if (abs < 60_000) return `${sign}${(abs / 1_000).toFixed(2).replace(/\.?0+$/, '')} s`;
  const totalSeconds = Math.round(abs / 1_000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${sign}${minutes} min ${String(seconds).padStart(2, '0')} s`;
}
