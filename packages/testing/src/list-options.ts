/**
 * `metav1.ListOptions` from the query string, validated as upstream's
 * `ValidateListOptions` does: selectors, `resourceVersion` (+`Match`), `limit`/`continue`,
 * `timeoutSeconds`, `allowWatchBookmarks`, `sendInitialEvents`.
 */

import {
  type FieldError,
  fieldForbidden,
  fieldInvalid,
  fieldNotSupported,
  fieldRequired,
  invalid,
} from './field-errors.js';
import {
  type FieldSelector,
  type LabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.js';
import { badRequest } from './status.js';

/** A decoded continue token: the list's version and the key to resume after. */
export interface ContinueToken {
  readonly resourceVersion: number;
  readonly startKey: string;
}

/** Parsed list/watch options. */
export interface ListOptions {
  readonly labelSelector: LabelSelector;
  readonly fieldSelector: FieldSelector;
  /** `resourceVersion` as a number; 0 when unset or `"0"`. */
  readonly resourceVersion: number;
  /** Whether `resourceVersion` was given at all (and not `"0"`). */
  readonly resourceVersionSet: boolean;
  readonly resourceVersionMatch: 'Exact' | 'NotOlderThan' | undefined;
  readonly limit: number;
  readonly continueToken: ContinueToken | undefined;
  readonly timeoutSeconds: number | undefined;
  readonly allowWatchBookmarks: boolean;
  readonly sendInitialEvents: boolean | undefined;
}

/** Parses a `resourceVersion` value: `''`/`'0'` are 0, digits are a version, the rest a 400. */
export function parseResourceVersion(value: string | null, field = 'resourceVersion'): number {
  if (value === null || value === '' || value === '0') return 0;
  if (!/^\d+$/.test(value)) {
    throw badRequest(
      `${field}: Invalid value: ${JSON.stringify(value)}: strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`,
    );
  }
  return Number(value);
}

/** Encodes a continue token the way etcd3's store does (base64url of a small JSON). */
export function encodeContinue(resourceVersion: number, startKey: string): string {
  return Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: resourceVersion, start: startKey }),
  ).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: unknown;
      rv?: unknown;
      start?: unknown;
    };
    if (
      parsed.v !== 'meta.k8s.io/v1' ||
      typeof parsed.rv !== 'number' ||
      typeof parsed.start !== 'string'
    )
      throw new Error();
    return { resourceVersion: parsed.rv, startKey: parsed.start };
  } catch {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}

function nonNegativeInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw))
    throw badRequest(
      `${name}: Invalid value: ${JSON.stringify(raw)}: strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`,
    );
  return Number(raw);
}

const truthy = (v: string | null): boolean => v === 'true' || v === '1';

/** Parses and validates list (or, with `watch`, watch) options. */
export function parseListOptions(query: URLSearchParams, watch: boolean): ListOptions {
  const rawRv = query.get('resourceVersion');
  const resourceVersion = parseResourceVersion(rawRv);
  const rawMatch = query.get('resourceVersionMatch') ?? '';
  const rawInitial = query.get('sendInitialEvents');
  const sendInitialEvents =
    rawInitial === null || rawInitial === '' ? undefined : truthy(rawInitial);
  const allowWatchBookmarks = truthy(query.get('allowWatchBookmarks'));
  const limit = nonNegativeInt(query, 'limit') ?? 0;
  const rawContinue = query.get('continue') ?? '';

  const errs: FieldError[] = [];
  if (rawMatch !== '' && rawMatch !== 'Exact' && rawMatch !== 'NotOlderThan') {
    errs.push(fieldNotSupported('resourceVersionMatch', rawMatch, ['Exact', 'NotOlderThan']));
  }
  if (!watch && rawMatch !== '' && (rawRv ?? '') === '') {
    errs.push(
      fieldForbidden(
        'resourceVersionMatch',
        'resourceVersionMatch is forbidden unless resourceVersion is provided',
      ),
    );
  }
  if (rawMatch === 'Exact' && rawRv === '0') {
    errs.push(
      fieldForbidden(
        'resourceVersionMatch',
        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      ),
    );
  }
  if (rawContinue !== '' && (rawRv ?? '') !== '') {
    errs.push(
      fieldForbidden(
        'resourceVersion',
        'specifying resource version is not allowed when using continue',
      ),
    );
  }
  if (sendInitialEvents !== undefined && !watch) {
    errs.push(fieldForbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  }
  if (watch && sendInitialEvents === true) {
    if (rawMatch !== 'NotOlderThan') {
      errs.push(
        fieldForbidden(
          'resourceVersionMatch',
          'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        ),
      );
    }
    if (!allowWatchBookmarks) {
      errs.push(
        fieldRequired(
          'allowWatchBookmarks',
          'sendInitialEvents requires setting allowWatchBookmarks to true',
        ),
      );
    }
  } else if (watch && rawMatch !== '') {
    errs.push(
      fieldForbidden(
        'resourceVersionMatch',
        'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      ),
    );
  }
  if (limit < 0) errs.push(fieldInvalid('limit', limit, 'must be greater than or equal to 0'));
  if (errs.length > 0) throw invalid('', errs, 'ListOptions.meta.k8s.io', 'meta.k8s.io');

  return {
    labelSelector: parseLabelSelector(query.get('labelSelector') ?? ''),
    fieldSelector: parseFieldSelector(query.get('fieldSelector') ?? ''),
    resourceVersion,
    resourceVersionSet: resourceVersion > 0,
    resourceVersionMatch: rawMatch === '' ? undefined : (rawMatch as 'Exact' | 'NotOlderThan'),
    limit,
    continueToken: rawContinue === '' ? undefined : decodeContinue(rawContinue),
    timeoutSeconds: nonNegativeInt(query, 'timeoutSeconds'),
    allowWatchBookmarks,
    sendInitialEvents,
  };
}
