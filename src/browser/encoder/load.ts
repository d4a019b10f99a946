// Browser: load the encoder by repo id or URL with transformers.js's hub code (Cache Storage,
// so a second load is offline) and run it on onnxruntime-web, WebGPU or WASM.
// ort-web.ts first: it configures onnxruntime-web before transformers.js initialises.
import { configureOrt, wasmThreads } from './ort-web.ts';
import * as tf from '@huggingface/transformers';
import { chooseBackend, gpuFacts } from './backend.ts';
import { SeamlessFeatureExtractor } from '../../core/features/seamless-feature-extractor.ts';
import { parsePreprocessorConfig } from '../../core/features/preprocessor-config.ts';
import { loadWithTransformers } from '../../core/encoder/hf-loader.ts';
import { resolveModelSource } from '../../core/encoder/model-source.ts';
import { OrtEncoderSession, type OrtTensorCtor } from '../../core/encoder/ort-encoder-session.ts';
import type { BackendChoice, EncoderDtype, LoadProgress, LoadResult, ModelSource } from '../../core/encoder/worker-api.ts';

export interface BrowserEncoder {
  session: OrtEncoderSession;
  extractor: SeamlessFeatureExtractor;
  info: LoadResult;
  dispose(): Promise<void>;
}

const PREPROCESSOR_KEYS = ['feature_extractor_type', 'feature_size', 'num_mel_bins', 'sampling_rate', 'stride', 'padding_value', 'return_attention_mask', 'padding_side', 'processor_class'];

/** hf-loader's trap, in a page or a worker: an unhandled rejection while loading is the load's error. */
function trapStrayRejections(onError: (reason: unknown) => void): () => void {
  const handler = (e: PromiseRejectionEvent): void => {
    e.preventDefault();
    onError(e.reason);
  };
  globalThis.addEventListener('unhandledrejection', handler);
  return () => globalThis.removeEventListener('unhandledrejection', handler);
}

export async function loadBrowserEncoder(
  model: ModelSource | undefined,
  dtype: EncoderDtype,
  backend: BackendChoice = 'auto',
  onProgress?: (p: LoadProgress) => void,
): Promise<BrowserEncoder> {
  const ort = configureOrt();
  tf.env.useBrowserCache = true;
  const source = resolveModelSource(model, { base: globalThis.location?.href });
  const decision = chooseBackend(backend, dtype, await gpuFacts());
  const notes = [...decision.notes];
  let used = decision.backend;
  let loaded;
  try {
    loaded = await loadWithTransformers(tf, source, { dtype, device: used, onProgress, trapStrayRejections });
  } catch (e) {
    // A WebGPU session can still fail (driver limits, an op the EP rejects): fall back when the caller let us choose.
    if (used !== 'webgpu' || backend !== 'auto' || (e as Error).name === 'ModelLoadError') throw e;
    notes.push(`WebGPU session failed (${(e as Error).message}): using WASM`);
    used = 'wasm';
    loaded = await loadWithTransformers(tf, source, { dtype, device: used, onProgress, trapStrayRejections });
  }
  const picked = Object.fromEntries(Object.entries(loaded.preprocessorConfig).filter(([k]) => PREPROCESSOR_KEYS.includes(k)));
  const preprocessorConfig = parsePreprocessorConfig(picked, `${source.id} preprocessor_config.json`);
  const dim = Number(loaded.config.hidden_size);
  if (!Number.isInteger(dim) || dim <= 0) throw new Error(`model ${source.id}: config.json has no valid hidden_size`);
  const session = new OrtEncoderSession(loaded.session, ort.Tensor as unknown as OrtTensorCtor, dim);
  return {
    session,
    extractor: new SeamlessFeatureExtractor(preprocessorConfig),
    info: {
      backend: used,
      dtype,
      dim,
      modelId: typeof model === 'string' ? model : (model?.id ?? source.id),
      revision: source.revision,
      notes,
      featureConfig: { ...preprocessorConfig },
      threads: used === 'wasm' ? wasmThreads() : undefined,
    },
    dispose: loaded.dispose,
  };
}
