// A ByteSource over an HTTP(S) URL read with Range requests: the way to take
// a header and a few tensors out of a multi-gigabyte hub file. Uses the
// standard fetch (Node 20 and browsers). Refuses servers that ignore Range
// rather than silently downloading the whole file.
import type { ByteSource } from '../io/byte-source.ts';

export interface HttpSource extends ByteSource {
  /** Bytes received so far (for tests and progress). */
  readonly bytesRead: number;
  readonly requests: number;
}

export class HttpSourceError extends Error {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`${url}: ${reason}`);
    this.name = 'HttpSourceError';
  }
}

/** fetch, with a failure to connect (offline, DNS, refused: fetch's bare "Failed to fetch") named by its URL. */
async function fetchOrExplain(doFetch: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await doFetch(url, init);
  } catch (e) {
    throw new HttpSourceError(url, `cannot be reached (${(e as Error).message}): offline, or the host is down`);
  }
}

export function httpSource(url: string, init: { headers?: Record<string, string>; fetch?: typeof fetch } = {}): HttpSource {
  const doFetch = init.fetch ?? fetch;
  let size: number | undefined;
  let bytesRead = 0;
  let requests = 0;
  const parseTotal = (contentRange: string | null): number | undefined => {
    const m = contentRange?.match(/\/(\d+)\s*$/);
    return m ? Number(m[1]) : undefined;
  };
  const src: HttpSource = {
    name: url,
    get bytesRead() {
      return bytesRead;
    },
    get requests() {
      return requests;
    },
    async size() {
      if (size !== undefined) return size;
      // A one-byte range answers with the total in Content-Range (HEAD may be redirected without it).
      requests++;
      const res = await fetchOrExplain(doFetch, url, { headers: { ...init.headers, Range: 'bytes=0-0' } });
      if (res.status === 404) throw new HttpSourceError(url, 'not found (404)');
      if (res.status !== 206) {
        await res.body?.cancel();
        throw new HttpSourceError(url, `the server does not answer range requests (HTTP ${res.status})`);
      }
      const body = new Uint8Array(await res.arrayBuffer());
      bytesRead += body.byteLength;
      size = parseTotal(res.headers.get('content-range'));
      if (size === undefined) throw new HttpSourceError(url, 'no total size in Content-Range');
      return size;
    },
    async read(offset, length) {
      if (length <= 0) return new Uint8Array(0);
      const total = await src.size();
      const end = Math.min(total, offset + length) - 1;
      if (end < offset) return new Uint8Array(0);
      requests++;
      const res = await fetchOrExplain(doFetch, url, { headers: { ...init.headers, Range: `bytes=${offset}-${end}` } });
      if (res.status !== 206) {
        await res.body?.cancel();
        throw new HttpSourceError(url, `range request bytes=${offset}-${end} answered HTTP ${res.status}`);
      }
      const body = new Uint8Array(await res.arrayBuffer());
      bytesRead += body.byteLength;
      if (body.byteLength !== end - offset + 1) throw new HttpSourceError(url, `asked for ${end - offset + 1} bytes at ${offset}, got ${body.byteLength}`);
      return body;
    },
  };
  return src;
}

/** GETs a small JSON file (e.g. config.json). */
export async function fetchJson(url: string, init: { headers?: Record<string, string>; fetch?: typeof fetch } = {}): Promise<unknown> {
  const res = await fetchOrExplain(init.fetch ?? fetch, url, { headers: init.headers });
  if (!res.ok) throw new HttpSourceError(url, `HTTP ${res.status}`);
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpSourceError(url, `is not valid JSON: ${(e as Error).message}`);
  }
}
