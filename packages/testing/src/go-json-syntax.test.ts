import { describe, expect, it } from 'vitest';
import { goJsonError, goJsonSyntaxError } from './go-json-syntax.js';

describe("Go's JSON syntax errors", () => {
  it.each([
    ['not json', "invalid character 'o' in literal null (expecting 'u')"],
    ['', 'unexpected end of JSON input'],
    ['  ', 'unexpected end of JSON input'],
    ['[2, 3', 'unexpected end of JSON input'],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{1:2}', "invalid character '1' looking for beginning of object key string"],
    ['{"a":1}x', "invalid character 'x' after top-level value"],
    ['"a\\qb"', "invalid character 'q' in string escape code"],
    ['"\\u12x4"', "invalid character 'x' in \\u hexadecimal character escape"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ['\u0001', "invalid character '\\x01' looking for beginning of value"],
  ])('%j: %s', (input, message) => {
    expect(goJsonError(input)).toBe(message);
  });

  it('accepts valid JSON', () => {
    for (const valid of [
      '{}',
      '[ ]',
      '{ "a" : [1, -2.5e+3, true, false, null, "\\u00e9"] }',
      '0',
      ' "x" ',
    ]) {
      expect(goJsonSyntaxError(Buffer.from(valid))).toBeUndefined();
    }
  });

  it('quotes bytes beyond ASCII as Go does', () => {
    expect(goJsonSyntaxError(Uint8Array.of(0x81))).toBe(
      "invalid character '\\u0081' looking for beginning of value",
    );
  });
});
