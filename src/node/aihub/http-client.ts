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

/** Redirects followed before giving up (curl's and requests' tools for AIHub follow them too). */
export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that carry credentials: never sent on to another origin (a storage host or CDN). */
const CREDENTIAL_HEADERS = new Set(['apikey', 'authorization', 'cookie']);

/**
 * GET with redirects followed (at most MAX_REDIRECTS): a download may be answered from another
 * host. The API key is sent only to the origin it was meant for; the Range header goes along.
 */
export async function httpGet(url: string, opts: HttpGetOptions = {}): Promise<HttpResponse> {
  const origin = new URL(url).origin;
  let at = url;
  for (let hop = 0; ; hop++) {
    const sameOrigin = new URL(at).origin === origin;
    const headers = sameOrigin ? opts.headers : Object.fromEntries(Object.entries(opts.headers ?? {}).filter(([k]) => !CREDENTIAL_HEADERS.has(k.toLowerCase())));
    const res = await getOnce(at, { ...opts, headers });
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || !location) return res;
    res.body.resume(); // the redirect's own body is not read: let the socket go
    // Only the host is named: the query of a signed storage address may hold a token.
    if (hop === MAX_REDIRECTS) throw new NetworkError(`${new URL(url).host}: more than ${MAX_REDIRECTS} redirects (last to ${new URL(location, at).host})`, 'EREDIRECTS');
    let next: URL;
    try {
      next = new URL(location, at);
    } catch {
      throw new NetworkError(`${new URL(at).host}: a redirect to an address that cannot be read (${JSON.stringify(location.slice(0, 100))})`, 'EREDIRECTS');
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new NetworkError(`${new URL(at).host}: a redirect to a ${next.protocol} address`, 'EREDIRECTS');
    at = next.href;
  }
}

function getOnce(url: string, opts: HttpGetOptions): Promise<HttpResponse> {
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
