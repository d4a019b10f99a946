// Worker thread of the embedding job: reads and decodes segment files, plans crops and
// length-bucketed batches, and extracts features, so that this work overlaps the encoder
// session on the main thread (onnxruntime-node's run() blocks its thread).
import { parentPort } from 'node:worker_threads';
import { preparePlannedBatch, preparePlannedPart } from '../../core/encoder/pipeline.ts';
import type { EmbedOptions } from '../../core/encoder/worker-api.ts';
import { SeamlessFeatureExtractor } from '../../core/features/seamless-feature-extractor.ts';
import { SegmentReader } from './segment-reader.ts';
import type { FromPrepareWorker, ToPrepareWorker } from './prepare-protocol.ts';

const port = parentPort;
if (!port) throw new Error('prepare-worker.ts must run in a worker thread');
const post = (msg: FromPrepareWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

const reader = new SegmentReader();
let extractor: SeamlessFeatureExtractor | undefined;
let options: EmbedOptions | undefined;

port.on('message', (msg: ToPrepareWorker) => {
  if (msg.type === 'init') {
    extractor = new SeamlessFeatureExtractor(msg.preprocessorConfig);
    options = msg.options;
    return;
  }
  if (!extractor || !options) throw new Error('prepare worker: chunk before init');
  const readStart = performance.now();
  const { samples, offsets, segments, rejects, plan } = reader.readChunk(msg.rows, extractor, options);
  post({ type: 'plan', chunk: msg.chunk, segments, rejects, plan, ms: performance.now() - readStart });
  const paths = segments.map((s) => msg.rows[s.row]!.path);
  plan.batches.forEach((batch, b) => {
    const start = performance.now();
    const { items, prepared, failed } = preparePlannedPart(batch, (clips) => preparePlannedBatch(extractor!, plan, clips, samples, paths, undefined, offsets));
    const transfer = prepared ? [prepared.features, prepared.mask, prepared.mask64, prepared.rows].map((a) => a.buffer as ArrayBuffer) : [];
    post(
      { type: 'batch', chunk: msg.chunk, batch: b, items, ...(prepared ? { prepared } : {}), failed: failed.map((f) => ({ item: f.item, message: f.error.message })), ms: performance.now() - start },
      transfer,
    );
  });
});
