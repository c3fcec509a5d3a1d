/**
 * Request and response plumbing shared by the handlers: bounded body reading, body decoding by
 * Content-Type, Accept negotiation (JSON, YAML, server-side Table, PartialObjectMetadata) and
 * response building with upstream's headers.
 */
import { dump, load } from 'js-yaml';
import type { FieldValidation } from './lease-codec.js';
import {
  type ApiError,
  badRequest,
  notAcceptable,
  requestEntityTooLarge,
  unsupportedMediaType,
} from './status.js';

/** Upstream's limit on request bodies (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** How a response body is rendered. */
export type OutputFormat = 'json' | 'yaml' | 'table' | 'partial';

/** The media type of a header value, lowercased, without parameters. */
export function mediaTypeOf(header: string | null): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Reads the body as text, failing with 413 once it exceeds `limit` bytes. */
export async function readBody(request: Request, limit: number): Promise<string> {
  if (request.body === null) return '';
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw requestEntityTooLarge(limit);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw requestEntityTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON, or YAML for YAML media types (JSON is YAML too). */
export function parseDocument(text: string, yaml: boolean): unknown {
  if (!yaml) return JSON.parse(text);
  try {
    return load(text) ?? null;
  } catch (error) {
    throw badRequest(
      `error converting YAML to JSON: yaml: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Media types accepted for create and replace bodies. */
export const OBJECT_MEDIA_TYPES = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
];

/** Checks a create/replace body's Content-Type; returns whether it is YAML. Missing means JSON. */
export function objectBodyIsYaml(contentType: string | null): boolean {
  const type = mediaTypeOf(contentType);
  if (type === '' || type === 'application/json') return false;
  if (type === 'application/yaml') return true;
  throw unsupportedMediaType(OBJECT_MEDIA_TYPES);
}

function parameters(range: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of range.split(';').slice(1)) {
    const [key = '', value = ''] = part.split('=').map((s) => s.trim());
    params.set(key.toLowerCase(), value);
  }
  return params;
}

/**
 * Picks the output format from an Accept header, first acceptable range wins (kubectl lists
 * its preference first). Nothing acceptable is a 406.
 */
export function negotiate(accept: string | null): OutputFormat {
  if (accept === null || accept.trim() === '') return 'json';
  for (const range of accept.split(',')) {
    const type = mediaTypeOf(range);
    const params = parameters(range);
    const as = params.get('as');
    if (as !== undefined) {
      const metaGroup =
        params.get('g') === 'meta.k8s.io' && ['v1', 'v1beta1'].includes(params.get('v') ?? '');
      if (type === 'application/json' && metaGroup && as === 'Table') return 'table';
      if (type === 'application/json' && metaGroup && as.startsWith('PartialObjectMetadata'))
        return 'partial';
      continue;
    }
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'json';
    if (type === 'application/yaml') return 'yaml';
  }
  throw notAcceptable();
}

/**
 * A boolean query parameter as upstream's parameter codec reads it: absent is false; present is
 * true unless it is `0` or `false` (any case) — so `?watch` and `?watch=yes` are true.
 */
export function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && value !== '0' && value.toLowerCase() !== 'false';
}

/** The `fieldValidation` directive; defaults to Warn, as upstream since 1.27. */
export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation') ?? '';
  if (value === '' || value === 'Warn') return 'Warn';
  if (value === 'Strict' || value === 'Ignore') return value;
  throw badRequest(
    `fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

/** Whether `dryRun=All` was given; other values are upstream's 400. */
export function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  if (values.length === 0) return false;
  if (values.every((v) => v === 'All')) return true;
  throw badRequest(
    `dryRun: Unsupported value: "${values.find((v) => v !== 'All')}": supported values: "All"`,
  );
}

/** Headers every answer carries, as upstream's filters add them. */
function baseHeaders(contentType: string): Headers {
  return new Headers({
    'content-type': contentType,
    'cache-control': 'no-cache, private',
    'audit-id': crypto.randomUUID(),
  });
}

/**
 * A `Warning` header value as upstream's `NewWarningHeader` writes it: `299 - "text"` with `"`
 * and `\` escaped and everything else as is — non-ASCII as raw UTF-8 bytes (carried here as a
 * byte string, which is what the Fetch `Headers` accept). A text with control characters is
 * dropped, as upstream drops it. Never throws: it runs after a write has been committed.
 */
export function warningHeader(text: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return undefined;
  const quoted = `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return `299 - ${Buffer.from(quoted, 'utf8').toString('latin1')}`;
}

/** Renders `body` in JSON (pretty-printed on `?pretty=true`) or YAML. */
export function respond(
  code: number,
  body: unknown,
  options: {
    yaml?: boolean;
    pretty?: boolean;
    warnings?: readonly string[];
    headers?: Record<string, string>;
    contentType?: string;
  } = {},
): Response {
  const yaml = options.yaml === true;
  const text = yaml
    ? dump(body, { noRefs: true })
    : `${JSON.stringify(body, null, options.pretty ? 2 : undefined)}\n`;
  const headers = baseHeaders(
    options.contentType ?? (yaml ? 'application/yaml' : 'application/json'),
  );
  for (const warning of options.warnings ?? []) {
    const value = warningHeader(warning);
    if (value !== undefined) headers.append('warning', value);
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  return new Response(text, { status: code, headers });
}

/** The response for an {@link ApiError}: its Status as JSON. */
export function errorResponse(error: ApiError, pretty = false): Response {
  return respond(error.code, error.status, { pretty, headers: { ...error.headers } });
}

/** A streaming response (watches). */
export function streamResponse(stream: ReadableStream<Uint8Array>): Response {
  const headers = baseHeaders('application/json');
  headers.set('transfer-encoding', 'chunked');
  return new Response(stream, { status: 200, headers });
}
