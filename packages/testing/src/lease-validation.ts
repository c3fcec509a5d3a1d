/**
 * Lease validation, ported from `pkg/apis/coordination/validation` and the object-meta checks
 * of `k8s.io/apimachinery/pkg/api/validation`, with upstream's messages (double spaces and all).
 * Each check returns {@link FieldError}s; the handlers turn a non-empty list into a 422.
 */
import {
  type FieldError,
  fieldForbidden,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  fieldTooLong,
} from './field-errors.js';
import type { Lease, ObjectMeta } from './types.js';

function regexError(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  const shown = examples.map((e) => `'${e}', `).join(' or ');
  return `${message} (e.g. ${shown}regex used for validation is '${format}')`;
}

const maxLenError = (n: number): string => `must be no more than ${n} characters`;

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const anchored = (format: string): RegExp => new RegExp(`^${format}$`);
const DNS1123_LABEL = anchored(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN = anchored(DNS1123_SUBDOMAIN_FMT);
const QUALIFIED_NAME = anchored(QUALIFIED_NAME_FMT);
const LABEL_VALUE = anchored(LABEL_VALUE_FMT);

/** `IsDNS1123Label`: the rule for namespace names. */
export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        'my-name',
        '123-abc',
      ),
    );
  }
  return errs;
}

/** `IsDNS1123Subdomain`: the rule for Lease names. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    );
  }
  return errs;
}

const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** `IsQualifiedName`: label keys, annotation keys, finalizers. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  if (parts.length > 2) {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const name = parts.length === 2 ? (parts[1] ?? '') : value;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QUALIFIED_NAME.test(name)) {
    errs.push(
      `name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

/** `IsValidLabelValue`. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

// Go iterates maps in random order; sorting keeps this server deterministic.
const sortedEntries = (map: Record<string, string> | undefined): [string, string][] =>
  Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function validateMetaCommon(meta: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of sortedEntries(meta.labels)) {
    for (const msg of qualifiedNameErrors(key))
      errs.push(fieldInvalid('metadata.labels', key, msg));
    for (const msg of labelValueErrors(value))
      errs.push(fieldInvalid('metadata.labels', value, msg));
  }
  let annotationBytes = 0;
  for (const [key, value] of sortedEntries(meta.annotations)) {
    for (const msg of qualifiedNameErrors(key.toLowerCase())) {
      errs.push(fieldInvalid('metadata.annotations', key, msg));
    }
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (annotationBytes > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push(fieldTooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE_LIMIT));
  }
  for (const [index, finalizer] of (meta.finalizers ?? []).entries()) {
    const path = `metadata.finalizers[${index}]`;
    const msgs = qualifiedNameErrors(finalizer);
    for (const msg of msgs) errs.push(fieldInvalid(path, finalizer, msg));
    if (msgs.length === 0 && !finalizer.includes('/') && !STANDARD_FINALIZERS.includes(finalizer)) {
      errs.push(
        fieldInvalid(
          path,
          finalizer,
          'name is neither a standard finalizer name nor is it fully qualified',
        ),
      );
    }
  }
  return errs;
}

function validateSpec(lease: Lease): FieldError[] {
  const spec = lease.spec;
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    errs.push(
      fieldInvalid(
        'spec.leaseDurationSeconds',
        spec.leaseDurationSeconds,
        'must be greater than 0',
      ),
    );
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    errs.push(
      fieldInvalid(
        'spec.leaseTransitions',
        spec.leaseTransitions,
        'must be greater than or equal to 0',
      ),
    );
  }
  if (spec.strategy !== undefined) {
    // Upstream appends "strategy" twice to the path; kept for fidelity.
    const path = 'spec.strategy.strategy';
    if (!spec.strategy.includes('/')) {
      if (spec.strategy !== 'OldestEmulationVersion') {
        errs.push(fieldNotSupported(path, spec.strategy, ['OldestEmulationVersion']));
      }
    } else {
      for (const msg of qualifiedNameErrors(spec.strategy))
        errs.push(fieldInvalid(path, spec.strategy, msg));
    }
  }
  if (
    spec.preferredHolder !== undefined &&
    spec.preferredHolder !== '' &&
    (spec.strategy ?? '') === ''
  ) {
    errs.push(
      fieldForbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'),
    );
  }
  return errs;
}

/** `ValidateLease` for a create: names, namespace, labels, annotations, finalizers, spec. */
export function validateLeaseCreate(lease: Lease): FieldError[] {
  const meta = lease.metadata;
  const errs: FieldError[] = [];
  if (meta.generateName !== undefined) {
    // NameIsDNSSubdomain(prefix=true) masks a trailing dash before checking.
    const masked = meta.generateName.replace(/-$/, 'a');
    for (const msg of dns1123SubdomainErrors(masked)) {
      errs.push(fieldInvalid('metadata.generateName', meta.generateName, msg));
    }
  }
  if (meta.name === undefined) {
    errs.push(fieldRequired('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of dns1123SubdomainErrors(meta.name))
      errs.push(fieldInvalid('metadata.name', meta.name, msg));
  }
  if (meta.namespace === undefined) errs.push(fieldRequired('metadata.namespace', ''));
  else
    for (const msg of dns1123LabelErrors(meta.namespace))
      errs.push(fieldInvalid('metadata.namespace', meta.namespace, msg));
  return [...errs, ...validateMetaCommon(meta), ...validateSpec(lease)];
}

/** `ValidateLeaseUpdate`: identity fields are fixed by the handler, so this checks the rest. */
export function validateLeaseUpdate(lease: Lease): FieldError[] {
  return [...validateMetaCommon(lease.metadata), ...validateSpec(lease)];
}
