// The encoder in a dedicated worker (comlink): model loading, feature extraction and the
// ONNX session all run here, so the page never blocks. See src/core/encoder/worker-api.ts.
import { expose, transfer } from 'comlink';
import { embedSegments } from '../src/core/encoder/pipeline.ts';
import type { EmbedOptions, EmbedProgress, EmbedResult, EmbedSegment, EncoderWorkerApi, LoadProgress, LoadResult, ModelSource, BackendChoice, EncoderDtype } from '../src/core/encoder/worker-api.ts';
import { loadBrowserEncoder, type BrowserEncoder } from '../src/browser/encoder/load.ts';

let encoder: BrowserEncoder | null = null;
let cancelled = false;
// Yield to the event loop between batches so a cancel() message is handled promptly.
const yieldToEvents = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

const api: EncoderWorkerApi = {
  async load(model: ModelSource, dtype: EncoderDtype, backend?: BackendChoice, onProgress?: (p: LoadProgress) => void): Promise<LoadResult> {
    if (encoder) {
      await encoder.dispose();
      encoder = null;
    }
    encoder = await loadBrowserEncoder(model, dtype, backend ?? 'auto', onProgress);
    return encoder.info;
  },

  async embed(segments: EmbedSegment[], opts: EmbedOptions, onProgress?: (p: EmbedProgress) => void): Promise<EmbedResult[]> {
    if (!encoder) throw new Error('encoder worker: call load() before embed()');
    cancelled = false;
    const results = await embedSegments(encoder.session, encoder.extractor, segments, opts, {
      isCancelled: () => cancelled,
      onBatch: yieldToEvents,
      onProgress: onProgress ? (p) => void onProgress(p) : undefined,
    });
    return transfer(
      results,
      results.map((r) => r.embedding.buffer as ArrayBuffer),
    );
  },

  cancel(): void {
    cancelled = true;
  },

  async dispose(): Promise<void> {
    cancelled = true;
    if (encoder) await encoder.dispose();
    encoder = null;
  },
};

expose(api);
