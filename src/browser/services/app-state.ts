// App-wide state shared by the pages: the store, the settings and what the
// device offers. Pages listen to 'saturi-state' to refresh.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { guardedWorker } from './guarded-worker.ts';
import type { GpuProbeWorkerApi } from '../../../workers/gpu-probe.worker.ts';
import { openStore, type SaturiStore } from '../store/store.ts';
import { probeWebGpu, type WebGpuProbe } from '../webgpu-probe.ts';
import { DEFAULT_SETTINGS, type AppSettings } from './settings.ts';

let storePromise: Promise<SaturiStore> | undefined;
let probePromise: Promise<WebGpuProbe> | undefined;

export function store(): Promise<SaturiStore> {
  // Sets a closed tab left half-imported go first: every page would list them as whole.
  storePromise ??= openStore().then(async (s) => {
    const { pruneInterruptedImports } = await import('./embedding-io.ts');
    await pruneInterruptedImports(s).catch(() => undefined);
    return s;
  });
  return storePromise;
}

/**
 * What WebGPU offers, probed once per page in a short-lived worker: the encoder and
 * trainer use WebGPU from workers too, and the adapter/device requests and the test
 * shader stay off the main thread.
 */
export function gpuProbe(): Promise<WebGpuProbe> {
  probePromise ??= (async () => {
    if (typeof Worker === 'undefined') return probeWebGpu();
    const worker = new Worker(new URL('../../../workers/gpu-probe.worker.ts', import.meta.url), { type: 'module', name: 'gpu-probe' });
    try {
      return await guardedWorker<GpuProbeWorkerApi>(worker, 'gpu-probe').probe();
    } catch (e) {
      return { available: false, shaderF16: false, computeWorks: false, error: `WebGPU probe worker: ${(e as Error).message}` };
    } finally {
      worker.terminate();
    }
  })();
  return probePromise;
}

export async function getSettings(): Promise<AppSettings> {
  const s = await store();
  return { ...DEFAULT_SETTINGS, ...(await s.getSetting<Partial<AppSettings>>('app', {})) };
}

export async function saveSettings(patch: Partial<AppSettings>): Promise<AppSettings> {
  const s = await store();
  const next = { ...(await getSettings()), ...patch };
  await s.setSetting('app', next);
  notifyChanged('settings');
  return next;
}

// The app's other tabs hear of changes too: a job started or a head trained in one tab shows
// in the others without a navigation.
const otherTabs = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('saturi-state') : null;
otherTabs?.addEventListener('message', (e: MessageEvent<string>) => window.dispatchEvent(new CustomEvent('saturi-state', { detail: e.data })));

/** Tells every page, in this tab and the app's others, that stored data changed (sets, jobs, heads, runs, settings). */
export function notifyChanged(what: string): void {
  window.dispatchEvent(new CustomEvent('saturi-state', { detail: what }));
  otherTabs?.postMessage(what);
}

export interface StorageInfo {
  usage: number;
  quota: number;
  persisted: boolean;
}

export async function storageInfo(): Promise<StorageInfo> {
  const est = (await navigator.storage?.estimate?.()) ?? {};
  const persisted = (await navigator.storage?.persisted?.()) ?? false;
  return { usage: est.usage ?? 0, quota: est.quota ?? 0, persisted };
}

/** Asks for persistent storage (the browser may say no; data then stays "best effort"). */
export async function requestPersistence(): Promise<boolean> {
  try {
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}

/** Download a blob under a file name. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Runs a page's `refresh` when it connects and on every 'saturi-state' change while connected. */
export class AppStateController implements ReactiveController {
  private readonly onState = () => void this.refresh();

  constructor(
    host: ReactiveControllerHost,
    private readonly refresh: () => unknown,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('saturi-state', this.onState);
    void this.refresh();
  }

  hostDisconnected(): void {
    window.removeEventListener('saturi-state', this.onState);
  }
}
