// Worker thread of a SessionPoolEmbedder: its own encoder session on a share of the cores, and
// every step for the rows it is given, in turn: read, decode, plan, features, encoder, pooling.
// Sessions side by side beat one session over all cores when the model is small: onnxruntime
// threads meet at every operator, and a small model's operators are short.
import { parentPort } from 'node:worker_threads';
import { ModelLoadError } from '../../core/encoder/hf-loader.ts';
import { preparePlannedBatch, preparePlannedPart } from '../../core/encoder/pipeline.ts';
import { BatchBuffers } from '../../core/features/batch-buffers.ts';
import type { EmbedOptions, LoadProgress } from '../../core/encoder/worker-api.ts';
import { encoderFacts, loadEncoder, useHubSettings, type NodeEncoder } from '../encoder/load.ts';
import { embedPlannedChunk, noTimings } from './embed-chunk.ts';
import type { FileRow } from './prepare-protocol.ts';
import { SegmentReader } from './segment-reader.ts';
import type { FromSessionWorker, ToSessionWorker } from './session-pool-protocol.ts';

const port = parentPort;
if (!port) throw new Error('session-worker.ts must run in a worker thread');
const post = (msg: FromSessionWorker): void => port.postMessage(msg);

const reader = new SegmentReader();
// Each batch is run before the next is made: one set of buffers serves them all.
const buffers = new BatchBuffers();
let state: { encoder: NodeEncoder; options: EmbedOptions } | undefined;
let lastDone: number | undefined;

async function embedPart(key: string, rows: FileRow[], waitedSince: number | undefined, arrived: number): Promise<void> {
  if (!state) throw new Error('session worker: part before init');
  const { encoder, options } = state;
  const timings = noTimings();
  if (waitedSince !== undefined) timings.waitMs = Math.max(0, arrived - waitedSince);
  let start = performance.now();
  const read = reader.readChunk(rows, encoder.extractor, options);
  timings.readMs = performance.now() - start;
  const paths = read.segments.map((s) => rows[s.row]!.path);
  const batchAt = (b: number) => {
    start = performance.now();
    try {
      return preparePlannedPart(read.plan.batches[b]!, (items, bufs) => preparePlannedBatch(encoder.extractor, read.plan, items, read.samples, paths, bufs, read.offsets), buffers);
    } finally {
      timings.featuresMs += performance.now() - start;
    }
  };
  const outcome = await embedPlannedChunk(encoder.session, rows, read, batchAt, timings);
  // Back to the part's row indices (ids are unique within a job).
  const byId = new Map(rows.map((r, i) => [r.id, i]));
  post({
    type: 'part',
    key,
    embedded: outcome.embedded.map((e) => ({ row: byId.get(e.row.id)!, duration: e.duration, results: e.results })),
    rejects: outcome.rejects.map((r) => ({ row: byId.get(r.id)!, reject: r })),
    timings,
  });
  lastDone = performance.now();
}

// One message at a time: run() yields to the event loop, and the next part must wait its turn.
let queue = Promise.resolve();
let closing = false;
port.on('message', (msg: ToSessionWorker) => {
  const arrived = performance.now();
  // Parts queued before a close are dropped: their job is over.
  if (msg.type === 'close') closing = true;
  queue = queue.then(async () => {
    if (msg.type === 'close') {
      // Released here, between runs: a thread terminated inside onnxruntime's run aborts the whole process.
      await state?.encoder.dispose().catch(() => undefined);
      state = undefined;
      port.close();
      return;
    }
    if (closing) return;
    if (msg.type === 'init') {
      try {
        if (msg.load.hub) useHubSettings(msg.load.hub);
        const onProgress = msg.progress ? (progress: LoadProgress) => post({ type: 'load-progress', progress }) : undefined;
        const encoder = await loadEncoder(msg.load.model, msg.load.dtype, { cacheDir: msg.load.cacheDir, threads: msg.load.threads, spinning: msg.load.spinning, onProgress });
        state = { encoder, options: msg.options };
        post({ type: 'ready', facts: encoderFacts(encoder) });
      } catch (e) {
        post({ type: 'init-error', message: (e as Error).message, location: e instanceof ModelLoadError ? e.location : undefined });
      }
    } else await embedPart(msg.key, msg.rows, msg.first ? undefined : lastDone, arrived);
  });
});
