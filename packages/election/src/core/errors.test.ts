import { describe, expect, it } from 'vitest';
import { LeaseStoreError, toStoreError } from './errors.js';

describe('toStoreError', () => {
  it('passes a typed error through unchanged', () => {
    const conflict = new LeaseStoreError('conflict', 'stale', { status: 409 });
    expect(toStoreError(conflict)).toBe(conflict);
    expect(toStoreError(conflict, 'ignored')).toBe(conflict);
  });

  it.each([
    { thrown: new Error('socket hang up'), message: 'socket hang up' },
    { thrown: 'a string', message: 'a string' },
    { thrown: undefined, message: 'undefined' },
  ])(
    'makes anything else unavailable, keeping it as the cause: $message',
    ({ thrown, message }) => {
      const error = toStoreError(thrown);
      expect(error).toBeInstanceOf(LeaseStoreError);
      expect(error.kind).toBe('unavailable');
      expect(error.message).toBe(message);
      expect(error.cause).toBe(thrown);
      expect(error.isFatal).toBe(false);
    },
  );

  it('takes a message from the caller that knows what failed', () => {
    expect(toStoreError(new Error('x'), 'watch failed: Error: x').message).toBe(
      'watch failed: Error: x',
    );
  });
});
