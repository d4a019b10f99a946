// A small static host for the built app, for tests that need what Vite's preview server cannot
// give: a sub-path, no COOP/COEP headers, or files that change while it runs (a new deploy).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.svg': 'image/svg+xml', '.png': 'image/png',
};

export interface StaticHostOptions {
  /** URL path the site is served under (default '/'). */
  prefix?: string;
  /** Headers added to every answer (e.g. COOP/COEP). */
  headers?: Record<string, string>;
  /** Rewrites a file's bytes as served (`path`: the URL path below the prefix, with a leading '/'). */
  transform?: (path: string, body: Buffer) => Buffer;
}

/** Serves `dir`; `url` is the site's root (prefix included, no trailing slash). */
export async function staticHost(dir: string, opts: StaticHostOptions = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const prefix = opts.prefix ?? '/';
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(prefix)) return void res.writeHead(404).end();
    const rel = `/${path.slice(prefix.length)}`;
    let file = normalize(join(dir, rel));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404).end();
    const body = opts.transform ? opts.transform(rel, readFileSync(file)) : readFileSync(file);
    res.writeHead(200, { ...opts.headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${addr.port}${prefix.replace(/\/$/, '')}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
