import { defineConfig, type Plugin, type ResolvedConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { cpSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { iconPng } from './scripts/pwa-icons.ts';
import { ISOLATION_HEADERS } from './src/browser/pwa/cross-origin-isolation.ts';

const TINY_MODEL = 'models/tiny-w2v-bert';

/** Copies the generated tiny encoder (npm run models:tiny) into the site when it exists, so `./models/tiny-w2v-bert/` works offline and in tests. */
function tinyModel(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'saturi-tiny-model',
    apply: 'build',
    configResolved(c) {
      config = c;
    },
    closeBundle() {
      const src = resolve(config.root, TINY_MODEL);
      if (existsSync(join(src, 'config.json'))) cpSync(src, resolve(config.root, config.build.outDir, TINY_MODEL), { recursive: true });
    },
  };
}

/** PNG icons drawn by scripts/pwa-icons.ts (no committed binaries). */
function pngIcons(): Plugin {
  return {
    name: 'saturi-png-icons',
    apply: 'build',
    generateBundle() {
      for (const [file, size, maskable] of [['icons/icon-192.png', 192, false], ['icons/icon-512.png', 512, false], ['icons/maskable-512.png', 512, true]] as const) {
        this.emitFile({ type: 'asset', fileName: file, source: iconPng(size, maskable) });
      }
    },
  };
}

export default defineConfig(({ command }) => ({
  // Lets the app register its service worker in any build (import.meta.env.PROD
  // depends on NODE_ENV, which test runners set to 'test').
  define: { __SATURI_BUILD__: JSON.stringify(command === 'build') },
  // Relative base: the built site works from any static host and sub-path.
  base: './',
  // Cross-origin isolation lets onnxruntime-web use WASM threads. On hosts that do not send these
  // headers the service worker (workers/sw.ts) adds them; without it the app runs single-threaded.
  server: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  // Entries include the workers and test pages, so the dev server pre-bundles
  // worker-only deps up front: discovering one while a worker loads re-optimises
  // and reloads, which can break that worker mid-load on a cold cache.
  optimizeDeps: { exclude: ['onnxruntime-web'], entries: ['index.html', 'tests/browser/pages/**/*.html', 'workers/*.ts'] },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4096 },
  plugins: [
    pngIcons(),
    tinyModel(),
    VitePWA({
      // Our own service worker (workers/sw.ts): the precache manifest is injected into it.
      strategies: 'injectManifest',
      srcDir: 'workers',
      filename: 'sw.ts',
      // Registered by src/browser/pwa/register.ts (relative URL: works under any sub-path).
      injectRegister: false,
      includeAssets: ['icon.svg'],
      manifest: {
        id: './',
        name: 'Saturi · 사투리 — Korean dialect identification',
        short_name: '사투리',
        description: '말소리를 듣고 어느 지역 방언인지 알려 줍니다. Which Korean dialect region does a speaker come from? Runs in the browser.',
        lang: 'ko',
        start_url: './',
        scope: './',
        display: 'standalone',
        theme_color: '#1d2b53',
        background_color: '#f4f6fa',
        icons: [
          { src: 'icon.svg', sizes: 'any', type: 'image/svg+xml' },
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        // The app shell and the onnxruntime-web runtime (.wasm/.mjs) are precached; model files
        // are cached at run time (workers/sw.ts), not precached.
        globPatterns: ['**/*.{js,mjs,css,html,wasm,png}'], // icon.svg (includeAssets) and the manifest are added by the plugin
        globIgnores: ['models/**', '**/*.map', 'sw.js'],
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        rollupFormat: 'iife',
      },
    }),
  ],
}));
