// Worker thread of the embedding job: reads and decodes segment files, plans crops and
// length-bucketed batches, and extracts features, so that this work overlaps the encoder
// session on the main thread (onnxruntime-node's run() blocks its thread).
import { parentPort } from 'node:worker_threads';
import { assertFinite, AudioError } from '../../core/audio/errors.ts';
import { toMono16k } from '../../core/audio/resample.ts';
import { planEmbedding, preparePlannedBatch } from '../../core/encoder/pipeline.ts';
import type { EmbedOptions } from '../../core/encoder/worker-api.ts';
import { MIN_SAMPLES, SeamlessFeatureExtractor } from '../../core/features/seamless-feature-extractor.ts';
import { decodeWav } from '../../core/audio/wav.ts';
import { FileReadBuffer } from '../io/file-source.ts';
import type { FileRow, FromPrepareWorker, ReadSegmentInfo, ToPrepareWorker } from './prepare-protocol.ts';
import type { RejectRow } from './io.ts';

const SR = 16000;

/**
 * Reads segment files of a chunk as 16 kHz mono samples. File bytes go through one reused
 * buffer and 16 kHz samples are decoded into one arena per chunk (reused by the next chunk,
 * grown when a chunk did not fit), so a chunk allocates almost nothing.
 */
export class SegmentReader {
  private readonly files = new FileReadBuffer();
  private arena = new Float32Array(0);
  private used = 0;
  private needed = 0;

  /** Starts a chunk: samples returned for the previous chunk may be overwritten from now on. */
  startChunk(): void {
    if (this.needed > this.arena.length) this.arena = new Float32Array(Math.ceil(this.needed * 1.25));
    this.used = 0;
    this.needed = 0;
  }

  /** The segment's samples, or why it cannot be embedded. */
  read(row: FileRow): Float32Array | RejectRow {
    try {
      const audio = decodeWav(this.files.read(row.file), row.file, this.arena.subarray(this.used));
      this.needed += audio.samples.length;
      if (audio.samples.buffer === this.arena.buffer) this.used += audio.samples.length;
      const samples = toMono16k(audio);
      assertFinite(samples, row.file);
      if (samples.length < MIN_SAMPLES) {
        return { id: row.id, path: row.path, reason: `too short: ${((samples.length / SR) * 1000).toFixed(1)} ms at 16 kHz (the feature recipe needs at least ${MIN_SAMPLES} samples)` };
      }
      return samples;
    } catch (e) {
      return { id: row.id, path: row.path, reason: e instanceof AudioError ? e.reason : (e as Error).message };
    }
  }
}

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
  reader.startChunk();
  const samples: Float32Array[] = [];
  const segments: ReadSegmentInfo[] = [];
  const rejects: RejectRow[] = [];
  msg.rows.forEach((row, i) => {
    const r = reader.read(row);
    if (r instanceof Float32Array) {
      samples.push(r);
      segments.push({ row: i, duration: r.length / SR });
    } else rejects.push(r);
  });
  const read = segments.map((s) => msg.rows[s.row]!);
  const plan = planEmbedding(samples.map((s, i) => ({ id: read[i]!.id, length: s.length })), extractor, options);
  post({ type: 'plan', chunk: msg.chunk, segments, rejects, plan });
  const paths = read.map((r) => r.path);
  plan.batches.forEach((batch, b) => {
    try {
      const prepared = preparePlannedBatch(extractor!, plan, batch, samples, paths);
      post({ type: 'batch', chunk: msg.chunk, batch: b, prepared }, [prepared.features, prepared.mask, prepared.mask64, prepared.rows].map((a) => a.buffer as ArrayBuffer));
    } catch (e) {
      post({ type: 'batch-error', chunk: msg.chunk, batch: b, message: (e as Error).message });
    }
  });
});
