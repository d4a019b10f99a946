// The only place that talks HTTP. Plain node:http/https: streaming bodies, an idle timeout per
// socket, and no header ever echoed in an error (the API key travels in a header).
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

export interface HttpGetOptions {
  headers?: Record<string, string>;
  /** Abort when no byte moves for this long (connect, headers or body). */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

/** A network-level failure (refused, reset, timed out): always worth a retry. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

export function httpGet(url: string, opts: HttpGetOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method: 'GET', headers: opts.headers, signal: opts.signal }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    const idle = opts.idleTimeoutMs ?? 60_000;
    req.setTimeout(idle, () => req.destroy(new NetworkError(`no data from ${u.host} for ${Math.round(idle / 1000)} s`, 'ETIMEDOUT')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      reject(e instanceof NetworkError || e.name === 'AbortError' ? e : new NetworkError(`${u.host}: ${e.message}`, e.code));
    });
    req.end();
  });
}

/** Reads a (small) body as UTF-8 text, at most `limit` bytes; the rest is discarded. */
export async function readBodyText(body: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of body as AsyncIterable<Buffer>) {
      if (n < limit) chunks.push(c.subarray(0, limit - n));
      n += c.length;
    }
  } catch (e) {
    throw new NetworkError(`connection lost while reading the answer: ${(e as Error).message}`, (e as NodeJS.ErrnoException).code);
  }
  return Buffer.concat(chunks).toString('utf8');
}
