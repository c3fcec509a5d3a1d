/**
 * The label-selector parser, ported token for token from `k8s.io/apimachinery/pkg/labels`
 * (lexer, parser, and `NewRequirement`'s checks), so a malformed selector gets upstream's 400
 * message: `unable to parse requirement: found 'b' expected: '('`.
 */
import { fieldInvalid } from './field-errors.js';
import { labelValueErrors, qualifiedNameErrors } from './lease-validation.js';
import { badRequest } from './status.js';

type Token =
  | 'error'
  | 'end'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const LITERALS: Readonly<Record<string, Token>> = {
  ')': 'closedPar',
  ',': 'comma',
  '!': 'doesNotExist',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'greaterThan',
  in: 'in',
  '<': 'lessThan',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

const isSpecial = (c: string): boolean => '=!(),><'.includes(c) && c !== '';
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(input: string): [Token, string][] {
  const items: [Token, string][] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isSpace(input[pos] ?? '')) pos++;
    const c = input[pos];
    if (c === undefined) {
      items.push(['end', '']);
      return items;
    }
    if (isSpecial(c)) {
      let buffer = '';
      let last: [Token, string] | undefined;
      while (pos < input.length && isSpecial(input[pos] ?? '')) {
        buffer += input[pos];
        const token = LITERALS[buffer];
        if (token !== undefined) last = [token, buffer];
        else if (last !== undefined) break;
        pos++;
      }
      items.push(last ?? ['error', `error expected: keyword found '${buffer}'`]);
    } else {
      let word = '';
      while (pos < input.length && !isSpecial(input[pos] ?? '') && !isSpace(input[pos] ?? ''))
        word += input[pos++];
      items.push([LITERALS[word] ?? 'identifier', word]);
    }
  }
}

/** The operators of a requirement (`exists` and `!` take no values). */
export type Operator = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | '>' | '<';

/** One requirement of a label selector. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** A parsed label selector; empty matches everything. */
export type LabelSelector = readonly LabelRequirement[];

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';
const OPERATORS: Partial<Record<Token, Operator>> = {
  in: 'in',
  notIn: 'notin',
  equals: '=',
  doubleEquals: '=',
  notEquals: '!=',
  greaterThan: '>',
  lessThan: '<',
};

class SelectorError extends Error {}

class Parser {
  readonly #items: [Token, string][];
  #position = 0;

  constructor(input: string) {
    this.#items = lex(input);
  }

  /** In a Values context, `in` and `notin` are plain identifiers. */
  peek(values: boolean): [Token, string] {
    const [token, literal] = this.#items[this.#position] ?? ['end', ''];
    return [values && (token === 'in' || token === 'notIn') ? 'identifier' : token, literal];
  }

  take(values: boolean): [Token, string] {
    const item = this.peek(values);
    this.#position += 1;
    return item;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const [token, literal] = this.peek(true);
      if (token === 'end') return requirements;
      if (token !== 'identifier' && token !== 'doesNotExist') {
        throw new SelectorError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.requirement());
      } catch (error) {
        if (error instanceof SelectorError)
          throw new SelectorError(`unable to parse requirement: ${error.message}`);
        throw error;
      }
      const [next, nextLiteral] = this.take(true);
      if (next === 'end') return requirements;
      if (next !== 'comma')
        throw new SelectorError(`found '${nextLiteral}', expected: ',' or 'end of string'`);
      const [after, afterLiteral] = this.peek(true);
      if (after !== 'identifier' && after !== 'doesNotExist') {
        throw new SelectorError(`found '${afterLiteral}', expected: identifier after ','`);
      }
    }
  }

  requirement(): LabelRequirement {
    let [token, key] = this.take(true);
    const negated = token === 'doesNotExist';
    if (negated) [token, key] = this.take(true);
    if (token !== 'identifier') throw new SelectorError(`found '${key}', expected: identifier`);
    const keyErrors = qualifiedNameErrors(key);
    if (keyErrors.length > 0) throw invalidValue('<nil>', key, keyErrors.join('; '));
    const [following] = this.peek(true);
    if (negated || following === 'end' || following === 'comma') {
      return { key, operator: negated ? '!' : 'exists', values: [] };
    }
    const [opToken, opLiteral] = this.take(false);
    const operator = OPERATORS[opToken];
    if (operator === undefined)
      throw new SelectorError(`found '${opLiteral}', expected: ${BINARY_OPERATORS}`);
    const values =
      operator === 'in' || operator === 'notin' ? this.setValues() : [this.exactValue()];
    this.check(key, operator, values);
    return { key, operator, values };
  }

  setValues(): string[] {
    const [open, openLiteral] = this.take(true);
    if (open !== 'openPar') throw new SelectorError(`found '${openLiteral}' expected: '('`);
    const [first, firstLiteral] = this.peek(true);
    if (first === 'closedPar') {
      this.take(true);
      return [''];
    }
    if (first !== 'identifier' && first !== 'comma') {
      throw new SelectorError(`found '${firstLiteral}', expected: ',', ')' or identifier`);
    }
    const values = new Set<string>();
    for (;;) {
      const [token, literal] = this.take(true);
      if (token === 'identifier') {
        values.add(literal);
        const [next, nextLiteral] = this.peek(true);
        if (next === 'closedPar') break;
        if (next !== 'comma')
          throw new SelectorError(`found '${nextLiteral}', expected: ',' or ')'`);
      } else if (token === 'comma') {
        if (values.size === 0) values.add('');
        const [next] = this.peek(true);
        if (next === 'closedPar') {
          values.add('');
          break;
        }
        if (next === 'comma') {
          this.take(true);
          values.add('');
        }
      } else {
        throw new SelectorError(`found '${literal}', expected: ',', or identifier`);
      }
    }
    const [close] = this.take(true);
    if (close !== 'closedPar') throw new SelectorError(`found '${firstLiteral}', expected: ')'`);
    return [...values].sort();
  }

  exactValue(): string {
    const [next] = this.peek(true);
    if (next === 'end' || next === 'comma') return '';
    const [token, literal] = this.take(true);
    if (token !== 'identifier') throw new SelectorError(`found '${literal}', expected: identifier`);
    return literal;
  }

  /** `NewRequirement`'s value checks. */
  check(key: string, operator: Operator, values: string[]): void {
    const errors: string[] = [];
    values.forEach((value, i) => {
      if ((operator === '>' || operator === '<') && !/^[+-]?\d+$/.test(value)) {
        errors.push(
          invalidValue(
            `values[${i}]`,
            value,
            "for 'Gt', 'Lt' operators, the value must be an integer",
          ).message,
        );
      }
    });
    values.forEach((value, i) => {
      const messages = labelValueErrors(value);
      if (messages.length > 0)
        errors.push(invalidValue(`values[${i}][${key}]`, value, messages.join('; ')).message);
    });
    if (errors.length === 1) throw new SelectorError(errors[0]);
    if (errors.length > 1) throw new SelectorError(`[${errors.join(', ')}]`);
  }
}

function invalidValue(field: string, value: string, detail: string): SelectorError {
  const error = fieldInvalid(field, value, detail);
  return new SelectorError(`${error.field}: ${error.body}`);
}

/** Parses a `labelSelector` query value. Throws a 400 `ApiError` with upstream's message. */
export function parseLabelSelector(input: string): LabelSelector {
  try {
    return new Parser(input).parse();
  } catch (error) {
    if (error instanceof SelectorError) throw badRequest(error.message);
    throw error;
  }
}
