// The encoder in a dedicated worker (comlink): model loading, feature extraction and the
// ONNX session all run here, so the page never blocks. See src/core/encoder/worker-api.ts.
import { expose, transfer } from 'comlink';
import { EmbedCancelledError, embedSegments, embedSegmentsEach, type EmbedHooks } from '../src/core/encoder/pipeline.ts';
import { encoderDifference } from '../src/core/encoder/embedding-set.ts';
import type { EmbedFailure, EmbedOptions, EmbedProgress, EmbedResult, EmbedSegment, EncoderWorkerApi, ExpectedEncoder, LoadProgress, LoadResult, ModelSource, BackendChoice, EncoderDtype } from '../src/core/encoder/worker-api.ts';
import { loadBrowserEncoder, type BrowserEncoder } from '../src/browser/encoder/load.ts';

let encoder: BrowserEncoder | null = null;
/** An embed() call; cancel() sets `cancelled`, checked before its turn and between batches. */
type Call = { cancelled: boolean };
/** The call running now: cancel() without an id stops it, not the calls queued behind it. */
let current: Call | null = null;
/** The calls made with an id and not yet ended (running or queued), for cancel(id). */
const calls = new Map<string, Call>();
// Yield to the event loop between batches so a cancel() message is handled promptly.
const yieldToEvents = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

// One ONNX session serves every page (a classification while a dataset embeds): calls run one
// after another, never interleaved on the session (onnxruntime-web cannot run two at once, and a
// load() would dispose the session under a running embed()).
let queue: Promise<unknown> = Promise.resolve();
function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

type Embedder<T> = (
  session: BrowserEncoder['session'],
  extractor: BrowserEncoder['extractor'],
  segments: EmbedSegment[],
  opts: EmbedOptions,
  hooks: EmbedHooks,
) => Promise<T[]>;

/** One embed() or embedEach() call, queued in its turn: checks the encoder, runs, hands the vectors over. */
function embedCall<T extends EmbedResult | EmbedFailure>(
  run: Embedder<T>,
  segments: EmbedSegment[],
  opts: EmbedOptions,
  onProgress?: (p: EmbedProgress) => void,
  expected?: ExpectedEncoder,
  callId?: string,
): Promise<T[]> {
  const call: Call = { cancelled: false };
  // Known from now on: a cancel(id) may come while it waits its turn.
  if (callId !== undefined) calls.set(callId, call);
  return inTurn(async () => {
    try {
      if (call.cancelled) throw new EmbedCancelledError();
      if (!encoder) throw new Error('encoder worker: call load() before embed()');
      const why = expected && encoderDifference(expected, encoder.info);
      if (why) {
        const e = new Error(why);
        e.name = 'EncoderChangedError';
        throw e;
      }
      current = call;
      const results = await run(encoder.session, encoder.extractor, segments, opts, {
        isCancelled: () => call.cancelled,
        onBatch: yieldToEvents,
        onProgress: onProgress ? (p) => void onProgress(p) : undefined,
      });
      return transfer(
        results,
        results.flatMap((r) => ('embedding' in r ? [r.embedding.buffer as ArrayBuffer] : [])),
      );
    } finally {
      if (current === call) current = null;
      if (callId !== undefined) calls.delete(callId);
    }
  });
}

const api: EncoderWorkerApi = {
  load(model: ModelSource, dtype: EncoderDtype, backend?: BackendChoice, onProgress?: (p: LoadProgress) => void): Promise<LoadResult> {
    return inTurn(async () => {
      if (encoder) {
        await encoder.dispose();
        encoder = null;
      }
      encoder = await loadBrowserEncoder(model, dtype, backend ?? 'auto', onProgress);
      return encoder.info;
    });
  },

  embed(segments, opts, onProgress, expected, callId) {
    return embedCall(embedSegments, segments, opts, onProgress, expected, callId);
  },

  embedEach(segments, opts, onProgress, expected, callId) {
    return embedCall(embedSegmentsEach, segments, opts, onProgress, expected, callId);
  },

  cancel(callId?: string): void {
    // A call that has ended is no longer known: a late cancel (a double click) leaves nothing behind.
    const call = callId === undefined ? current : calls.get(callId);
    if (call) call.cancelled = true;
  },

  async dispose(): Promise<void> {
    // After the running call, not by cancelling it: it may be another page's job.
    await inTurn(async () => {
      if (encoder) await encoder.dispose();
      encoder = null;
    });
  },
};

expose(api);
