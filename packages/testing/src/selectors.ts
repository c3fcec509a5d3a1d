/**
 * Label and field selectors, parsed with the grammar of `k8s.io/apimachinery/pkg/labels` and
 * `.../fields`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`; and
 * for fields only `metadata.name` / `metadata.namespace` with `=`, `==`, `!=`, as the real
 * server allows for Leases. Parse errors are 400s.
 */
import { badRequest } from './status.js';
import type { Lease } from './types.js';
import { labelValueErrors, qualifiedNameErrors } from './validation.js';

type Operator = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | '>' | '<';

/** One requirement of a label selector. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** A parsed label selector; empty matches everything. */
export type LabelSelector = readonly LabelRequirement[];

const SPECIAL = new Set(['=', '!', '(', ')', ',', '<', '>']);

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' && input[i + 1] === '=') {
      tokens.push('==');
      i += 2;
    } else if (c === '!' && input[i + 1] === '=') {
      tokens.push('!=');
      i += 2;
    } else if (SPECIAL.has(c)) {
      tokens.push(c);
      i++;
    } else {
      let j = i;
      while (j < input.length && !SPECIAL.has(input[j] ?? '') && !/\s/.test(input[j] ?? '')) j++;
      tokens.push(input.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

const parseError = (message: string) => badRequest(`unable to parse requirement: ${message}`);

function checkKey(key: string): void {
  const errs = qualifiedNameErrors(key);
  if (errs.length > 0)
    throw parseError(`key: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

function checkValue(key: string, index: number, value: string): void {
  const errs = labelValueErrors(value);
  if (errs.length > 0) {
    throw parseError(
      `values[${index}][${key}]: Invalid value: ${JSON.stringify(value)}: ${errs.join('; ')}`,
    );
  }
}

/** Parses a `labelSelector` query value. Throws a 400 {@link ApiError} on bad syntax. */
export function parseLabelSelector(input: string): LabelSelector {
  const tokens = tokenize(input);
  const requirements: LabelRequirement[] = [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const next = (): string | undefined => tokens[pos++];
  const isWord = (t: string | undefined): t is string =>
    t !== undefined && !SPECIAL.has(t) && t !== '==' && t !== '!=';
  const expected = (what: string): never => {
    throw badRequest(`found '${peek() ?? ''}', expected: ${what}`);
  };

  while (pos < tokens.length) {
    let requirement: LabelRequirement;
    if (peek() === '!') {
      next();
      const key = next();
      if (!isWord(key)) expected("identifier after '!'");
      checkKey(key as string);
      requirement = { key: key as string, operator: '!', values: [] };
    } else {
      const key = next();
      if (!isWord(key)) return expected("!, identifier, or 'end of string'");
      checkKey(key);
      const op = peek();
      if (op === undefined || op === ',') {
        requirement = { key, operator: 'exists', values: [] };
      } else if (op === '=' || op === '==' || op === '!=' || op === '>' || op === '<') {
        next();
        const value = isWord(peek()) ? (next() as string) : '';
        if ((op === '>' || op === '<') && !/^-?\d+$/.test(value)) {
          throw parseError(`for 'Gt', 'Lt' operators, the value must be an integer`);
        }
        checkValue(key, 0, value);
        requirement = { key, operator: op === '==' ? '=' : op, values: [value] };
      } else if (op === 'in' || op === 'notin') {
        next();
        if (peek() !== '(') expected("'('");
        next();
        const values: string[] = [];
        while (peek() !== ')') {
          const value = isWord(peek()) ? (next() as string) : '';
          checkValue(key, values.length, value);
          values.push(value);
          if (peek() === ',') next();
          else if (peek() !== ')') expected("',', ')'");
        }
        next();
        requirement = { key, operator: op, values };
      } else {
        return expected("=, !=, ==, in, notin, >, <, ',' or 'end of string'");
      }
    }
    requirements.push(requirement);
    if (pos < tokens.length) {
      if (peek() !== ',') expected("','");
      next();
      if (pos >= tokens.length) expected("identifier after ','");
    }
  }
  return requirements;
}

/** Whether `labels` satisfy every requirement. */
export function matchesLabels(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return selector.every(({ key, operator, values }) => {
    const value = labels?.[key];
    switch (operator) {
      case 'exists':
        return value !== undefined;
      case '!':
        return value === undefined;
      case '=':
      case 'in':
        return value !== undefined && values.includes(value);
      case '!=':
      case 'notin':
        return value === undefined || !values.includes(value);
      case '>':
      case '<': {
        if (value === undefined || !/^-?\d+$/.test(value)) return false;
        const [bound = 0] = values.map(Number);
        return operator === '>' ? Number(value) > bound : Number(value) < bound;
      }
    }
    return false;
  });
}

/** One term of a field selector. */
export interface FieldRequirement {
  readonly field: 'metadata.name' | 'metadata.namespace';
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** A parsed field selector; empty matches everything. */
export type FieldSelector = readonly FieldRequirement[];

/** Splits on an unescaped separator, as `fields.splitTerms` does. */
function splitUnescaped(input: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i] ?? '';
    if (c === '\\' && i + 1 < input.length) {
      current += c + (input[i + 1] ?? '');
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

const unescapeTerm = (s: string): string => s.replace(/\\(.)/g, '$1');

/** Parses a `fieldSelector` query value. Unsupported fields are a 400, as for real Leases. */
export function parseFieldSelector(input: string): FieldSelector {
  if (input.trim() === '') return [];
  return splitUnescaped(input, ',').map((term) => {
    const match = /^(.*?)(!=|==|=)(.*)$/.exec(term);
    if (match === null)
      throw badRequest(`invalid selector: '${input}'; can't understand '${term}'`);
    const [, rawField = '', op = '=', rawValue = ''] = match;
    const field = unescapeTerm(rawField.trim());
    if (field !== 'metadata.name' && field !== 'metadata.namespace') {
      throw badRequest(
        `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    return { field, operator: op === '!=' ? '!=' : '=', value: unescapeTerm(rawValue) };
  });
}

/** Whether a Lease satisfies every field requirement. */
export function matchesFields(selector: FieldSelector, lease: Lease): boolean {
  return selector.every(({ field, operator, value }) => {
    const actual = field === 'metadata.name' ? lease.metadata.name : lease.metadata.namespace;
    return operator === '=' ? actual === value : actual !== value;
  });
}

/** The name a field selector pins (`metadata.name=x`), used to scope faults and stats. */
export function selectedName(selector: FieldSelector): string | undefined {
  return selector.find((r) => r.field === 'metadata.name' && r.operator === '=')?.value;
}
