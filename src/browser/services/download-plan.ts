// What a first use will download: file names and sizes, asked from the server
// with HEAD requests (the hub answers with the LFS size) before anything big moves.
import type { EncoderDtype } from '../../core/encoder/worker-api.ts';
import { fetchJson } from '../../core/safetensors/http-source.ts';
import { modelBaseUrl, modelFiles, type AppSettings } from './settings.ts';

export interface PlannedFile {
  file: string;
  url: string;
  /** Bytes, or null when the server did not say. */
  size: number | null;
  /** Already in the browser's cache (no download needed). */
  cached: boolean;
}

/** Bytes still to download: known = the sum of the sizes given; complete = every uncached file's size is known. */
export function planTotal(plan: readonly PlannedFile[]): { known: number; complete: boolean } {
  const todo = plan.filter((f) => !f.cached);
  return { known: todo.reduce((a, f) => a + (f.size ?? 0), 0), complete: todo.every((f) => f.size !== null) };
}

async function sizeOf(url: string): Promise<number | null> {
  try {
    const r = await fetch(url, { method: 'HEAD' });
    if (!r.ok) return null;
    const linked = r.headers.get('x-linked-size');
    const len = linked ?? r.headers.get('content-length');
    return len ? Number(len) : null;
  } catch {
    return null;
  }
}

async function isCached(url: string): Promise<boolean> {
  try {
    if (!('caches' in globalThis)) return false;
    return (await caches.match(url)) !== undefined;
  } catch {
    return false;
  }
}

export async function encoderDownloadPlan(s: AppSettings, dtype: EncoderDtype): Promise<PlannedFile[]> {
  const base = modelBaseUrl(s);
  return Promise.all(
    modelFiles(dtype).map(async (file) => {
      const url = new URL(file, base).href;
      const cached = await isCached(url);
      return { file, url, size: cached ? null : await sizeOf(url), cached };
    }),
  );
}

/**
 * The encoder's embedding size from its config.json (a few hundred bytes), or null when it cannot
 * be read now: lets a head that does not fit be refused before a download of up to gigabytes.
 */
export async function encoderHiddenSize(s: AppSettings): Promise<number | null> {
  try {
    const config = (await fetchJson(new URL('config.json', modelBaseUrl(s)).href)) as { hidden_size?: unknown };
    return Number.isInteger(config.hidden_size) ? (config.hidden_size as number) : null;
  } catch {
    return null;
  }
}
