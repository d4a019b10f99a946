// Node: load the encoder by repo id, URL or local folder with transformers.js's hub code
// (files cached in a folder, so a second load is offline) and run it on onnxruntime-node (CPU).
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@huggingface/transformers';
import { SeamlessFeatureExtractor } from '../../core/features/seamless-feature-extractor.ts';
import { parsePreprocessorConfig, type PreprocessorConfig } from '../../core/features/preprocessor-config.ts';
import type { EncoderDtype } from '../../core/encoder/embedding-set.ts';
import { loadWithTransformers } from '../../core/encoder/hf-loader.ts';
import { resolveModelSource, type ResolvedModelSource } from '../../core/encoder/model-source.ts';
import { OrtEncoderSession, type OrtTensorCtor } from '../../core/encoder/ort-encoder-session.ts';
import type { LoadProgress, LoadResult, ModelSource } from '../../core/encoder/worker-api.ts';
import { modelFolderFingerprint } from './folder-fingerprint.ts';

export interface NodeEncoder {
  session: OrtEncoderSession;
  extractor: SeamlessFeatureExtractor;
  preprocessorConfig: PreprocessorConfig;
  modelConfig: Record<string, unknown>;
  source: ResolvedModelSource;
  info: LoadResult;
  /** How to load this model again (the worker threads of a session pool each load their own copy). */
  reload: { model: ModelSource; dtype: EncoderDtype; cacheDir: string };
  /** Memory the load took (growth of the process's resident set): what one more copy would cost. */
  memoryBytes: number;
  dispose(): Promise<void>;
}

/** What a job needs to know of a loaded encoder (a pool's worker sends it to the main thread). */
export type EncoderFacts = Pick<NodeEncoder, 'preprocessorConfig' | 'info' | 'reload' | 'memoryBytes'> & { dim: number };

export function encoderFacts(e: NodeEncoder): EncoderFacts {
  return { preprocessorConfig: e.preprocessorConfig, info: e.info, reload: e.reload, memoryBytes: e.memoryBytes, dim: e.session.dim };
}

/** Where this thread's transformers.js fetches hub files from (a pool's worker threads are told the same). */
export interface HubSettings {
  remoteHost: string;
  remotePathTemplate: string;
}

// huggingface_hub's mirror setting: HF_ENDPOINT stands for https://huggingface.co (read once, so a
// caller that sets transformers.js's host itself, as the tests do, keeps it).
if (process.env.HF_ENDPOINT) tf.env.remoteHost = `${process.env.HF_ENDPOINT.replace(/\/+$/, '')}/`;

export function hubSettings(): HubSettings {
  return { remoteHost: tf.env.remoteHost, remotePathTemplate: tf.env.remotePathTemplate };
}

/** Makes this thread's transformers.js fetch hub files as `h` says (a worker thread, told by its parent). */
export function useHubSettings(h: HubSettings): void {
  tf.env.remoteHost = h.remoteHost;
  tf.env.remotePathTemplate = h.remotePathTemplate;
}

export interface NodeLoadOptions {
  onProgress?: (p: LoadProgress) => void;
  /** Where hub / URL downloads are kept (default $SATURI_MODEL_CACHE or ~/.cache/saturi/models). */
  cacheDir?: string;
  /** onnxruntime intra-op threads (default: onnxruntime's choice). */
  threads?: number;
  /**
   * Let idle intra-op threads spin-wait for work (onnxruntime's default, true). Spinning
   * threads keep their cores busy between operators, taking them from the feature worker.
   */
  spinning?: boolean;
}

export function defaultModelCacheDir(): string {
  return process.env.SATURI_MODEL_CACHE ?? join(homedir(), '.cache', 'saturi', 'models');
}

const isFolder = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const PREPROCESSOR_KEYS = ['feature_extractor_type', 'feature_size', 'num_mel_bins', 'sampling_rate', 'stride', 'padding_value', 'return_attention_mask', 'padding_side', 'processor_class'];

/** hf-loader's trap: while it is set, a rejection nobody handles is the load's error, not the process's end. */
function trapStrayRejections(onError: (reason: unknown) => void): () => void {
  const handler = (reason: unknown): void => onError(reason);
  process.on('unhandledRejection', handler);
  return () => void process.off('unhandledRejection', handler);
}

export async function loadEncoder(model: ModelSource | undefined, dtype: EncoderDtype, opts: NodeLoadOptions = {}): Promise<NodeEncoder> {
  const src = resolveModelSource(model, { isLocalFolder: isFolder });
  const source: ResolvedModelSource = src.kind === 'path' ? { ...src, id: resolve(src.id), revision: 'local' } : src;
  if (source.kind === 'path' && !existsSync(join(source.id, 'config.json'))) {
    throw new Error(`model folder ${source.id} has no config.json (expected the transformers.js layout: config.json, preprocessor_config.json, onnx/model*.onnx)`);
  }
  tf.env.useFSCache = true;
  const sessionOptions: Record<string, unknown> = {};
  if (opts.threads) sessionOptions.intraOpNumThreads = opts.threads;
  if (opts.spinning === false) sessionOptions.extra = { session: { intra_op: { allow_spinning: '0' } } };
  const cacheDir = opts.cacheDir ?? defaultModelCacheDir();
  const rssBefore = process.memoryUsage.rss();
  const loaded = await loadWithTransformers(tf, source, { dtype, device: 'cpu', onProgress: opts.onProgress, sessionOptions, joinPath: join, cacheDir, trapStrayRejections });
  const memoryBytes = Math.max(0, process.memoryUsage.rss() - rssBefore);
  const where = source.kind === 'path' ? join(source.id, 'preprocessor_config.json') : `${source.id} preprocessor_config.json`;
  const picked = Object.fromEntries(Object.entries(loaded.preprocessorConfig).filter(([k]) => PREPROCESSOR_KEYS.includes(k)));
  const preprocessorConfig = parsePreprocessorConfig(picked, where);
  const dim = Number(loaded.config.hidden_size);
  if (!Number.isInteger(dim) || dim <= 0) throw new Error(`model ${source.id}: config.json has no valid hidden_size (got ${loaded.config.hidden_size})`);
  const session = new OrtEncoderSession(loaded.session, ort.Tensor as unknown as OrtTensorCtor, dim);
  return {
    session,
    extractor: new SeamlessFeatureExtractor(preprocessorConfig),
    preprocessorConfig,
    modelConfig: loaded.config,
    source,
    // A local folder is named by its folder name and its files' fingerprint, not by the path as
    // typed: shards from several machines merge, a folder with other weights does not.
    info:
      source.kind === 'path'
        ? { backend: 'cpu', dtype, dim, modelId: basename(source.id), revision: `local-${modelFolderFingerprint(source.id, dtype)}`, notes: [] }
        : { backend: 'cpu', dtype, dim, modelId: typeof model === 'string' ? model : (model?.id ?? source.id), revision: source.revision, notes: [] },
    reload: { model: source.kind === 'hub' ? { id: source.id, revision: source.revision } : source.id, dtype, cacheDir },
    memoryBytes,
    dispose: loaded.dispose,
  };
}
