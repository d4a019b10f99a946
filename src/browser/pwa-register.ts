// Registers the service worker of the built site (precached app shell and
// runtime, cached model files). Not in dev: Vite serves modules there.
import { Workbox } from 'workbox-window';

declare const __SATURI_BUILD__: boolean;

export async function registerServiceWorker(): Promise<void> {
  if (!__SATURI_BUILD__ || !('serviceWorker' in navigator)) return;
  // Relative to the page: the site may live under any sub-path.
  const wb = new Workbox(new URL('sw.js', document.baseURI).href, { scope: new URL('./', document.baseURI).pathname });
  await wb.register();
}
