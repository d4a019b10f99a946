// The encoder worker's API (workers/encoder.worker.ts, exposed with comlink). The page
// wraps the worker with `Comlink.wrap<EncoderWorkerApi>(worker)` and passes callbacks
// through `Comlink.proxy(fn)`. Types only: shared by the worker and its callers.
import type { EncoderDtype } from './embedding-set.ts';

export type { EncoderDtype };

/**
 * Where the model comes from, in the transformers.js layout (config.json,
 * preprocessor_config.json, onnx/model*.onnx, onnx/model.onnx_data):
 * - a Hugging Face repo id, e.g. 'Xenova/w2v-bert-2.0' (fetched with transformers.js's hub code, cached);
 * - a URL to the folder, absolute ('https://host/models/x/') or site-relative ('/models/tiny-w2v-bert/');
 * - in Node also a local folder path.
 * The object form adds a revision (branch, tag or commit; default 'main') for repo ids.
 */
export type ModelSource = string | { id: string; revision?: string };

export const DEFAULT_MODEL_ID = 'Xenova/w2v-bert-2.0';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
export type BackendUsed = 'webgpu' | 'wasm' | 'cpu';

/** Progress while loading: one event per change, bytes per file. */
export interface LoadProgress {
  /** File path inside the model folder, e.g. 'onnx/model_quantized.onnx'. */
  file: string;
  /** 'download': bytes arriving; 'cache': served from the local cache; 'done': file complete; 'session': creating the ONNX session. */
  status: 'download' | 'cache' | 'done' | 'session';
  loaded: number;
  /** Total bytes, 0 when the server did not say. */
  total: number;
}

export interface LoadResult {
  /** The execution provider actually used. */
  backend: BackendUsed;
  dtype: EncoderDtype;
  /** Hidden size = embedding dimension. */
  dim: number;
  /** The model id as given (repo id, URL or folder). */
  modelId: string;
  revision: string;
  /** Why the requested backend / dtype was not used, when it was not (e.g. no WebGPU adapter). */
  notes: string[];
  /** The model's preprocessor_config.json (for the embedding set's feature_config). */
  featureConfig?: Record<string, unknown>;
  /** WASM threads in use (1 unless the page is cross-origin isolated). */
  threads?: number;
}

export interface EmbedSegment {
  id: string;
  /** Names the segment in errors (its file, say); default the id. */
  name?: string;
  /** 16 kHz mono float samples in [-1, 1]. */
  samples: Float32Array;
}

export type EmbedMode = 'train' | 'eval' | 'infer' | 'windows';

export interface EmbedOptions {
  /**
   * How segments longer than maxLengthSeconds are cut:
   * 'train' = seeded random crop, 'eval' / 'infer' = first maxLengthSeconds,
   * 'windows' = consecutive windows of windowSeconds (with overlapSeconds), one embedding each.
   */
  mode: EmbedMode;
  /** Seed for 'train' crops (default 42); the crop of a segment depends only on seed and segment id. */
  seed?: number;
  /** Default 20. */
  maxLengthSeconds?: number;
  /** 'windows' only; default maxLengthSeconds. */
  windowSeconds?: number;
  /** 'windows' only; default 0. */
  overlapSeconds?: number;
  /** Segments per session run; segments of similar length are batched together. Default 4. */
  batchSize?: number;
  /** A batch holds at most this fraction of padded frames beyond its real ones (default 0.1). */
  maxPaddingFraction?: number;
}

export interface EmbedProgress {
  /** Crops / windows embedded so far, and in all. */
  done: number;
  total: number;
  /** Seconds of audio embedded so far, and in all. */
  secondsDone: number;
  secondsTotal: number;
}

export interface EmbedResult {
  id: string;
  /** 0 unless mode is 'windows'. */
  window: number;
  /** Seconds within the segment that were embedded. */
  start: number;
  end: number;
  /** Real (unpadded) encoder frames that were averaged. */
  frames: number;
  /** Masked mean of last_hidden_state, length = dim. */
  embedding: Float32Array;
}

/** A segment (or window) that embedEach() could not embed: its features or its encoder run failed. */
export interface EmbedFailure {
  id: string;
  window: number;
  start: number;
  end: number;
  /**
   * Where it failed: 'features' says the audio cannot be used (a verdict on the clip); 'encoder'
   * may be the session's state (a lost GPU device, memory) rather than the clip's.
   */
  stage: 'features' | 'encoder';
  /** Why, naming the segment. */
  error: string;
}

/** The encoder an embed() call is meant for (an embedding set's); another one loaded fails the call. */
export interface ExpectedEncoder {
  modelId: string;
  revision: string;
  dtype: EncoderDtype;
  dim: number;
}

export interface EncoderWorkerApi {
  load(model: ModelSource, dtype: EncoderDtype, backend?: BackendChoice, onProgress?: (p: LoadProgress) => void): Promise<LoadResult>;
  /**
   * One result per segment (per window in 'windows' mode), in input order. Rejects with an error
   * named 'AbortError' after cancel(). Calls from several pages run one after another, in order.
   * With `expected`, it rejects with an error named 'EncoderChangedError' when the encoder loaded
   * when its turn comes is another one (a page loaded a different model or dtype meanwhile).
   */
  embed(segments: EmbedSegment[], opts: EmbedOptions, onProgress?: (p: EmbedProgress) => void, expected?: ExpectedEncoder, callId?: string): Promise<EmbedResult[]>;
  /**
   * embed() for a dataset job: a segment that cannot be embedded comes back as an EmbedFailure
   * in its place instead of failing the call (a failed batch is retried clip by clip).
   */
  embedEach(segments: EmbedSegment[], opts: EmbedOptions, onProgress?: (p: EmbedProgress) => void, expected?: ExpectedEncoder, callId?: string): Promise<(EmbedResult | EmbedFailure)[]>;
  /**
   * Without an id: stops the running embed() between batches (not the calls queued behind it).
   * With the `callId` an embed() was given: stops that call, running or still queued, and no
   * other (a page cancels its own call, not another page's job).
   */
  cancel(callId?: string): void;
  /** Releases the session and its GPU / WASM memory, after the call running now. */
  dispose(): Promise<void>;
}
