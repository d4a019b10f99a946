// Registers the service worker of the built site (precached app shell and runtime, cached model
// files, cross-origin isolation headers). Not in dev: Vite serves modules there.
import { Workbox } from 'workbox-window';

declare const __SATURI_BUILD__: boolean;

/** Set for the tab once it has reloaded to become isolated: never twice (a browser that refuses isolation would loop). */
const RELOADED_KEY = 'saturi-isolation-reload';

export async function registerServiceWorker(): Promise<void> {
  if (!__SATURI_BUILD__ || !('serviceWorker' in navigator)) return;
  reloadWhenIsolationArrives();
  announceUpdates();
  // Relative to the page: the site may live under any sub-path.
  const wb = new Workbox(new URL('sw.js', document.baseURI).href, { scope: new URL('./', document.baseURI).pathname });
  await wb.register();
}

/**
 * On a host that does not send COOP/COEP, the first visit runs single-threaded; the service
 * worker's headers apply to pages it loads, so the page reloads once when the worker takes
 * control. Only before the user has done anything: after that, isolation waits for the next visit.
 */
function reloadWhenIsolationArrives(): void {
  if (globalThis.crossOriginIsolated || sessionStorage.getItem(RELOADED_KEY)) return;
  let interacted = false;
  for (const type of ['pointerdown', 'keydown', 'drop'] as const) addEventListener(type, () => (interacted = true), { once: true, capture: true });
  const reload = (): void => {
    if (interacted) return;
    sessionStorage.setItem(RELOADED_KEY, '1');
    location.reload();
  };
  if (navigator.serviceWorker.controller) reload();
  else navigator.serviceWorker.addEventListener('controllerchange', reload, { once: true });
}

/** Fired on window when a newer version's service worker takes over a page an older one controlled. */
export const UPDATED_EVENT = 'saturi-updated';

/**
 * A new version takes over open tabs at once (its worker claims them), but a tab keeps running the
 * old version's code, whose lazily loaded files the new version may no longer serve: say so, so
 * the user reloads, instead of finding out from a feature that stops working.
 */
function announceUpdates(): void {
  if (!navigator.serviceWorker.controller) return; // the first visit's takeover is not an update
  navigator.serviceWorker.addEventListener('controllerchange', () => window.dispatchEvent(new Event(UPDATED_EVENT)), { once: true });
}
