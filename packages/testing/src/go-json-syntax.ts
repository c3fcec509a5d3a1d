/**
 * The syntax errors of Go's `encoding/json` (its byte-level scanner, ported), so a body that is
 * not JSON gets the text the real server quotes: `invalid character 'o' in literal null
 * (expecting 'u')`, `unexpected end of JSON input`. Only used once `JSON.parse` has failed.
 */

/** Go's `quoteChar`: a byte in single quotes, escaped as `strconv.Quote` escapes the rune. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = {
    7: '\\a',
    8: '\\b',
    9: '\\t',
    10: '\\n',
    11: '\\v',
    12: '\\f',
    13: '\\r',
    92: '\\\\',
  };
  const special = named[c];
  if (special !== undefined) return `'${special}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if (c >= 0x80 && c < 0xa0) return `'\\u${c.toString(16).padStart(4, '0')}'`;
  if (c === 0xad) return "'\\u00ad'";
  return `'${String.fromCharCode(c)}'`;
}

type Step = (c: number) => Step | string;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean =>
  isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const ch = (s: string): number => s.charCodeAt(0);

/**
 * Scans `bytes` like Go's `checkValid` and returns the first syntax error message, or
 * `undefined` if the input is valid JSON.
 */
export function goJsonSyntaxError(bytes: Uint8Array): string | undefined {
  // Containers open: 'o' object, 'a' array.
  const stack: ('o' | 'a')[] = [];
  const fail = (c: number, context: string): string =>
    `invalid character ${quoteChar(c)} ${context}`;
  const close = (): Step => {
    stack.pop();
    return endValue;
  };

  const endValue: Step = (c) => {
    const top = stack[stack.length - 1];
    if (top === undefined) return isSpace(c) ? endValue : fail(c, 'after top-level value');
    if (isSpace(c)) return endValue;
    if (top === 'o') {
      if (c === ch(',')) return beginKey;
      if (c === ch('}')) return close();
      return fail(c, 'after object key:value pair');
    }
    if (c === ch(',')) return beginValue;
    if (c === ch(']')) return close();
    return fail(c, 'after array element');
  };
  const afterKey: Step = (c) =>
    isSpace(c) ? afterKey : c === ch(':') ? beginValue : fail(c, 'after object key');
  const literal =
    (word: string, index: number, then: Step): Step =>
    (c) => {
      if (c === ch(word[index] ?? ''))
        return index + 1 === word.length ? then(0x20) : literal(word, index + 1, then);
      return fail(c, `in literal ${word} (expecting '${word[index]}')`);
    };
  const string = (then: Step): Step => {
    const body: Step = (c) => {
      if (c === ch('"')) return then;
      if (c === ch('\\')) return escaped;
      return c < 0x20 ? fail(c, 'in string literal') : body;
    };
    const hex =
      (left: number): Step =>
      (c) =>
        isHex(c)
          ? left === 1
            ? body
            : hex(left - 1)
          : fail(c, 'in \\u hexadecimal character escape');
    const escaped: Step = (c) => {
      if ('bfnrt\\/"'.includes(String.fromCharCode(c))) return body;
      return c === ch('u') ? hex(4) : fail(c, 'in string escape code');
    };
    return body;
  };
  const number = (first: number): Step | string => {
    const exponentDigits: Step = (c) => (isDigit(c) ? exponentDigits : endValue(c));
    const exponentStart: Step = (c) =>
      isDigit(c) ? exponentDigits : fail(c, 'in exponent of numeric literal');
    const exponent: Step = (c) =>
      c === ch('+') || c === ch('-') ? exponentStart : exponentStart(c);
    const fraction: Step = (c) =>
      isDigit(c) ? fraction : c === ch('e') || c === ch('E') ? exponent : endValue(c);
    const afterDot: Step = (c) =>
      isDigit(c) ? fraction : fail(c, 'after decimal point in numeric literal');
    const tail: Step = (c) =>
      c === ch('.') ? afterDot : c === ch('e') || c === ch('E') ? exponent : endValue(c);
    const digits: Step = (c) => (isDigit(c) ? digits : tail(c));
    if (first === ch('-'))
      return (c) =>
        c === ch('0')
          ? tail
          : c >= ch('1') && c <= ch('9')
            ? digits
            : fail(c, 'in numeric literal');
    return first === ch('0') ? tail : digits;
  };
  const beginValue: Step = (c) => {
    if (isSpace(c)) return beginValue;
    if (c === ch('{')) {
      stack.push('o');
      return beginKeyOrEmpty;
    }
    if (c === ch('[')) {
      stack.push('a');
      return beginValueOrEmpty;
    }
    if (c === ch('"')) return string(endValue);
    if (c === ch('-') || isDigit(c)) return number(c);
    if (c === ch('t')) return literal('true', 1, endValue);
    if (c === ch('f')) return literal('false', 1, endValue);
    if (c === ch('n')) return literal('null', 1, endValue);
    return fail(c, 'looking for beginning of value');
  };
  const beginValueOrEmpty: Step = (c) => {
    if (isSpace(c)) return beginValueOrEmpty;
    return c === ch(']') ? close() : beginValue(c);
  };
  const beginKeyOrEmpty: Step = (c) => {
    if (isSpace(c)) return beginKeyOrEmpty;
    return c === ch('}') ? close() : beginKey(c);
  };
  const beginKey: Step = (c) => {
    if (isSpace(c)) return beginKey;
    return c === ch('"') ? string(afterKey) : fail(c, 'looking for beginning of object key string');
  };

  let step: Step | string = beginValue;
  let started = false;
  for (const c of bytes) {
    if (typeof step === 'string') break;
    if (!isSpace(c)) started = true;
    step = step(c);
  }
  if (typeof step === 'string') return step;
  if (!started) return 'unexpected end of JSON input';
  // Go's eof(): one more space ends a number or reports a literal cut short.
  const closing = step(0x20);
  if (typeof closing === 'string') return closing;
  return stack.length === 0 && closing === endValue ? undefined : 'unexpected end of JSON input';
}

/** The Go message for text that failed `JSON.parse`. */
export function goJsonError(text: string): string {
  return goJsonSyntaxError(Buffer.from(text)) ?? 'unexpected end of JSON input';
}
