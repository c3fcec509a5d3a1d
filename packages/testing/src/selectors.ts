/**
 * Label and field selectors, parsed with the grammar of `k8s.io/apimachinery/pkg/labels` and
 * `.../fields`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`; and
 * for fields only `metadata.name` / `metadata.namespace` with `=`, `==`, `!=`, as the real
 * server allows for Leases. Parse errors are 400s.
 */
import type { LabelSelector } from './label-selector.js';
import { badRequest } from './status.js';
import type { Lease } from './types.js';

export { type LabelRequirement, type LabelSelector, parseLabelSelector } from './label-selector.js';

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
