// Segment files → embeddings in Node, with reading, decoding and feature extraction in a
// worker thread (prepare-worker.ts) while the encoder session runs here: onnxruntime-node's
// run() blocks the thread it is called on, so only another thread can overlap the two.
// Chunks are requested a few ahead; the first chunks are small so the session starts early.
import type { Worker } from 'node:worker_threads';
import type { EncoderSession } from '../../core/encoder/pipeline.ts';
import type { EmbedOptions } from '../../core/encoder/worker-api.ts';
import type { PreprocessorConfig } from '../../core/features/preprocessor-config.ts';
import { Mailbox } from '../threads/mailbox.ts';
import { startTsWorker } from '../threads/ts-worker.ts';
import { chunkBounds, DEFAULT_CHUNK_SIZE, embedPlannedChunk, noTimings, type ChunkOutcome, type EmbedTimings, type FileEmbedderOptions } from './embed-chunk.ts';
import type { FileRow, FromPrepareWorker, ToPrepareWorker } from './prepare-protocol.ts';

export type { FileRow } from './prepare-protocol.ts';
export { chunkBounds, DEFAULT_CHUNK_SIZE, timingsSince, type ChunkOutcome, type EmbeddedFile, type EmbedTimings, type FileEmbedderOptions } from './embed-chunk.ts';

export class FileEmbedder {
  private readonly worker: Worker;
  private readonly mailbox = new Mailbox<FromPrepareWorker>();
  private nextChunk = 0;
  /** Summed over every embed() call of this embedder. */
  readonly timings: EmbedTimings = noTimings();
  private closed = false;

  constructor(
    private readonly session: EncoderSession,
    preprocessorConfig: PreprocessorConfig,
    private readonly options: EmbedOptions,
    private readonly tuning: FileEmbedderOptions = {},
  ) {
    this.worker = startTsWorker(new URL('./prepare-worker.ts', import.meta.url));
    this.worker.on('message', (m: FromPrepareWorker) => this.deliver(m));
    this.worker.on('error', (e: Error) => this.mailbox.fail(new Error(`feature worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.mailbox.fail(new Error(`feature worker exited with code ${code}`));
    });
    this.post({ type: 'init', preprocessorConfig, options });
  }

  private post(m: ToPrepareWorker): void {
    this.worker.postMessage(m);
  }

  private static key(chunk: number, batch?: number): string {
    return batch === undefined ? `${chunk}` : `${chunk}:${batch}`;
  }

  private deliver(m: FromPrepareWorker): void {
    if (m.type === 'plan') this.timings.readMs += m.ms;
    else this.timings.featuresMs += m.ms;
    this.mailbox.deliver(m.type === 'plan' ? FileEmbedder.key(m.chunk) : FileEmbedder.key(m.chunk, m.batch), m);
  }

  private async take(key: string): Promise<FromPrepareWorker> {
    const start = performance.now();
    try {
      return await this.mailbox.take(key);
    } finally {
      this.timings.waitMs += performance.now() - start;
    }
  }

  /** Embeds the rows chunk by chunk, yielding each chunk's embeddings and rejects in row order. */
  async *embed<R extends FileRow>(rows: readonly R[]): AsyncGenerator<ChunkOutcome<R>> {
    const chunks = chunkBounds(rows.length, this.tuning.chunkSize ?? DEFAULT_CHUNK_SIZE).map(([from, to]) => rows.slice(from, to));
    const first = this.nextChunk;
    this.nextChunk += chunks.length;
    const ahead = Math.max(0, this.tuning.ahead ?? 2);
    const request = (i: number): void => {
      if (i < chunks.length) this.post({ type: 'chunk', chunk: first + i, rows: chunks[i]! });
    };
    for (let i = 0; i <= ahead; i++) request(i);
    for (let i = 0; i < chunks.length; i++) {
      const plan = (await this.take(FileEmbedder.key(first + i))) as Extract<FromPrepareWorker, { type: 'plan' }>;
      const batchAt = async (b: number) => {
        const m = (await this.take(FileEmbedder.key(first + i, b))) as Extract<FromPrepareWorker, { type: 'batch' }>;
        return { items: m.items, ...(m.prepared ? { prepared: m.prepared } : {}), failed: m.failed.map((f) => ({ item: f.item, error: new Error(f.message) })) };
      };
      const outcome = await embedPlannedChunk(this.session, chunks[i]!, plan, batchAt, this.timings);
      request(i + ahead + 1);
      yield outcome;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }
}
