import { describe, expect, it } from 'vitest';
import { unsupportedNodeMessage } from './node-guard.js';

// Running the guard itself on an old Node.js is the consumer test's job (pnpm test:consumer
// imports the packed library with the machine's Node 20); this checks the version rule.
describe('unsupportedNodeMessage', () => {
  it('names the minimum and the running version, on one line, below 22.19', () => {
    for (const version of ['20.20.2', '22.18.0', '22.12.1', '18.0.0']) {
      const message = unsupportedNodeMessage(version, '@leasehold/election');
      expect(message).toBe(
        `@leasehold/election needs Node.js >= 22.19.0; this is Node.js v${version}.`,
      );
      expect(message).not.toContain('\n');
    }
  });

  it('accepts 22.19 and anything later', () => {
    for (const version of ['22.19.0', '22.20.1', '23.0.0', '24.21.0', '25.1.0']) {
      expect(unsupportedNodeMessage(version, 'x')).toBeUndefined();
    }
  });
});
