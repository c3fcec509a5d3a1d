/**
 * The adapter's error mapping on its own, without a server: what each failure shape becomes
 * (kind, HTTP status, Retry-After, fatality) and what the message tells the operator (the
 * operation, the Lease, the RBAC verb, the server's own words). kube-adapter.test.ts checks
 * the same mapping end to end through client-node; these are the fast, exhaustive cases.
 */
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LeaseStoreError } from '../core/errors.js';
import {
  httpError,
  type KubeOperation,
  kindForStatus,
  parseRetryAfter,
  parseStatus,
  toLeaseStoreError,
  watchStatusError,
} from './errors.js';

const op = (method: string): KubeOperation => ({ method, namespace: 'prod', name: 'lock' });
const status = (fields: Record<string, unknown>) => ({
  kind: 'Status',
  apiVersion: 'v1',
  ...fields,
});

describe('parseStatus', () => {
  it('reads the fields of a Status from raw text and from a parsed object', () => {
    const value = status({
      code: 409,
      reason: 'Conflict',
      message: 'the object has been modified',
      details: { retryAfterSeconds: 3 },
    });
    const expected = {
      code: 409,
      reason: 'Conflict',
      message: 'the object has been modified',
      retryAfterSeconds: 3,
    };
    expect(parseStatus(JSON.stringify(value))).toEqual(expected);
    expect(parseStatus(value)).toEqual(expected);
  });

  it('leaves out fields of the wrong type, a negative retry and missing details', () => {
    expect(parseStatus(status({ code: '409', reason: 7, message: {} }))).toEqual({
      code: undefined,
      reason: undefined,
      message: undefined,
      retryAfterSeconds: undefined,
    });
    expect(parseStatus(status({ details: { retryAfterSeconds: -1 } }))?.retryAfterSeconds).toBe(
      undefined,
    );
    expect(parseStatus(status({ details: { retryAfterSeconds: '3' } }))?.retryAfterSeconds).toBe(
      undefined,
    );
    expect(parseStatus(status({ details: { retryAfterSeconds: 0 } }))?.retryAfterSeconds).toBe(0);
  });

  it('is null for anything that is not a Status: bad JSON, scalars, arrays, other kinds', () => {
    for (const body of [
      '<html>bad gateway</html>',
      '',
      '42',
      'null',
      '[{"kind":"Status"}]',
      '{"kind":"Lease"}',
      '{"code":409}',
      42,
      null,
      undefined,
      [status({ code: 409 })],
    ]) {
      expect(parseStatus(body), JSON.stringify(body)).toBeNull();
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads delta seconds, surrounding blanks allowed', () => {
    expect(parseRetryAfter('12')).toBe(12_000);
    expect(parseRetryAfter(' 3 ')).toBe(3_000);
    expect(parseRetryAfter('0')).toBe(0);
  });

  it('reads an HTTP date as the time left until it, never negative', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
  });

  it('ignores what is neither: absent, blank, digits mixed with text, non-strings', () => {
    for (const value of [undefined, null, 12, '', '   ', '12x', 'x12', 'soon']) {
      expect(parseRetryAfter(value, 0), JSON.stringify(value)).toBeUndefined();
    }
  });

  it('ignores numbers that are not whole seconds, which a lenient date parser would accept', () => {
    // Date.parse('1.5') is a day in 2001: before the fix these read as "retry now" (0 ms).
    for (const value of ['1.5', '-3', '1e3', '12.0', '+7']) {
      expect(parseRetryAfter(value, 0), JSON.stringify(value)).toBeUndefined();
    }
  });

  it('ignores a number with a lone zone letter, which V8 also reads as a date in 2001', () => {
    // Date.parse('1.5Z') is finite; one letter is not a month name, so it is not an HTTP date.
    for (const value of ['1.5Z', '2001 Z', '1Z']) {
      expect(Number.isFinite(Date.parse(value)), value).toBe(true);
      expect(parseRetryAfter(value, 0), JSON.stringify(value)).toBeUndefined();
    }
  });
});

describe('kindForStatus', () => {
  const cases: [number, string | undefined, string][] = [
    [409, 'AlreadyExists', 'already-exists'],
    [409, 'Conflict', 'conflict'],
    [409, undefined, 'conflict'],
    [404, 'NotFound', 'not-found'],
    [410, 'Expired', 'gone'],
    [401, 'Unauthorized', 'unauthorized'],
    [403, 'Forbidden', 'forbidden'],
    [400, 'BadRequest', 'invalid'],
    [422, 'Invalid', 'invalid'],
    [408, 'Timeout', 'unavailable'],
    [429, 'TooManyRequests', 'unavailable'],
    [500, 'InternalError', 'unavailable'],
    [503, 'ServiceUnavailable', 'unavailable'],
    [504, undefined, 'unavailable'],
    // Other 4xx: the request as made is refused; retrying it unchanged will not help.
    [405, 'MethodNotAllowed', 'invalid'],
    [413, 'RequestEntityTooLarge', 'invalid'],
    [415, 'UnsupportedMediaType', 'invalid'],
    [499, undefined, 'invalid'],
    // Not a failure status at all: not taken as an answer.
    [399, undefined, 'unavailable'],
    [302, undefined, 'unavailable'],
    [200, undefined, 'unavailable'],
  ];
  for (const [code, reason, kind] of cases) {
    it(`maps ${code} ${reason ?? '(no reason)'} to ${kind}`, () => {
      expect(kindForStatus(code, reason)).toBe(kind);
    });
  }
});

describe('httpError', () => {
  it('names the operation, the Lease, the kind and the server message', () => {
    const cause = new Error('raw');
    const error = httpError(
      op('replace'),
      409,
      JSON.stringify(
        status({ code: 409, reason: 'Conflict', message: 'the object has been modified' }),
      ),
      {},
      cause,
    );
    expect(error).toBeInstanceOf(LeaseStoreError);
    expect(error).toMatchObject({ kind: 'conflict', status: 409, retryAfterMs: undefined, cause });
    expect(error.message).toBe('replace lease prod/lock: conflict: the object has been modified');
    expect(error.isFatal).toBe(false);
  });

  it('takes the kind from the HTTP status and the reason from the Status', () => {
    const error = httpError(
      op('create'),
      409,
      status({ code: 409, reason: 'AlreadyExists', message: 'leases "lock" already exists' }),
      undefined,
      undefined,
    );
    expect(error).toMatchObject({ kind: 'already-exists', status: 409 });
  });

  it('says HTTP code and reason when the Status has no message', () => {
    expect(httpError(op('get'), 404, status({ reason: 'NotFound' }), undefined, null).message).toBe(
      'get lease prod/lock: not-found: HTTP 404 NotFound',
    );
    expect(httpError(op('get'), 500, undefined, undefined, null).message).toBe(
      'get lease prod/lock: unavailable: HTTP 500',
    );
  });

  it('keeps the Status message of a 403, which already names the verb and the resource', () => {
    const message = 'User "system:serviceaccount:prod:app" cannot update resource "leases"';
    const error = httpError(op('replace'), 403, status({ code: 403, message }), {}, null);
    expect(error.kind).toBe('forbidden');
    expect(error.isFatal).toBe(true);
    expect(error.message).toBe(`replace lease prod/lock: forbidden: ${message}`);
  });

  it('names the RBAC rule to grant for a 403 without a message (an empty body counts as none)', () => {
    const verbs: [string, string][] = [
      ['get', 'get'],
      ['list', 'list'],
      ['create', 'create'],
      ['replace', 'update'],
      ['watch', 'watch'],
      ['patch', 'patch'],
    ];
    for (const [method, verb] of verbs) {
      for (const body of [undefined, null, '']) {
        const error = httpError(op(method), 403, body, undefined, null);
        expect(error.kind).toBe('forbidden');
        expect(error.message).toBe(
          `${method} lease prod/lock: forbidden: not allowed to ${verb} ` +
            'leases.coordination.k8s.io (HTTP 403)',
        );
      }
    }
    const withReason = httpError(op('replace'), 403, status({ reason: 'Forbidden' }), {}, null);
    expect(withReason.message).toContain(
      'not allowed to update leases.coordination.k8s.io (HTTP 403 Forbidden)',
    );
  });

  it('a 401 is unauthorized and fatal', () => {
    const error = httpError(op('get'), 401, undefined, undefined, null);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(error.isFatal).toBe(true);
  });

  it('takes Retry-After from the header first, then from the Status details', () => {
    const body = status({
      code: 429,
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 7 },
    });
    expect(httpError(op('get'), 429, body, { 'retry-after': '2' }, null)).toMatchObject({
      kind: 'unavailable',
      retryAfterMs: 2_000,
    });
    expect(httpError(op('get'), 429, body, {}, null).retryAfterMs).toBe(7_000);
    expect(httpError(op('get'), 429, body, undefined, null).retryAfterMs).toBe(7_000);
    expect(httpError(op('get'), 503, undefined, { 'retry-after': '4' }, null).retryAfterMs).toBe(
      4_000,
    );
    expect(httpError(op('get'), 503, undefined, undefined, null).retryAfterMs).toBeUndefined();
  });

  it('treats a body that is not a Status as a proxy failure, whatever the code', () => {
    const cause = new Error('raw');
    for (const code of [403, 404, 409, 502]) {
      const error = httpError(
        op('replace'),
        code,
        '<html>\n  <b>bad gateway</b>\n</html> ',
        {},
        cause,
      );
      expect(error).toMatchObject({ kind: 'unavailable', status: code, cause });
      expect(error.isFatal).toBe(false);
      expect(error.message).toBe(
        `replace lease prod/lock: HTTP ${code} with a body that is not a Kubernetes Status ` +
          '(<html> <b>bad gateway</b> </html>); treating it as a proxy or transport failure',
      );
    }
  });

  it('shortens a long foreign body to 120 characters in the message', () => {
    const long = 'x'.repeat(300);
    const message = httpError(op('get'), 502, long, {}, null).message;
    expect(message).toContain(`(${'x'.repeat(117)}...)`);
    expect(message).not.toContain('x'.repeat(118));
    const exact = 'y'.repeat(120);
    expect(httpError(op('get'), 502, exact, {}, null).message).toContain(`(${exact})`);
    const parsed = httpError(op('get'), 502, { error: 'bad gateway' }, {}, null).message;
    expect(parsed).toContain('({"error":"bad gateway"})');
  });
});

describe('watchStatusError', () => {
  it('maps an in-band Status with a code like the same HTTP answer', () => {
    const event = status({ code: 410, reason: 'Expired', message: 'too old resource version' });
    const error = watchStatusError(op('watch'), event);
    expect(error).toMatchObject({ kind: 'gone', status: 410, cause: event });
    expect(error.message).toBe('watch lease prod/lock: gone: too old resource version');
    expect(watchStatusError(op('watch'), status({ code: 500 })).kind).toBe('unavailable');
  });

  it('reads gone from the reason of a Status without a code', () => {
    for (const reason of ['Expired', 'Gone']) {
      const event = status({ reason, message: 'history compacted' });
      const error = watchStatusError(op('watch'), event);
      expect(error).toMatchObject({ kind: 'gone', status: undefined, cause: event });
      expect(error.message).toBe('watch lease prod/lock: watch ERROR event: history compacted');
    }
    expect(watchStatusError(op('watch'), status({ reason: 'InternalError' })).kind).toBe(
      'unavailable',
    );
  });

  it('reports anything else as unavailable, quoting it', () => {
    const error = watchStatusError(op('watch'), { oops: 1 });
    expect(error).toMatchObject({ kind: 'unavailable', status: undefined });
    expect(error.message).toBe('watch lease prod/lock: watch ERROR event: {"oops":1}');
    expect(watchStatusError(op('watch'), undefined).message).toBe(
      'watch lease prod/lock: watch ERROR event: undefined',
    );
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(watchStatusError(op('watch'), circular).message).toBe(
      'watch lease prod/lock: watch ERROR event: [object Object]',
    );
    expect(watchStatusError(op('watch'), 10n).message).toBe(
      'watch lease prod/lock: watch ERROR event: 10',
    );
  });
});

describe('toLeaseStoreError', () => {
  it('passes a LeaseStoreError through unchanged', () => {
    const error = new LeaseStoreError('conflict', 'already typed');
    expect(toLeaseStoreError(op('replace'), error)).toBe(error);
  });

  it('maps an ApiException by its code, body and headers, keeping it as the cause', () => {
    const body = JSON.stringify(
      status({ code: 429, reason: 'TooManyRequests', message: 'slow down' }),
    );
    const exception = new ApiException(429, 'Too Many Requests', body, { 'retry-after': '1' });
    const error = toLeaseStoreError(op('list'), exception);
    expect(error).toMatchObject({ kind: 'unavailable', status: 429, retryAfterMs: 1_000 });
    expect(error.cause).toBe(exception);
    expect(error.message).toBe('list lease prod/lock: unavailable: slow down');
  });

  it('falls back to the raw body when client-node dropped it (a 401)', () => {
    const raw = JSON.stringify(
      status({ code: 401, reason: 'Unauthorized', message: 'token expired' }),
    );
    const exception = new ApiException(401, 'Unauthorized', undefined, {});
    const error = toLeaseStoreError(op('get'), exception, raw);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(error.message).toBe('get lease prod/lock: unauthorized: token expired');
    const parsedBody = new ApiException(401, 'Unauthorized', status({ message: 'from body' }), {});
    expect(toLeaseStoreError(op('get'), parsedBody, raw).message).toContain('from body');
  });

  it("maps a refused watch request by the error's statusCode", () => {
    const refused = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    const error = toLeaseStoreError(op('watch'), refused);
    expect(error).toMatchObject({ kind: 'forbidden', status: 403, cause: refused });
    expect(error.message).toContain('not allowed to watch leases.coordination.k8s.io');
    const odd = Object.assign(new Error('odd'), { statusCode: '403' });
    expect(toLeaseStoreError(op('watch'), odd)).toMatchObject({ kind: 'unavailable' });
  });

  it('reports a transport failure as unavailable with the socket error code and its message', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
        code: 'ECONNREFUSED',
      }),
    });
    const error = toLeaseStoreError(op('get'), refused);
    expect(error).toMatchObject({ kind: 'unavailable', status: undefined, cause: refused });
    expect(error.message).toBe(
      'get lease prod/lock: fetch failed: ECONNREFUSED (connect ECONNREFUSED 10.0.0.1:443)',
    );
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(toLeaseStoreError(op('replace'), reset).message).toBe(
      'replace lease prod/lock: socket hang up: ECONNRESET',
    );
  });

  it('says what it can of other transport failures', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(toLeaseStoreError(op('get'), timeout).message).toBe('get lease prod/lock: timed out');
    const timeoutError = Object.assign(new Error('slow'), { name: 'TimeoutError' });
    expect(toLeaseStoreError(op('get'), timeoutError).message).toBe(
      'get lease prod/lock: timed out',
    );
    expect(toLeaseStoreError(op('get'), new Error('boom')).message).toBe(
      'get lease prod/lock: boom',
    );
    expect(toLeaseStoreError(op('get'), new Error('boom', { cause: null })).message).toBe(
      'get lease prod/lock: boom',
    );
    expect(toLeaseStoreError(op('get'), new Error('boom', { cause: 'reason' })).message).toBe(
      'get lease prod/lock: boom',
    );
    const numericCode = new Error('boom', { cause: { code: 5, message: 'inner' } });
    expect(toLeaseStoreError(op('get'), numericCode).message).toBe(
      'get lease prod/lock: boom (inner)',
    );
    expect(toLeaseStoreError(op('get'), new Error('boom', { cause: { message: 3 } })).message).toBe(
      'get lease prod/lock: boom',
    );
    expect(toLeaseStoreError(op('get'), 'down').message).toBe('get lease prod/lock: failed: down');
    expect(toLeaseStoreError(op('get'), null)).toMatchObject({
      kind: 'unavailable',
      message: 'get lease prod/lock: failed: null',
    });
  });
});
