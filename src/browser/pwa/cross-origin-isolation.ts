// Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer, which onnxruntime-web
// needs to run WASM on several threads. Static hosts such as GitHub Pages cannot send these
// headers, so the service worker adds them to the same-origin responses it serves; a page it
// loads is then isolated.

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** `response` with the isolation headers; opaque and error responses (headers unreadable) as they are. */
export function withIsolationHeaders(response: Response): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.type === 'error') return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
