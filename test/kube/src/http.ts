import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * Where and as whom to send a raw request: an apiserver URL, its CA (PEM) and a token. An
 * `http:` URL (the embedded server) needs neither CA nor token.
 */
export interface RawTarget {
  url: string;
  ca?: string | Buffer;
  token?: string;
}

/** Extra settings of {@link rawRequest}. */
export interface RawRequestOptions {
  /** Content-Type of the body. Default `application/json`. */
  contentType?: string;
  /** Accept header. Default `application/json`. */
  accept?: string;
  /** Send this text as the body verbatim instead of `JSON.stringify(body)`. */
  rawBody?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined if it is not JSON. */
  json: unknown;
}

/**
 * One HTTPS request to the apiserver without any client library in the way: the exact bytes
 * of the body are sent (for instance a MicroTime with three fractional digits) and the exact
 * `Status` object of an error is returned.
 */
export function rawRequest(
  target: RawTarget,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const url = new URL(path, target.url);
  const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ...(target.ca === undefined ? {} : { ca: target.ca }),
        headers: {
          ...(target.token === undefined ? {} : { authorization: `Bearer ${target.token}` }),
          accept: options.accept ?? 'application/json',
          ...(payload === undefined
            ? {}
            : {
                'content-type': options.contentType ?? 'application/json',
                'content-length': Buffer.byteLength(payload),
              }),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
