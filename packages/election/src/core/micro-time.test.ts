import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { formatMicroTime, isWireMicroTime, parseMicroTime } from './micro-time.js';

describe('MicroTime', () => {
  it('prints exactly six fractional digits in UTC', () => {
    expect(formatMicroTime(Date.UTC(2026, 10, 25, 19, 48, 28, 7))).toBe(
      '2026-11-25T19:48:28.007000Z',
    );
  });

  test.prop([fc.integer({ min: 0, max: 4_102_444_800_000 })])(
    'round-trips every millisecond instant',
    (ms) => {
      const text = formatMicroTime(ms);
      expect(isWireMicroTime(text)).toBe(true);
      expect(parseMicroTime(text)).toBe(ms);
    },
  );

  it('reads other precisions and offsets, truncating to milliseconds', () => {
    expect(parseMicroTime('2026-11-25T19:48:28Z')).toBe(Date.UTC(2026, 10, 25, 19, 48, 28));
    expect(parseMicroTime('2026-11-25T19:48:28.123456789Z')).toBe(
      Date.UTC(2026, 10, 25, 19, 48, 28, 123),
    );
    expect(parseMicroTime('2026-11-25T20:48:28.5+01:00')).toBe(
      Date.UTC(2026, 10, 25, 19, 48, 28, 500),
    );
  });

  it.each([['garbage'], [''], [42], [null], ['2026-11-25 19:48:28Z']])('rejects %j', (value) => {
    expect(parseMicroTime(value)).toBeNull();
  });

  it('does not take toISOString output as wire format', () => {
    expect(isWireMicroTime(new Date(0).toISOString())).toBe(false);
  });
});
