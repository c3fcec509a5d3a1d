import { describe, expect, it } from 'vitest';
import { formatEventLine, parseEventLine, toMonotonicNs } from './events.js';

describe('parseEventLine', () => {
  it('reads a leasehold leading line', () => {
    const line =
      '{"type":"leading","identity":"c-1","at":"123","fencingToken":4,"deadline":"3000000123"}';
    expect(parseEventLine(line)).toEqual({
      type: 'leading',
      identity: 'c-1',
      at: 123n,
      fencingToken: 4,
      deadline: 3_000_000_123n,
    });
  });

  it("reads client-go's goelector lines, which have no deadline or token", () => {
    expect(parseEventLine('{"type":"leading","identity":"go_1","at":"5"}')).toEqual({
      type: 'leading',
      identity: 'go_1',
      at: 5n,
    });
    expect(parseEventLine('{"type":"new-leader","identity":"go_1","leader":"x","at":"6"}')).toEqual(
      { type: 'new-leader', identity: 'go_1', leader: 'x', at: 6n },
    );
  });

  it('reads state lines with a null holder and an optional expiry', () => {
    const line =
      '{"type":"state","identity":"c","at":"9","role":"follower","holder":null,"fencingToken":null}';
    expect(parseEventLine(line)).toEqual({
      type: 'state',
      identity: 'c',
      at: 9n,
      role: 'follower',
      holder: null,
      fencingToken: null,
    });
  });

  it.each([
    ['not JSON', 'leasehold: warning: something'],
    ['not an object', '42'],
    ['an unknown type', '{"type":"hello","identity":"c","at":"1"}'],
    ['no identity', '{"type":"leading","at":"1"}'],
    ['a numeric at', '{"type":"leading","identity":"c","at":1}'],
    ['a negative at', '{"type":"leading","identity":"c","at":"-1"}'],
    ['a renewal without deadline', '{"type":"renewed","identity":"c","at":"1"}'],
  ])('returns null for %s', (_, line) => {
    expect(parseEventLine(line)).toBeNull();
  });

  it('round-trips what formatEventLine writes', () => {
    const event = { type: 'renewed', identity: 'c', at: 10n ** 18n, deadline: 10n ** 18n + 1n };
    const line = formatEventLine(event as never);
    expect(line).toBe(
      '{"type":"renewed","identity":"c","at":"1000000000000000000","deadline":"1000000000000000001"}',
    );
    expect(parseEventLine(line)).toEqual(event);
  });
});

describe('toMonotonicNs', () => {
  it('maps performance.now() onto process.hrtime.bigint()', () => {
    const before = process.hrtime.bigint();
    const mapped = toMonotonicNs(performance.now() + 1_000);
    const after = process.hrtime.bigint();
    // One second ahead; the slack only absorbs a scheduling hiccup between the readings.
    expect(mapped).toBeGreaterThan(before + 900_000_000n);
    expect(mapped).toBeLessThan(after + 1_100_000_000n);
  });
});
