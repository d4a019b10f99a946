// Loads an encoder with transformers.js's own hub code (file fetching, Cache Storage in the
// browser / cache folder in Node, dtype → file mapping, external data), so a repo id, a URL
// and a local folder all go the way transformers.js goes. The transformers.js module is
// passed in (Node and browser import different builds of it); this file stays environment-free.
import type * as Transformers from '@huggingface/transformers';
import type { EncoderDtype } from './embedding-set.ts';
import { hubFileUrl, modelFileFor, urlCacheId, type ResolvedModelSource } from './model-source.ts';
import type { LoadProgress } from './worker-api.ts';

type TransformersModule = typeof Transformers;

export class ModelLoadError extends Error {
  constructor(
    message: string,
    readonly location: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export interface HfLoadOptions {
  dtype: EncoderDtype;
  /** transformers.js device: 'cpu' (Node), 'webgpu' or 'wasm' (browser). */
  device: 'cpu' | 'webgpu' | 'wasm';
  onProgress?: (p: LoadProgress) => void;
  sessionOptions?: Record<string, unknown>;
  /** Node: the download cache folder (transformers.js env.cacheDir) for this load. */
  cacheDir?: string;
  /** Path joiner for local folders (Node's path.join); '/' concatenation otherwise. */
  joinPath?: (dir: string, file: string) => string;
  /**
   * Watches for rejections nobody handles while the model loads and hands them to `onError`;
   * returns the function that stops watching. transformers.js fetches a model's external data
   * (model.onnx_data) in a detached promise: a missing file or a dropped download is otherwise an
   * unhandled rejection (Node ends the process with a stack trace) and a load that never ends.
   */
  trapStrayRejections?: (onError: (reason: unknown) => void) => () => void;
}

export interface HfLoadedModel {
  /** The onnxruntime InferenceSession transformers.js created. */
  session: OrtSessionLike;
  config: Record<string, unknown>;
  preprocessorConfig: Record<string, unknown>;
  /** Releases the session. */
  dispose(): Promise<void>;
}

/** The subset of an onnxruntime InferenceSession the encoder uses (web and node alike). */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly { name: string; type?: string; isTensor?: boolean }[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[]; type: string; dispose?: () => void }>>;
  release(): Promise<void>;
}

interface TfProgress {
  status: string;
  file?: string;
  loaded?: number;
  total?: number;
}

// transformers.js keeps its hub settings in one global env: loads are serialised and the
// settings restored afterwards, so a URL load cannot leak into a later repo-id load.
let chain: Promise<unknown> = Promise.resolve();

export function loadWithTransformers(tf: TransformersModule, source: ResolvedModelSource, opts: HfLoadOptions): Promise<HfLoadedModel> {
  const run = chain.then(
    () => load(tf, source, opts),
    () => load(tf, source, opts),
  );
  chain = run.catch(() => undefined);
  return run;
}

async function load(tf: TransformersModule, source: ResolvedModelSource, opts: HfLoadOptions): Promise<HfLoadedModel> {
  const env = tf.env;
  const saved = {
    remoteHost: env.remoteHost,
    remotePathTemplate: env.remotePathTemplate,
    allowLocalModels: env.allowLocalModels,
    allowRemoteModels: env.allowRemoteModels,
    cacheDir: env.cacheDir,
  };
  if (opts.cacheDir) env.cacheDir = opts.cacheDir;
  let id = source.id;
  let where: (file: string) => string;
  if (source.kind === 'hub') {
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    where = (file) => hubFileUrl(env.remoteHost, env.remotePathTemplate, source.id, source.revision, file);
  } else if (source.kind === 'url') {
    // transformers.js fetches `${remoteHost}/${template with {model}}/${file}`: put the folder URL
    // into host + template and use a per-URL tag as the model id (it only names cache entries).
    const u = new URL(source.id);
    const segments = u.pathname.replace(/\/+$/, '').split('/');
    const last = segments.pop() ?? '';
    env.remoteHost = `${u.origin}${segments.join('/')}/`;
    env.remotePathTemplate = `${last}/`;
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    id = urlCacheId(source.id);
    where = (file) => source.id + file;
  } else {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    const join = opts.joinPath ?? ((d: string, f: string) => `${d.replace(/\/+$/, '')}/${f}`);
    where = (file) => join(source.id, file);
  }

  const pending = new Map<string, { loaded: number; total: number }>();
  const progress = (p: TfProgress): void => {
    if (!p.file) return;
    const file = p.file.replace(/^\/+/, '');
    if (p.status === 'initiate') pending.set(file, { loaded: 0, total: 0 });
    else if (p.status === 'progress') {
      const s = { loaded: p.loaded ?? 0, total: p.total ?? 0 };
      pending.set(file, s);
      opts.onProgress?.({ file, status: 'download', loaded: s.loaded, total: s.total });
    } else if (p.status === 'done') {
      const s = pending.get(file) ?? { loaded: 0, total: 0 };
      pending.delete(file);
      opts.onProgress?.({ file, status: 'done', loaded: s.total || s.loaded, total: s.total || s.loaded });
    }
  };

  const fail = (e: unknown, fallbackFile: string): never => {
    const msg = (e as Error)?.message ?? String(e);
    const file = [...pending.keys()].pop() ?? fallbackFile;
    const loc = where(file);
    // transformers.js names the URL for HTTP errors; a network failure ("fetch failed") does not.
    const named = msg.includes(loc) || /https?:\/\/|\/[\w.-]+\.(json|onnx)/.test(msg);
    throw new ModelLoadError(named ? `cannot load model ${source.id}: ${msg}` : `cannot load model ${source.id}: ${loc}: ${msg}`, loc, e);
  };

  try {
    let preprocessorConfig: Record<string, unknown>;
    try {
      const fe = await tf.AutoFeatureExtractor.from_pretrained(id, { revision: source.revision, progress_callback: progress } as never);
      preprocessorConfig = { ...(fe as unknown as { config: Record<string, unknown> }).config };
    } catch (e) {
      return fail(e, 'preprocessor_config.json');
    }
    let model: Transformers.PreTrainedModel;
    let stopTrap = (): void => {};
    const stray = new Promise<never>((_, reject) => {
      stopTrap = opts.trapStrayRejections?.(reject) ?? stopTrap;
    });
    try {
      const loading = tf.Wav2Vec2BertModel.from_pretrained(id, {
        revision: source.revision,
        dtype: opts.dtype,
        device: opts.device,
        progress_callback: progress,
        // fp32 weights live in model.onnx_data, as in the real export (explicit in case a config omits it).
        use_external_data_format: opts.dtype === 'fp32' ? { 'model.onnx': true } : undefined,
        session_options: opts.sessionOptions ?? {},
      } as never);
      model = await Promise.race([loading, stray]);
    } catch (e) {
      return fail(e, modelFileFor(opts.dtype));
    } finally {
      stopTrap();
    }
    const sessions = (model as unknown as { sessions: Record<string, OrtSessionLike> }).sessions;
    const session = sessions.model;
    if (!session) throw new ModelLoadError(`model ${source.id}: transformers.js created no "model" session`, where(modelFileFor(opts.dtype)));
    opts.onProgress?.({ file: modelFileFor(opts.dtype), status: 'session', loaded: 0, total: 0 });
    return {
      session,
      config: { ...(model.config as unknown as Record<string, unknown>) },
      preprocessorConfig,
      dispose: async () => {
        await model.dispose();
      },
    };
  } finally {
    env.remoteHost = saved.remoteHost;
    env.remotePathTemplate = saved.remotePathTemplate;
    env.allowLocalModels = saved.allowLocalModels;
    env.allowRemoteModels = saved.allowRemoteModels;
    env.cacheDir = saved.cacheDir;
  }
}
