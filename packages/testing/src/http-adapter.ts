/**
 * The `node:http` adapter: turns an `IncomingMessage` into a fetch `Request`, runs the
 * fetch-style handler, and streams the `Response` back, flushing every watch chunk at once.
 * A client that goes away aborts the request's signal (which ends its watch); a
 * {@link ConnectionDroppedError} from the handler or from a watch stream destroys the socket,
 * which is how faults simulate a broken connection.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { ConnectionDroppedError } from './faults.js';

/** A fetch-style handler. */
export type FetchHandler = (request: Request) => Promise<Response>;

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  // Host comes from the client; a malformed one must not crash the adapter.
  let url: string;
  try {
    url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`).href;
  } catch {
    url = new URL(req.url ?? '/', 'http://localhost').href;
  }
  return new Request(url, {
    method,
    headers,
    signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
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

/** Wraps a fetch-style handler as a `node:http` request listener. */
export function toNodeListener(handler: FetchHandler): RequestListener {
  return (req, res) => {
    req.socket.setNoDelay(true);
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    let request: Request;
    try {
      request = toRequest(req, controller.signal);
    } catch {
      res.writeHead(400).end();
      return;
    }
    handler(request)
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
