import { describe, expect, it } from 'vitest';
import {
  formatEpochMicros,
  formatTime,
  GoTimeParseError,
  MICRO_LAYOUT,
  parseGoTime,
  SECONDS_LAYOUT,
} from './go-time.js';

const micro = (value: string) => parseGoTime(value, MICRO_LAYOUT);
const failure = (
  value: string,
  layout: typeof MICRO_LAYOUT | typeof SECONDS_LAYOUT = MICRO_LAYOUT,
) => {
  try {
    parseGoTime(value, layout);
  } catch (error) {
    expect(error).toBeInstanceOf(GoTimeParseError);
    return (error as Error).message;
  }
  throw new Error(`${value} parsed`);
};

describe('MicroTime parsing', () => {
  it('accepts six fractional digits in UTC or with an offset, and prints UTC', () => {
    expect(formatEpochMicros(micro('2024-02-29T23:59:59.123456Z'))).toBe(
      '2024-02-29T23:59:59.123456Z',
    );
    expect(formatEpochMicros(micro('2024-01-01T02:00:00.000001+02:00'))).toBe(
      '2024-01-01T00:00:00.000001Z',
    );
    expect(formatEpochMicros(micro('1969-12-31T23:59:59.999999Z'))).toBe(
      '1969-12-31T23:59:59.999999Z',
    );
  });

  it.each([
    ['2024-01-01T00:00:00.000Z', 'cannot parse ".000Z" as ".000000"'],
    ['2024-01-01T00:00:00Z', 'cannot parse "Z" as ".000000"'],
    ['2024-01-01T00:00:00.0000000Z', 'cannot parse "0Z" as "Z07:00"'],
    ['2024-01-01 00:00:00.000000Z', 'cannot parse " 00:00:00.000000Z" as "T"'],
    ['24-01-01T00:00:00.000000Z', 'cannot parse "24-01-01T00:00:00.000000Z" as "2006"'],
    ['', 'cannot parse "" as "2006"'],
  ])("rejects %j like Go's time.Parse", (value, reason) => {
    expect(failure(value)).toBe(
      `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05.000000Z07:00": ${reason}`,
    );
  });

  it.each([
    ['2024-13-01T00:00:00.000000Z', 'month'],
    ['2023-02-29T00:00:00.000000Z', 'day'],
    ['2024-01-01T24:00:00.000000Z', 'hour'],
  ])('reports %s as %s out of range', (value, what) => {
    expect(failure(value)).toBe(`parsing time ${JSON.stringify(value)}: ${what} out of range`);
  });

  it('reports trailing text', () => {
    expect(failure('2024-01-01T00:00:00.000000Zjunk')).toBe(
      'parsing time "2024-01-01T00:00:00.000000Zjunk": extra text: "junk"',
    );
  });
});

describe('Time (RFC 3339)', () => {
  it('takes an optional fraction and prints whole seconds', () => {
    expect(formatTime(Number(parseGoTime('2024-01-01T00:00:01.9Z', SECONDS_LAYOUT) / 1000n))).toBe(
      '2024-01-01T00:00:01Z',
    );
    expect(failure('2024-01-01', SECONDS_LAYOUT)).toBe(
      'parsing time "2024-01-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"',
    );
  });
});
