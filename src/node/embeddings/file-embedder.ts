// Segment files → embeddings in Node, with reading, decoding and feature extraction in a
// worker thread (prepare-worker.ts) while the encoder session runs here: onnxruntime-node's
// run() blocks the thread it is called on, so only another thread can overlap the two.
// Chunks are requested a few ahead; the first chunks are small so the session starts early.
import type { Worker } from 'node:worker_threads';
import { batchResults, runPreparedBatch, splitPreparedBatch, type EmbedPlan, type EncoderSession, type PreparedBatch } from '../../core/encoder/pipeline.ts';
import type { EmbedOptions, EmbedResult } from '../../core/encoder/worker-api.ts';
import type { PreprocessorConfig } from '../../core/features/preprocessor-config.ts';
import { startTsWorker } from '../threads/ts-worker.ts';
import type { RejectRow } from './io.ts';
import type { FileRow, FromPrepareWorker, ReadSegmentInfo, ToPrepareWorker } from './prepare-protocol.ts';

export type { FileRow } from './prepare-protocol.ts';

export interface EmbeddedFile<R extends FileRow = FileRow> {
  /** The row as given to embed(). */
  row: R;
  /** Seconds of audio in the file (at 16 kHz). */
  duration: number;
  /** One per crop (one per window in 'windows' mode). */
  results: EmbedResult[];
}

export interface ChunkOutcome<R extends FileRow = FileRow> {
  embedded: EmbeddedFile<R>[];
  /** Files that could not be read or embedded, with the reason. */
  rejects: RejectRow[];
}

export interface FileEmbedderOptions {
  /** Rows per chunk once the pipeline is running (default DEFAULT_CHUNK_SIZE). */
  chunkSize?: number;
  /** Chunks requested beyond the one being embedded (default 2). */
  ahead?: number;
}

/**
 * Where an embedding job's time went, in ms, summed over the job: shows whether the encoder or
 * the reading and features bound it (the two run at once, on two threads).
 */
export interface EmbedTimings {
  /** Feature worker: reading and decoding files, planning crops and batches. */
  readMs: number;
  /** Feature worker: features of the batches. */
  featuresMs: number;
  /** This thread: encoder runs and pooling. */
  encoderMs: number;
  /** This thread: waiting for the worker's next plan or batch, the encoder idle. */
  waitMs: number;
}

/** The timings accrued between two readings of `FileEmbedder.timings` (e.g. over one embed() call). */
export function timingsSince(before: EmbedTimings, now: EmbedTimings): EmbedTimings {
  return { readMs: now.readMs - before.readMs, featuresMs: now.featuresMs - before.featuresMs, encoderMs: now.encoderMs - before.encoderMs, waitMs: now.waitMs - before.waitMs };
}

/** Rows per chunk once the pipeline runs: bounds the decoded audio and features held at once. */
export const DEFAULT_CHUNK_SIZE = 64;

type Waiter = { resolve: (m: FromPrepareWorker) => void; reject: (e: Error) => void };

/**
 * Chunk boundaries: 1 row, doubling up to chunkSize, so the session has its first batch after
 * one file is read (a chunk is planned whole: its batches are bucketed by length).
 */
export function chunkBounds(total: number, chunkSize: number): [number, number][] {
  const out: [number, number][] = [];
  let size = 1;
  for (let start = 0; start < total; start += size, size = Math.min(chunkSize, size * 2)) out.push([start, Math.min(total, start + size)]);
  return out;
}

export class FileEmbedder {
  private readonly worker: Worker;
  private readonly arrived = new Map<string, FromPrepareWorker>();
  private readonly waiting = new Map<string, Waiter>();
  private failure: Error | undefined;
  private nextChunk = 0;
  /** Summed over every embed() call of this embedder. */
  readonly timings: EmbedTimings = { readMs: 0, featuresMs: 0, encoderMs: 0, waitMs: 0 };
  private closed = false;

  constructor(
    private readonly session: EncoderSession,
    preprocessorConfig: PreprocessorConfig,
    private readonly options: EmbedOptions,
    private readonly tuning: FileEmbedderOptions = {},
  ) {
    this.worker = startTsWorker(new URL('./prepare-worker.ts', import.meta.url));
    this.worker.on('message', (m: FromPrepareWorker) => this.deliver(m));
    this.worker.on('error', (e: Error) => this.fail(new Error(`feature worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(new Error(`feature worker exited with code ${code}`));
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
    const key = m.type === 'plan' ? FileEmbedder.key(m.chunk) : FileEmbedder.key(m.chunk, m.batch);
    const w = this.waiting.get(key);
    if (w) {
      this.waiting.delete(key);
      w.resolve(m);
    } else this.arrived.set(key, m);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private async take(key: string): Promise<FromPrepareWorker> {
    const m = this.arrived.get(key);
    if (m) {
      this.arrived.delete(key);
      return m;
    }
    if (this.failure) throw this.failure;
    const start = performance.now();
    try {
      return await new Promise<FromPrepareWorker>((resolve, reject) => this.waiting.set(key, { resolve, reject }));
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
      const outcome = await this.embedChunk(first + i, chunks[i]!, plan);
      request(i + ahead + 1);
      yield outcome;
    }
  }

  private async embedChunk<R extends FileRow>(chunk: number, rows: readonly R[], msg: { segments: ReadSegmentInfo[]; rejects: RejectRow[]; plan: EmbedPlan }): Promise<ChunkOutcome<R>> {
    const { plan, segments } = msg;
    const ids = segments.map((s) => rows[s.row]!.id);
    const results: (EmbedResult | undefined)[] = new Array(plan.clips.length);
    const failed = new Map<number, string>();
    for (let b = 0; b < plan.batches.length; b++) {
      const batch = plan.batches[b]!;
      const m = await this.take(FileEmbedder.key(chunk, b));
      const start = performance.now();
      const outs = m.type === 'batch' ? await this.runBatch(plan, batch, ids, m.prepared) : batch.map(() => (m as { message: string }).message);
      this.timings.encoderMs += performance.now() - start;
      batch.forEach((i, k) => {
        const o = outs[k]!;
        if (typeof o === 'string') failed.set(plan.clips[i]!.segment, o);
        else results[i] = o;
      });
    }
    const bySegment: EmbedResult[][] = segments.map(() => []);
    plan.clips.forEach((c, i) => {
      const r = results[i];
      if (r) bySegment[c.segment]!.push(r);
    });
    const embedded: EmbeddedFile<R>[] = [];
    const rejects = [...msg.rejects];
    segments.forEach((s, i) => {
      const row = rows[s.row]!;
      const reason = failed.get(i);
      if (reason !== undefined) rejects.push({ id: row.id, path: row.path, reason: `encoder failed: ${reason}` });
      else embedded.push({ row, duration: s.duration, results: bySegment[i]! });
    });
    return { embedded, rejects };
  }

  /**
   * Runs a batch and returns each clip's result, or the reason it failed: when the batch
   * fails, it is retried clip by clip so one bad clip cannot sink the rest.
   */
  private async runBatch(plan: EmbedPlan, batch: readonly number[], ids: readonly string[], prepared: PreparedBatch): Promise<(EmbedResult | string)[]> {
    const run = async (items: readonly number[], p: PreparedBatch) => batchResults(plan, items, ids, await runPreparedBatch(this.session, p), this.session.dim);
    try {
      return await run(batch, prepared);
    } catch (e) {
      if (batch.length === 1) return [(e as Error).message];
      const singles = splitPreparedBatch(prepared);
      const outs: (EmbedResult | string)[] = [];
      for (const [k, item] of batch.entries()) {
        try {
          outs.push(...(await run([item], singles[k]!)));
        } catch (err) {
          outs.push((err as Error).message);
        }
      }
      return outs;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }
}
