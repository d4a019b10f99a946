// @huggingface/hub does not retry: one 500 from the hub or its storage fails a
// whole upload. This wraps fetch so transient failures (network errors, 5xx,
// 429) are retried with exponential backoff. Request bodies the library sends
// are strings and Blobs, which can be sent again.

export interface RetryOptions {
  /** Attempts after the first one. */
  retries?: number;
  /** Delay before the first retry; doubles each time. */
  baseDelayMs?: number;
  /** Told about each retry (never given headers, so a token cannot leak into logs). */
  onRetry?: (info: { method: string; url: string; attempt: number; reason: string; delayMs: number }) => void;
  /** The longest Retry-After waited for; a longer one (the Hub's hourly commit limit) is answered at once. */
  maxRetryAfterMs?: number;
}

export const DEFAULT_MAX_RETRY_AFTER_MS = 120_000;

/** A response's Retry-After (seconds or an HTTP date) in ms, or null without one. */
function retryAfterMs(res: Response): number | null {
  const h = res.headers.get('retry-after');
  if (!h) return null;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_DELAY_MS = 1000;

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}

/** A path-only form of a URL for messages (drops query strings, which may carry signed tokens). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

export function retryingFetch(base: typeof fetch = globalThis.fetch.bind(globalThis), opts: RetryOptions = {}): typeof fetch {
  const retries = opts.retries ?? DEFAULT_RETRIES;
  const baseDelay = opts.baseDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET');
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      let after: number | null = null;
      try {
        const res = await base(input, init);
        if (!isRetryableStatus(res.status) || attempt >= retries) return res;
        // The server says when: sooner would be refused again (and count against a rate limit);
        // a wait of many minutes is the caller's to decide, with the server's message.
        after = retryAfterMs(res);
        if (after !== null && after > (opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS)) return res;
        reason = `HTTP ${res.status}`;
        await res.body?.cancel().catch(() => undefined);
      } catch (e) {
        if (init?.signal?.aborted || attempt >= retries) throw e;
        reason = (e as Error)?.message ?? String(e);
      }
      const delayMs = Math.max(baseDelay * 2 ** attempt, after ?? 0);
      opts.onRetry?.({ method, url: describeUrl(url), attempt: attempt + 1, reason, delayMs });
      await sleep(delayMs, init?.signal);
    }
  };
  return wrapped as typeof fetch;
}
