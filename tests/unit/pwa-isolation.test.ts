// The service worker's cross-origin isolation headers: added to what it serves, nothing else changed.
import { describe, expect, it } from 'vitest';
import { ISOLATION_HEADERS, withIsolationHeaders } from '../../src/browser/pwa/cross-origin-isolation.ts';

describe('withIsolationHeaders', () => {
  it('adds COOP and COEP and keeps the status, the other headers and the body', async () => {
    const original = new Response(new Uint8Array([1, 2, 3, 4]), { status: 206, statusText: 'Partial Content', headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-3/10' } });
    const r = withIsolationHeaders(original);
    expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect([r.status, r.statusText, r.headers.get('content-type'), r.headers.get('content-range')]).toEqual([206, 'Partial Content', 'application/octet-stream', 'bytes 0-3/10']);
    expect([...new Uint8Array(await r.arrayBuffer())]).toEqual([1, 2, 3, 4]);
  });

  it('overrides weaker policies a host sent and passes bodiless responses through', () => {
    const r = withIsolationHeaders(new Response(null, { status: 304, headers: { 'Cross-Origin-Embedder-Policy': 'unsafe-none' } }));
    expect(r.status).toBe(304);
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) expect(r.headers.get(name)).toBe(value);
  });

  it('returns error responses as they are (their headers cannot be set)', () => {
    const e = Response.error();
    expect(withIsolationHeaders(e)).toBe(e);
  });
});
