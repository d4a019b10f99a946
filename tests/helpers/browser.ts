// Shared harness for browser tests: a Vite server on 127.0.0.1 and headless
// Debian Chromium driven by playwright-core with WebGPU on SwiftShader.
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { createServer, preview, type ViteDevServer, type PreviewServer } from 'vite';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { repoRoot } from './paths.ts';
import { repoRoot } from './paths.ts';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: install Debian's chromium (bash .ci/run does)`);
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/** A persistent context (own profile dir) keeps IndexedDB and caches across reloads and restarts. */
export async function launchPersistent(userDataDir = mkdtempSync(join(tmpdir(), 'saturi-chromium-'))): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
  });
}

/** Vite dev server over the repository: pages under tests/browser/pages load TS and workers directly. */
export async function startDevServer(): Promise<{ url: string; server: ViteDevServer; close: () => Promise<void> }> {
  const server = await createServer({
    root: repoRoot,
    configFile: join(repoRoot, 'vite.config.ts'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite dev server has no address');
  return { url: `http://127.0.0.1:${address.port}`, server, close: () => server.close() };
}

/** Vite preview server over a built dist/ (run `vite build` first). */
export async function startPreviewServer(outDir = join(repoRoot, 'dist')): Promise<{ url: string; server: PreviewServer; close: () => Promise<void> }> {
  const server = await preview({
    root: repoRoot,
    configFile: join(repoRoot, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite preview server has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    close: () => new Promise<void>((res, rej) => server.httpServer.close((e) => (e ? rej(e) : res()))),
  };
}
