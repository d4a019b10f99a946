// Segment files → embeddings on several encoder sessions at once, each in its own worker thread
// with its own copy of the model and a share of the cores, each doing every step for its rows
// (session-worker.ts). The rows of a chunk are dealt to the workers by file size (the largest
// to the least loaded), so that each gets about the same seconds of audio, and chunks are queued
// ahead so that no worker waits for the others until the last one. Results come back in row
// order, as FileEmbedder gives them.
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { EmbedOptions } from '../../core/encoder/worker-api.ts';
import { Mailbox } from '../threads/mailbox.ts';
import { startTsWorker } from '../threads/ts-worker.ts';
import { chunkBounds, DEFAULT_CHUNK_SIZE, noTimings, type ChunkOutcome, type EmbeddedFile, type EmbedTimings, type FileEmbedderOptions } from './embed-chunk.ts';
import type { RejectRow } from './io.ts';
import type { FileRow } from './prepare-protocol.ts';
import type { FromSessionWorker, SessionWorkerInit, ToSessionWorker } from './session-pool-protocol.ts';

type Part = Extract<FromSessionWorker, { type: 'part' }>;

export class SessionPoolEmbedder {
  private readonly mailbox = new Mailbox<Part>();
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
      w.on('error', (e: Error) => this.mailbox.fail(new Error(`encoder session worker ${k + 1} of ${workers.length} failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.mailbox.fail(new Error(`encoder session worker ${k + 1} of ${workers.length} exited with code ${code}`));
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
    this.mailbox.deliver(key, m);
  }

  /** Embeds the rows chunk by chunk, yielding each chunk's embeddings and rejects in row order. */
  async *embed<R extends FileRow>(rows: readonly R[]): AsyncGenerator<ChunkOutcome<R>> {
    const n = this.workers.length;
    // Full chunks from the start: each session reads its own first rows, so none waits for a first file.
    const size = (this.tuning.chunkSize ?? DEFAULT_CHUNK_SIZE) * n;
    const chunks = chunkBounds(rows.length, size, size).map(([from, to]) => rows.slice(from, to));
    const first = this.nextChunk;
    this.nextChunk += chunks.length;
    const ahead = Math.max(0, this.tuning.ahead ?? 2);
    const dealt: number[][][] = []; // chunk → session → the chunk's rows it was given
    const started = new Array<boolean>(n).fill(false); // sessions given a part in this call
    const request = (i: number): void => {
      if (i >= chunks.length) return;
      dealt[i] = dealBySize(chunks[i]!.map((r) => r.file), n);
      dealt[i]!.forEach((part, k) => {
        if (!part.length) return;
        const rowsOut = part.map((j): FileRow => ({ id: chunks[i]![j]!.id, file: chunks[i]![j]!.file, path: chunks[i]![j]!.path }));
        this.workers[k]!.postMessage({ type: 'part', chunk: first + i, rows: rowsOut, first: !started[k] } satisfies ToSessionWorker);
        started[k] = true;
      });
    };
    for (let i = 0; i <= ahead; i++) request(i);
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      const parts = await Promise.all(dealt[i]!.map((part, k) => (part.length ? this.mailbox.take(`${first + i}:${k}`) : undefined)));
      const embedded: { at: number; file: EmbeddedFile<R> }[] = [];
      const rejects: { at: number; reject: RejectRow }[] = [];
      parts.forEach((p, k) => {
        const at = dealt[i]![k]!;
        for (const e of p?.embedded ?? []) embedded.push({ at: at[e.row]!, file: { row: chunk[at[e.row]!]!, duration: e.duration, results: e.results } });
        for (const r of p?.rejects ?? []) rejects.push({ at: at[r.row]!, reject: r.reject });
      });
      delete dealt[i];
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

/**
 * Deals files to `n` sessions so each gets about the same bytes (longest-first to the least
 * loaded; bytes stand for seconds of audio): session → indices into `files`, ascending. A file
 * that cannot be stat'ed counts as empty (its session reports why it cannot be read).
 */
export function dealBySize(files: readonly string[], n: number): number[][] {
  const size = files.map((f) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  });
  const parts: number[][] = Array.from({ length: n }, () => []);
  const load = new Float64Array(n);
  for (const j of files.map((_, j) => j).sort((a, b) => size[b]! - size[a]! || a - b)) {
    let k = 0;
    for (let q = 1; q < n; q++) if (load[q]! < load[k]!) k = q;
    parts[k]!.push(j);
    load[k] = load[k]! + size[j]!;
  }
  return parts.map((p) => p.sort((a, b) => a - b));
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
