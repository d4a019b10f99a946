// Service worker of the built site (vite-plugin-pwa injects the precache manifest): the app shell
// and the onnxruntime-web runtime precached for offline use, model files cached on first use, and
// the cross-origin isolation headers on every same-origin response, so that the app gets WASM
// threads on static hosts that cannot send them (src/browser/pwa/cross-origin-isolation.ts).
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkOnly } from 'workbox-strategies';
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import { withIsolationHeaders } from '../src/browser/pwa/cross-origin-isolation.ts';

// The DOM lib's `self` is a Window; this is what a service worker uses of its own scope.
declare const self: {
  __WB_MANIFEST: Array<string | { url: string; revision: string | null }>;
  skipWaiting(): Promise<void>;
  addEventListener(type: 'activate', listener: (e: { waitUntil(p: Promise<unknown>): void }) => void): void;
};

// Only on same-origin routes (the precache, the site's models, the rest of the site): cross-origin
// responses keep their own headers.
const isolation: WorkboxPlugin = { handlerWillRespond: async ({ response }) => withIsolationHeaders(response) };

void self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
addPlugins([isolation]);
precacheAndRoute(self.__WB_MANIFEST);
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));

const whole = (request: Request): boolean => !request.headers.has('range');
// Encoder weights are cached by transformers.js itself (its 'transformers-cache', read before any
// request, so offline loads need nothing from here); caching them here too stored every model twice
// (a q8 w2v-BERT is 0.6 GB, fp32 2.3 GB).
const WEIGHTS = /\.onnx(_data)?$|\.onnx_data_\d+$/;
const notWeights = (url: URL): boolean => !WEIGHTS.test(url.pathname);
// Model folders served with the site (the tiny model, or a copy of a real one): their small files.
registerRoute(
  ({ url, request, sameOrigin }) => sameOrigin && url.pathname.includes('/models/') && whole(request) && notWeights(url),
  new CacheFirst({ cacheName: 'saturi-models', plugins: [new CacheableResponsePlugin({ statuses: [200] }), isolation] }),
);
// Hugging Face hub files (whole-file GETs of configs; range reads of the head import are not cached).
registerRoute(
  // Paths under /resolve/ name their file; a CDN host a download is sent on to names a hash instead.
  ({ url, request }) => /(^|\.)huggingface\.co$|(^|\.)hf\.co$/.test(url.hostname) && url.pathname.includes('/resolve/') && whole(request) && notWeights(url),
  new CacheFirst({ cacheName: 'saturi-hub', plugins: [new CacheableResponsePlugin({ statuses: [200] })] }),
);
// Weights an earlier version of this worker cached next to transformers.js's copy: removed once.
self.addEventListener('activate', (e) =>
  e.waitUntil(
    Promise.all(
      ['saturi-models', 'saturi-hub'].map(async (name) => {
        const cache = await caches.open(name);
        for (const req of await cache.keys()) if (!notWeights(new URL(req.url))) await cache.delete(req);
      }),
    ),
  ),
);
// Every other same-origin request (range reads, source maps) from the network, with the headers.
registerRoute(({ sameOrigin }) => sameOrigin, new NetworkOnly({ plugins: [isolation] }));
