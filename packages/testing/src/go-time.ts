/**
 * The two timestamp formats of the Kubernetes API, parsed the way Go's `time.Parse` parses
 * them — including its error messages, which the real server returns verbatim in a 400:
 *
 * - `metav1.MicroTime` (`acquireTime`, `renewTime`): layout `2006-01-02T15:04:05.000000Z07:00`,
 *   which demands exactly six fractional digits. `Date.prototype.toISOString()` (three digits)
 *   is rejected.
 * - `metav1.Time` (`creationTimestamp`): RFC 3339, fraction optional, served without one.
 */

/** Go's `RFC3339Micro` layout. */
export const MICRO_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';
/** Go's `time.RFC3339` layout. */
export const SECONDS_LAYOUT = '2006-01-02T15:04:05Z07:00';

/** A `time.Parse` failure; `message` is Go's `ParseError.Error()`. */
export class GoTimeParseError extends Error {
  override readonly name = 'GoTimeParseError';
}

const quote = (s: string): string => JSON.stringify(s);

function digits(value: string, count: number): number | undefined {
  const part = value.slice(0, count);
  return part.length === count && /^\d+$/.test(part) ? Number(part) : undefined;
}

/**
 * Parses `value` with one of the two layouts above and returns epoch microseconds.
 * Throws {@link GoTimeParseError} with Go's exact wording.
 */
export function parseGoTime(
  value: string,
  layout: typeof MICRO_LAYOUT | typeof SECONDS_LAYOUT,
): bigint {
  let rest = value;
  const cannot = (elem: string): GoTimeParseError =>
    new GoTimeParseError(
      `parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(rest)} as ${quote(elem)}`,
    );
  const outOfRange = (what: string): GoTimeParseError =>
    new GoTimeParseError(`parsing time ${quote(value)}: ${what} out of range`);
  const literal = (text: string): void => {
    if (!rest.startsWith(text)) throw cannot(text);
    rest = rest.slice(text.length);
  };
  const fixed = (elem: string, min: number, max: number, what: string): number => {
    const n = digits(rest, 2);
    if (n === undefined) throw cannot(elem);
    if (n < min || n > max) throw outOfRange(what);
    rest = rest.slice(2);
    return n;
  };

  const year = digits(rest, 4);
  if (year === undefined) throw cannot('2006');
  rest = rest.slice(4);
  literal('-');
  const month = fixed('01', 1, 12, 'month');
  literal('-');
  const day = fixed('02', 1, 31, 'day');
  literal('T');
  // Go's "15" is not zero-padded: one or two digits.
  const hourDigits = /^\d\d?/.exec(rest)?.[0];
  if (hourDigits === undefined) throw cannot('15');
  const hour = Number(hourDigits);
  if (hour > 23) throw outOfRange('hour');
  rest = rest.slice(hourDigits.length);
  literal(':');
  const minute = fixed('04', 0, 59, 'minute');
  literal(':');
  const second = fixed('05', 0, 59, 'second');

  let micros = 0n;
  if (layout === MICRO_LAYOUT) {
    if (rest.length < 7 || rest[0] !== '.' || digits(rest.slice(1), 6) === undefined)
      throw cannot('.000000');
    micros = BigInt(rest.slice(1, 7));
    rest = rest.slice(7);
  } else {
    // RFC3339 has no fraction in its layout, yet Go accepts one after the seconds.
    const fraction = /^[.,](\d+)/.exec(rest);
    if (fraction?.[1] !== undefined) {
      micros = BigInt(fraction[1].slice(0, 6).padEnd(6, '0'));
      rest = rest.slice(fraction[0].length);
    }
  }

  let offsetMinutes = 0;
  if (rest.startsWith('Z')) {
    rest = rest.slice(1);
  } else {
    const zone = /^([+-])(\d\d):(\d\d)/.exec(rest);
    if (zone === null) throw cannot('Z07:00');
    const [, sign, hh, mm] = zone;
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm));
    rest = rest.slice(6);
  }
  if (rest.length > 0)
    throw new GoTimeParseError(`parsing time ${quote(value)}: extra text: ${quote(rest)}`);

  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) throw outOfRange('day');
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  return BigInt(epochMs) * 1000n + micros;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function formatUtc(epochMicros: bigint, fractionDigits: 0 | 6): string {
  // Floor division, so instants before 1970 keep a non-negative fraction.
  const fraction = ((epochMicros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const d = new Date(Number((epochMicros - fraction) / 1000n));
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (fractionDigits === 0) return `${base}Z`;
  return `${base}.${fraction.toString().padStart(6, '0')}Z`;
}

/** Formats epoch microseconds as a MicroTime (UTC, six digits), as `MicroTime.MarshalJSON`. */
export function formatEpochMicros(epochMicros: bigint): string {
  return formatUtc(epochMicros, 6);
}

/** Formats epoch milliseconds as a `metav1.Time` (UTC, whole seconds). */
export function formatTime(epochMs: number): string {
  return formatUtc(BigInt(Math.floor(epochMs)) * 1000n, 0);
}

/** Epoch milliseconds of a stored `metav1.Time`, or `undefined` if absent. */
export function timeToEpochMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return Number(parseGoTime(value, SECONDS_LAYOUT) / 1000n);
}
