/**
 * Field errors, rendered as `k8s.io/apimachinery/pkg/util/validation/field` renders them, and
 * the 422 Invalid Status that carries them (`errors.NewInvalid`).
 */
import { ApiError, failureStatus } from './status.js';
import { GROUP, QUALIFIED_KIND } from './types.js';

/** One field error, as `k8s.io/apimachinery/pkg/util/validation/field.Error` renders it. */
export interface FieldError {
  /** The cause reason, e.g. `FieldValueInvalid`. */
  readonly type: string;
  /** Dotted path, e.g. `spec.leaseDurationSeconds`. */
  readonly field: string;
  /** `ErrorBody()`: e.g. `Invalid value: 0: must be greater than 0`. */
  readonly body: string;
}

/** A value printed the way Go's `%v`/`%q` prints it inside field errors. */
function goValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** `field.Invalid`. */
export function fieldInvalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, body: `Invalid value: ${goValue(value)}: ${detail}` };
}

/** `field.Required`. */
export function fieldRequired(field: string, detail: string): FieldError {
  return {
    type: 'FieldValueRequired',
    field,
    body: detail === '' ? 'Required value' : `Required value: ${detail}`,
  };
}

/** `field.Forbidden`. */
export function fieldForbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, body: `Forbidden: ${detail}` };
}

/** `field.NotSupported`. */
export function fieldNotSupported(
  field: string,
  value: unknown,
  supported: readonly string[],
): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return {
    type: 'FieldValueNotSupported',
    field,
    body: `Unsupported value: ${goValue(value)}: supported values: ${list}`,
  };
}

/** `field.TooLong`. */
export function fieldTooLong(field: string, max: number): FieldError {
  return { type: 'FieldValueTooLong', field, body: `Too long: may not be more than ${max} bytes` };
}

/**
 * 422 Invalid, as `errors.NewInvalid`: one error prints bare, several print as `[a, b]`.
 * `qualifiedKind` is `Lease.coordination.k8s.io` except where upstream passes the resource.
 */
export function invalid(
  name: string,
  errors: readonly FieldError[],
  qualifiedKind: string = QUALIFIED_KIND,
  group: string = GROUP,
): ApiError {
  const rendered = [...new Set(errors.map((e) => `${e.field}: ${e.body}`))];
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const kind = qualifiedKind.split('.')[0] ?? qualifiedKind;
  return new ApiError(
    failureStatus(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, {
      ...(name === '' ? {} : { name }),
      group,
      kind,
      causes: errors.map((e) => ({ reason: e.type, message: e.body, field: e.field })),
    }),
  );
}
