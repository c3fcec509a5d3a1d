/**
 * The `node:http` adapter: turns an `IncomingMessage` into a fetch `Request`, runs the
 * fetch-style handler, and streams the `Response` back, flushing every watch chunk at once.
 * A client that goes away aborts the request's signal (which ends its watch); a
 * {@link ConnectionDroppedError} from the handler or from a watch stream destroys the socket,
 * which is how faults simulate a broken connection.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ConnectionDroppedError } from './fault-injection.js';
import { MAX_BODY_BYTES } from './request.js';

/** A fetch-style handler. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * Reads a request body into memory, stopping after `limit + 1` bytes: enough for the handler
 * to see it is too large (413) without buffering a huge upload.
 */
function readNodeBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (): void => {
      req.off('data', onData);
      resolve(Buffer.concat(chunks).subarray(0, limit + 1));
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size > limit) {
        req.pause();
        finish();
      }
    };
    req.on('data', onData);
    req.once('end', finish);
    req.once('error', reject);
    // A client that leaves mid-upload: the body will never end.
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

function toRequest(req: IncomingMessage, body: Buffer | undefined, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  // Host comes from the client; a malformed one must not crash the adapter.
  let url: string;
  try {
    url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`).href;
  } catch {
    url = new URL(req.url ?? '/', 'http://localhost').href;
  }
  return new Request(url, {
    method: req.method ?? 'GET',
    headers,
    signal,
    ...(body === undefined ? {} : { body }),
  });
}

function waitWritable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    const previous = headers[name];
    headers[name] = previous === undefined ? value : ([] as string[]).concat(previous, value);
  });
  if (response.headers.get('transfer-encoding') !== 'chunked' && response.body !== null) {
    // A complete body: one write with a Content-Length, no stream pumping.
    const body = Buffer.from(await response.arrayBuffer());
    headers['content-length'] = String(body.byteLength);
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  // A watch announces itself as chunked: send its headers now, as upstream flushes them,
  // rather than with the first event (which may be minutes away).
  if (response.headers.get('transfer-encoding') === 'chunked') res.flushHeaders();
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => {
    reader.cancel().catch(() => undefined);
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) await waitWritable(res);
    }
    res.end();
  } catch {
    // A stream errored (a dropped watch) or the client left: cut the connection.
    res.destroy();
  }
}

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /** Bytes of a request body read before handing it over. @defaultValue 3 MiB */
  readonly maxBodyBytes?: number;
  /**
   * Checked before a body is read: a request it refuses goes to the handler without its body
   * (the handler answers 401 without needing it), and its connection is closed after the
   * answer, so the unread upload is never buffered. @defaultValue every request admitted
   */
  readonly authorized?: (authorization: string | undefined) => boolean;
}

/** Wraps a fetch-style handler as a `node:http` request listener. */
export function toNodeListener(
  handler: FetchHandler,
  options: NodeListenerOptions = {},
): RequestListener {
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const authorized = options.authorized ?? (() => true);
  return (req, res) => {
    req.socket.setNoDelay(true);
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const admitted = authorized(req.headers.authorization);
    if (hasBody && !admitted) res.shouldKeepAlive = false;
    (hasBody && admitted ? readNodeBody(req, limit) : Promise.resolve(undefined))
      .then((body) => handler(toRequest(req, body, controller.signal)))
      .then((response) => send(res, response))
      .catch((error: unknown) => {
        if (!(error instanceof ConnectionDroppedError) && !res.headersSent && !res.destroyed) {
          res.writeHead(500).end();
          return;
        }
        res.destroy();
        req.socket.destroy();
      });
  };
}
