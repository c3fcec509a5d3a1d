/**
 * `metav1.ListOptions` from the query string, validated as upstream's
 * `ValidateListOptions` does: selectors, `resourceVersion` (+`Match`), `limit`/`continue`,
 * `timeoutSeconds`, `allowWatchBookmarks`, `sendInitialEvents`.
 */

import { type FieldError, fieldForbidden, fieldNotSupported, invalid } from './field-errors.js';
import { goJsonSyntaxError } from './go-json-syntax.js';
import { flag } from './request.js';
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
export function parseResourceVersion(value: string | null): number {
  if (value === null || value === '' || value === '0') return 0;
  if (!/^\d+$/.test(value)) {
    const quoted = JSON.stringify(value);
    throw badRequest(
      `invalid resource version: resourceVersion: Invalid value: ${quoted}: strconv.ParseUint: parsing ${quoted}: invalid syntax`,
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

/** `storage.DecodeContinue`, with its errors behind upstream's `invalid continue token: `. */
function decodeContinue(token: string): ContinueToken {
  const invalid = (reason: string) =>
    badRequest(`invalid continue token: continue key is not valid${reason}`);
  if (!/^[A-Za-z0-9_-]*$/.test(token)) {
    const at = token.search(/[^A-Za-z0-9_-]/);
    throw invalid(`: illegal base64 data at input byte ${at}`);
  }
  const bytes = Buffer.from(token, 'base64url');
  let parsed: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
  } catch {
    throw invalid(`: ${goJsonSyntaxError(bytes) ?? 'unexpected end of JSON input'}`);
  }
  if (parsed.v !== 'meta.k8s.io/v1')
    throw invalid(`: server does not recognize this encoded version ${String(parsed.v ?? '')}`);
  if (typeof parsed.rv !== 'number' || parsed.rv === 0)
    throw invalid(': incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof parsed.start !== 'string' || parsed.start === '')
    throw invalid(': encoded start key empty (version meta.k8s.io/v1)');
  return { resourceVersion: parsed.rv, startKey: parsed.start };
}

/** An integer query parameter, failing like `strconv.ParseInt` as upstream's codec does. */
function integer(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^[+-]?\d+$/.test(raw))
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return Number(raw);
}

/** Parses list (or, with `watch`, watch) options and validates them as `ValidateListOptions`. */
export function parseListOptions(query: URLSearchParams, watch: boolean): ListOptions {
  const rawRv = query.get('resourceVersion') ?? '';
  const match = query.get('resourceVersionMatch') ?? '';
  const hasContinue = (query.get('continue') ?? '') !== '';
  const sendInitialEvents = query.has('sendInitialEvents')
    ? flag(query, 'sendInitialEvents')
    : undefined;
  const limit = integer(query, 'limit') ?? 0;
  const timeoutSeconds = integer(query, 'timeoutSeconds');

  const errs: FieldError[] = [];
  if (watch) {
    if (sendInitialEvents !== undefined && match !== 'NotOlderThan') {
      errs.push(
        fieldForbidden(
          'resourceVersionMatch',
          'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        ),
      );
    }
    if (match !== '') {
      if (sendInitialEvents === undefined) {
        errs.push(
          fieldForbidden(
            'resourceVersionMatch',
            'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
          ),
        );
      }
      if (match !== 'NotOlderThan')
        errs.push(fieldNotSupported('resourceVersionMatch', match, ['NotOlderThan']));
      if (hasContinue)
        errs.push(
          fieldForbidden(
            'resourceVersionMatch',
            'resourceVersionMatch is forbidden when continue is provided',
          ),
        );
    }
  } else {
    if (match !== '') {
      if (rawRv === '')
        errs.push(
          fieldForbidden(
            'resourceVersionMatch',
            'resourceVersionMatch is forbidden unless resourceVersion is provided',
          ),
        );
      if (hasContinue)
        errs.push(
          fieldForbidden(
            'resourceVersionMatch',
            'resourceVersionMatch is forbidden when continue is provided',
          ),
        );
      if (match !== 'Exact' && match !== 'NotOlderThan') {
        errs.push(fieldNotSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
      }
      if (match === 'Exact' && rawRv === '0') {
        errs.push(
          fieldForbidden(
            'resourceVersionMatch',
            'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
          ),
        );
      }
    }
    if (sendInitialEvents !== undefined)
      errs.push(fieldForbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  }
  if (errs.length > 0) throw invalid('', errs, 'ListOptions.meta.k8s.io', 'meta.k8s.io');

  const labelSelector = parseLabelSelector(query.get('labelSelector') ?? '');
  const fieldSelector = parseFieldSelector(query.get('fieldSelector') ?? '');
  const continueToken = hasContinue ? decodeContinue(query.get('continue') ?? '') : undefined;
  if (continueToken !== undefined && rawRv !== '' && rawRv !== '0') {
    throw badRequest('specifying resource version is not allowed when using continue');
  }
  const resourceVersion = parseResourceVersion(rawRv);
  return {
    labelSelector,
    fieldSelector,
    resourceVersion,
    resourceVersionSet: resourceVersion > 0,
    resourceVersionMatch: match === '' ? undefined : (match as 'Exact' | 'NotOlderThan'),
    limit,
    continueToken,
    timeoutSeconds,
    allowWatchBookmarks: flag(query, 'allowWatchBookmarks'),
    sendInitialEvents,
  };
}
