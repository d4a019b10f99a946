// The encoder and trainer workers, created on first use and shared by all pages.
import { proxy, type Remote } from 'comlink';
import { guardedWorker } from './guarded-worker.ts';
import type { EncoderWorkerApi, LoadProgress, LoadResult } from '../../core/encoder/worker-api.ts';
import type { TrainerWorkerApi } from '../../core/head/worker-api.ts';
import { modelLabel, modelSource, type AppSettings, type ResolvedEncoder } from './settings.ts';
import { gpuProbe } from './app-state.ts';
import { resolveEncoder } from './settings.ts';

let encoder: Remote<EncoderWorkerApi> | undefined;
let trainer: Remote<TrainerWorkerApi> | undefined;
let loaded: { key: string; result: Promise<LoadResult> } | undefined;

export function encoderWorker(): Remote<EncoderWorkerApi> {
  encoder ??= guardedWorker<EncoderWorkerApi>(new Worker(new URL('../../../workers/encoder.worker.ts', import.meta.url), { type: 'module', name: 'encoder' }), 'encoder');
  return encoder;
}

export function trainerWorker(): Remote<TrainerWorkerApi> {
  trainer ??= guardedWorker<TrainerWorkerApi>(new Worker(new URL('../../../workers/trainer.worker.ts', import.meta.url), { type: 'module', name: 'trainer' }), 'trainer');
  return trainer;
}

function loadKey(s: AppSettings, r: ResolvedEncoder): string {
  return JSON.stringify([modelLabel(s), s.revision, r.dtype, r.backend]);
}

/** dtype and backend the settings mean on this device. */
export async function encoderChoice(s: AppSettings): Promise<ResolvedEncoder> {
  const p = await gpuProbe();
  return resolveEncoder(s, { webgpu: p.available, shaderF16: p.shaderF16 });
}

export function isEncoderLoaded(s: AppSettings, r: ResolvedEncoder): boolean {
  return loaded?.key === loadKey(s, r);
}

/** Loads the encoder the settings name (once; later calls reuse the session). */
export function loadEncoder(s: AppSettings, r: ResolvedEncoder, onProgress?: (p: LoadProgress) => void): Promise<LoadResult> {
  const key = loadKey(s, r);
  if (loaded?.key === key) return loaded.result;
  const w = encoderWorker();
  const result = (async () => {
    if (loaded) await w.dispose();
    return w.load(modelSource(s), r.dtype, r.backend, onProgress ? proxy(onProgress) : undefined);
  })();
  loaded = { key, result };
  result.catch(() => {
    if (loaded?.key === key) loaded = undefined;
  });
  return result;
}
