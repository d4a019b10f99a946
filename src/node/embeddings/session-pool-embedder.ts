// Segment files → embeddings on several encoder sessions at once, each in its own worker thread
// with its own copy of the model and a share of the cores, each doing every step for its rows
// (session-worker.ts). The rows of a chunk are dealt round-robin to the workers, so each gets
// segments of every length, and chunks are queued ahead so that no worker waits for the others
// until the last one. Results come back in row order, as FileEmbedder gives them.
import type { Worker } from 'node:worker_threads';
import type { EmbedOptions } from '../../core/encoder/worker-api.ts';
import { startTsWorker } from '../threads/ts-worker.ts';
import { chunkBounds, DEFAULT_CHUNK_SIZE, noTimings, type ChunkOutcome, type EmbeddedFile, type EmbedTimings, type FileEmbedderOptions } from './embed-chunk.ts';
import type { RejectRow } from './io.ts';
import type { FileRow } from './prepare-protocol.ts';
import type { FromSessionWorker, SessionWorkerInit, ToSessionWorker } from './session-pool-protocol.ts';

type Part = Extract<FromSessionWorker, { type: 'part' }>;
type Waiter = { resolve: (m: Part) => void; reject: (e: Error) => void };

export class SessionPoolEmbedder {
  private readonly arrived = new Map<string, Part>();
  private readonly waiting = new Map<string, Waiter>();
  private failure: Error | undefined;
  private nextChunk = 0;
  private closed = false;
  /** Summed over the sessions and every embed() call. */
  readonly timings: EmbedTimings = noTimings();

  private constructor(
    private readonly workers: Worker[],
    private readonly tuning: FileEmbedderOptions,
  ) {
    workers.forEach((w, k) => {
      w.on('message', (m: FromSessionWorker) => {
        if (m.type === 'part') this.deliver(`${m.chunk}:${k}`, m);
      });
      w.on('error', (e: Error) => this.fail(new Error(`encoder session worker ${k + 1} of ${workers.length} failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`encoder session worker ${k + 1} of ${workers.length} exited with code ${code}`));
      });
    });
  }

  /** Starts `sessions` workers, each loading the model as `load` says; resolves once all are loaded. */
  static async start(sessions: number, load: SessionWorkerInit, options: EmbedOptions, tuning: FileEmbedderOptions = {}): Promise<SessionPoolEmbedder> {
    if (!Number.isInteger(sessions) || sessions < 1) throw new RangeError(`sessions must be a whole number ≥ 1, got ${sessions}`);
    const workers = Array.from({ length: sessions }, () => startTsWorker(new URL('./session-worker.ts', import.meta.url)));
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              w.once('message', (m: FromSessionWorker) => (m.type === 'ready' ? resolve() : reject(new Error(m.type === 'init-error' ? m.message : `unexpected ${m.type}`))));
              w.once('error', reject);
              w.postMessage({ type: 'init', load, options } satisfies ToSessionWorker);
            }),
        ),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new SessionPoolEmbedder(workers, tuning);
  }

  get sessions(): number {
    return this.workers.length;
  }

  private deliver(key: string, m: Part): void {
    for (const k of ['readMs', 'featuresMs', 'encoderMs', 'waitMs'] as const) this.timings[k] += m.timings[k];
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

  private take(key: string): Promise<Part> {
    const m = this.arrived.get(key);
    if (m) {
      this.arrived.delete(key);
      return Promise.resolve(m);
    }
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Part>((resolve, reject) => this.waiting.set(key, { resolve, reject }));
  }

  /** Embeds the rows chunk by chunk, yielding each chunk's embeddings and rejects in row order. */
  async *embed<R extends FileRow>(rows: readonly R[]): AsyncGenerator<ChunkOutcome<R>> {
    const n = this.workers.length;
    // Chunks start with a row per session and grow to chunkSize rows per session.
    const chunks = chunkBounds(rows.length, (this.tuning.chunkSize ?? DEFAULT_CHUNK_SIZE) * n, n).map(([from, to]) => rows.slice(from, to));
    const first = this.nextChunk;
    this.nextChunk += chunks.length;
    const ahead = Math.max(0, this.tuning.ahead ?? 2);
    const partOf = (chunk: readonly R[], k: number): R[] => chunk.filter((_, j) => j % n === k);
    const request = (i: number): void => {
      if (i >= chunks.length) return;
      this.workers.forEach((w, k) => {
        const part = partOf(chunks[i]!, k);
        if (part.length) w.postMessage({ type: 'part', chunk: first + i, rows: part.map(({ id, file, path }) => ({ id, file, path })) } satisfies ToSessionWorker);
      });
    };
    for (let i = 0; i <= ahead; i++) request(i);
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      const parts = await Promise.all(this.workers.map((_, k) => (k < chunk.length ? this.take(`${first + i}:${k}`) : undefined)));
      // Part k holds the chunk's rows k, k + n, k + 2n …
      const embedded: { at: number; file: EmbeddedFile<R> }[] = [];
      const rejects: { at: number; reject: RejectRow }[] = [];
      parts.forEach((p, k) => {
        for (const e of p?.embedded ?? []) embedded.push({ at: e.row * n + k, file: { row: chunk[e.row * n + k]!, duration: e.duration, results: e.results } });
        for (const r of p?.rejects ?? []) rejects.push({ at: r.row * n + k, reject: r.reject });
      });
      request(i + ahead + 1);
      yield {
        embedded: embedded.sort((a, b) => a.at - b.at).map((e) => e.file),
        rejects: rejects.sort((a, b) => a.at - b.at).map((r) => r.reject),
      };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Encoder sessions side by side (1: one session beside a feature worker) and onnxruntime threads each. */
export interface SessionLayout {
  sessions: number;
  /** Per session; undefined: onnxruntime's own choice (one session only). */
  threads?: number;
}

/**
 * The layout of an embedding job on `cores` cores. 'auto' runs a session per core (per `threads`
 * cores when given) as long as the copies of the model fit in half the free memory: sessions
 * side by side avoid onnxruntime's per-operator meeting of threads, and each reads and makes
 * features for its own rows, so no core waits on another. One copy too many falls back to one
 * session over all cores, with reading and features in a worker beside it.
 */
export function sessionLayout(requested: number | 'auto', threads: number | undefined, cores: number, modelBytes: number, freeBytes: number): SessionLayout {
  let sessions = requested;
  if (sessions === 'auto') {
    const byCores = Math.max(1, Math.floor(cores / (threads ?? 1)));
    const byMemory = Math.floor(freeBytes / 2 / Math.max(modelBytes, 1));
    sessions = Math.max(1, Math.min(byCores, byMemory));
  }
  if (sessions === 1) return { sessions, threads };
  return { sessions, threads: threads ?? Math.max(1, Math.floor(cores / sessions)) };
}
