// User settings (stored in IndexedDB) and how they resolve to a model to load.
import type { BackendChoice, EncoderDtype, ModelSource } from '../../core/encoder/worker-api.ts';
import { DEFAULT_MODEL_ID } from '../../core/encoder/worker-api.ts';

export type EncoderSourceKind = 'hub' | 'url' | 'tiny';

export interface AppSettings {
  encoderSource: EncoderSourceKind;
  hubId: string;
  revision: string;
  url: string;
  dtype: 'auto' | EncoderDtype;
  backend: BackendChoice;
  activeHeadId: string | null;
  /** The user has seen and accepted the first-use download plan for this encoder key. */
  acceptedDownloads: string[];
  /** Hub the "Push to Hub" action uploads to (a mirror or a test server can stand in). */
  hubUrl: string;
}

export const DEFAULT_SETTINGS: AppSettings = {
  encoderSource: 'hub',
  hubId: DEFAULT_MODEL_ID,
  revision: 'main',
  url: '',
  dtype: 'auto',
  backend: 'auto',
  activeHeadId: null,
  acceptedDownloads: [],
  hubUrl: 'https://huggingface.co',
};

/** The generated tiny encoder shipped with the site (built when `models/tiny-w2v-bert/` exists). */
export const TINY_MODEL_PATH = 'models/tiny-w2v-bert/';
export const PRETRAINED_HEAD_REPO = 'HERIUN/wav2vec-bert-korean-dialect-recognition';

/** Absolute URL of the tiny model folder: the worker lives under assets/, so relative paths must be resolved against the page. */
export function tinyModelUrl(): string {
  return new URL(TINY_MODEL_PATH, document.baseURI).href;
}

export function modelSource(s: AppSettings): ModelSource {
  switch (s.encoderSource) {
    case 'tiny':
      return tinyModelUrl();
    case 'url':
      return new URL(s.url.endsWith('/') ? s.url : `${s.url}/`, document.baseURI).href;
    case 'hub':
      return { id: s.hubId.trim() || DEFAULT_MODEL_ID, revision: s.revision.trim() || 'main' };
  }
}

/** A readable id of the model (stored in manifests and heads). */
export function modelLabel(s: AppSettings): string {
  const src = modelSource(s);
  return typeof src === 'string' ? src : src.id;
}

export interface ResolvedEncoder {
  dtype: EncoderDtype;
  backend: BackendChoice;
}

/**
 * What 'auto' means: fp16 on WebGPU when the adapter has shader-f16, 8-bit on
 * WASM otherwise. Explicit choices are passed through (the worker reports the
 * backend it really used and why).
 */
export function resolveEncoder(s: AppSettings, caps: { webgpu: boolean; shaderF16: boolean }): ResolvedEncoder {
  const gpuF16 = s.backend !== 'wasm' && caps.webgpu && caps.shaderF16;
  if (s.dtype === 'auto') {
    if (s.backend === 'webgpu') return { dtype: caps.shaderF16 ? 'fp16' : 'fp32', backend: 'webgpu' };
    return gpuF16 ? { dtype: 'fp16', backend: s.backend } : { dtype: 'q8', backend: s.backend === 'auto' ? 'wasm' : s.backend };
  }
  return { dtype: s.dtype, backend: s.backend };
}

/** Files transformers.js fetches for a dtype (what the first-use download shows). */
export function modelFiles(dtype: EncoderDtype): string[] {
  const onnx = dtype === 'fp32' ? ['onnx/model.onnx', 'onnx/model.onnx_data'] : dtype === 'fp16' ? ['onnx/model_fp16.onnx'] : ['onnx/model_quantized.onnx'];
  return ['config.json', 'preprocessor_config.json', ...onnx];
}

/** Base URL files of a model are fetched from (hub resolve URL or the folder URL). */
export function modelBaseUrl(s: AppSettings): string {
  const src = modelSource(s);
  if (typeof src === 'string') return src;
  return `https://huggingface.co/${src.id}/resolve/${encodeURIComponent(src.revision ?? 'main')}/`;
}
