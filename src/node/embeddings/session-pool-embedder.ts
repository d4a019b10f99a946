// Segment files → embeddings on several encoder sessions at once, each in its own worker thread
// with its own copy of the model and a share of the cores, each doing every step for its rows
// (session-worker.ts). A chunk's rows are sorted by file size (bytes stand for seconds of audio)
// and cut into parts of similar lengths, largest first and shrinking as the chunk's audio runs
// out; a session gets the next part when it hands one back (two at a time, so it never waits on
// a message), so the sessions finish within a small part of each other. Results come back in
// row order, as FileEmbedder gives them.
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { ModelLoadError } from '../../core/encoder/hf-loader.ts';
import type { EmbedOptions, LoadProgress } from '../../core/encoder/worker-api.ts';
import type { EncoderFacts } from '../encoder/load.ts';
import { Mailbox } from '../threads/mailbox.ts';
import { startTsWorker } from '../threads/ts-worker.ts';
import { addTimings, chunkBounds, DEFAULT_CHUNK_SIZE, noTimings, type ChunkOutcome, type EmbeddedFile, type EmbedTimings, type FileEmbedderOptions } from './embed-chunk.ts';
import type { RejectRow } from './io.ts';
import type { FileRow } from './prepare-protocol.ts';
import type { FromSessionWorker, SessionWorkerInit, ToSessionWorker } from './session-pool-protocol.ts';

type Part = Extract<FromSessionWorker, { type: 'part' }>;

/**
 * Each part holds 1/(GUIDE · sessions) of the chunk's audio not yet cut into parts ("guided
 * self-scheduling"): large parts first, then smaller and smaller, so the sessions finish within a
 * small part of each other. Equal parts (four per session) left one session idle for up to 20 %
 * of a short job while the other finished its last part.
 */
const GUIDE = 2;

/** Index of the smallest value (the first of equals). */
export function leastIndex(values: ArrayLike<number>): number {
  let k = 0;
  for (let q = 1; q < values.length; q++) if (values[q]! < values[k]!) k = q;
  return k;
}

/**
 * How a pool of `sessions` pages through `total` rows: chunks of `chunkSize` rows per session,
 * full from the start (each session reads its own first rows, so none waits for a first file).
 */
export function poolChunks(total: number, sessions: number, chunkSize = DEFAULT_CHUNK_SIZE): [number, number][] {
  return chunkBounds(total, chunkSize * sessions, chunkSize * sessions);
}

/** A chunk's files cut into parts for `sessions` sessions (partsBySize), however short the chunk (a job's last one). */
export function chunkParts(files: readonly string[], sessions: number): number[][] {
  return partsBySize(files, GUIDE * sessions);
}

export class SessionPoolEmbedder {
  private readonly mailbox = new Mailbox<Part>();
  /** Parts each session holds (being embedded or queued in its thread). */
  private readonly outstanding: number[];
  /** Parts each session has embedded, over every embed() call. */
  readonly partsDone: number[];
  /** Parts not yet handed to a session, in order (the embed() call in progress fills it). */
  private readonly queue: { key: string; rows: FileRow[] }[] = [];
  /** Sessions given a part in the embed() call in progress. */
  private readonly started: boolean[];
  private nextChunk = 0;
  private closed = false;
  /** Summed over the sessions and every embed() call. */
  readonly timings: EmbedTimings = noTimings();

  private constructor(
    private readonly workers: Worker[],
    private readonly tuning: FileEmbedderOptions,
  ) {
    this.outstanding = workers.map(() => 0);
    this.partsDone = workers.map(() => 0);
    this.started = workers.map(() => false);
    workers.forEach((w, k) => {
      w.on('message', (m: FromSessionWorker) => {
        if (m.type !== 'part') return;
        this.outstanding[k]!--;
        this.partsDone[k]!++;
        this.deliver(m.key, m);
        this.dispatch();
      });
      w.on('error', (e: Error) => this.mailbox.fail(new Error(`encoder session worker ${k + 1} of ${workers.length} failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.mailbox.fail(new Error(`encoder session worker ${k + 1} of ${workers.length} exited with code ${code}`));
      });
    });
  }

  /**
   * Starts `sessions` workers, each loading the model as `load` says: the first alone (it may
   * download the model into the cache, with `onProgress`), then the others from the cache, side
   * by side. Resolves once all are loaded.
   */
  static async start(sessions: number, load: SessionWorkerInit, options: EmbedOptions, tuning: FileEmbedderOptions = {}, onProgress?: (p: LoadProgress) => void): Promise<SessionPoolEmbedder> {
    const bad = sessionsError(sessions);
    if (bad) throw bad;
    return SessionPoolEmbedder.fromFirst(await SessionPoolEmbedder.startFirst(load, options, onProgress), sessions, tuning);
  }

  /**
   * Starts a pool's first session alone: what the model is (dim, feature config, the memory a
   * copy takes) is known from it before deciding how many more to start (fromFirst), so the
   * main thread need not load a copy of its own.
   */
  static async startFirst(load: SessionWorkerInit, options: EmbedOptions, onProgress?: (p: LoadProgress) => void): Promise<FirstSession> {
    const worker = startTsWorker(new URL('./session-worker.ts', import.meta.url));
    try {
      const facts = await initWorker(worker, { type: 'init', load, options, progress: onProgress !== undefined }, onProgress);
      // Idle, but ended like a pool's session: it releases the model and exits by itself.
      return { worker, facts, load, options, close: () => closeSessionWorker(worker) };
    } catch (e) {
      await worker.terminate();
      throw e;
    }
  }

  /** A pool of `sessions` sessions around a first one: the others load the same model (from the cache) with the first's settings. */
  static async fromFirst(first: FirstSession, sessions: number, tuning: FileEmbedderOptions = {}): Promise<SessionPoolEmbedder> {
    const bad = sessionsError(sessions);
    if (bad) {
      await first.close();
      throw bad;
    }
    const more = Array.from({ length: sessions - 1 }, () => startTsWorker(new URL('./session-worker.ts', import.meta.url)));
    // The first load resolved the model (a hub id to its revision, a folder to its full path).
    const load: SessionWorkerInit = { ...first.load, ...first.facts.reload };
    try {
      await Promise.all(more.map((w) => initWorker(w, { type: 'init', load, options: first.options })));
    } catch (e) {
      await Promise.all([first.worker, ...more].map((w) => w.terminate()));
      throw e;
    }
    return new SessionPoolEmbedder([first.worker, ...more], tuning);
  }

  get sessions(): number {
    return this.workers.length;
  }

  private deliver(key: string, m: Part): void {
    addTimings(this.timings, m.timings);
    this.mailbox.deliver(key, m);
  }

  /** Hands queued parts out, each to the session holding the fewest (at most two: one being embedded, one queued). */
  private dispatch(): void {
    while (this.queue.length) {
      const k = leastIndex(this.outstanding);
      if (this.outstanding[k]! >= 2) return;
      const { key, rows } = this.queue.shift()!;
      this.workers[k]!.postMessage({ type: 'part', key, rows, first: !this.started[k] } satisfies ToSessionWorker);
      this.started[k] = true;
      this.outstanding[k]!++;
    }
  }

  /** Embeds the rows chunk by chunk, yielding each chunk's embeddings and rejects in row order. */
  async *embed<R extends FileRow>(rows: readonly R[]): AsyncGenerator<ChunkOutcome<R>> {
    const n = this.workers.length;
    const chunks = poolChunks(rows.length, n, this.tuning.chunkSize).map(([from, to]) => rows.slice(from, to));
    const first = this.nextChunk;
    this.nextChunk += chunks.length;
    const ahead = Math.max(0, this.tuning.ahead ?? 2);
    const parts: number[][][] = []; // chunk → part → the chunk's rows in it
    this.queue.length = 0;
    this.started.fill(false);
    const request = (i: number): void => {
      if (i >= chunks.length) return;
      const chunk = chunks[i]!;
      parts[i] = chunkParts(chunk.map((r) => r.file), n);
      parts[i]!.forEach((rowsIn, p) => this.queue.push({ key: `${first + i}:${p}`, rows: rowsIn.map((j): FileRow => ({ id: chunk[j]!.id, file: chunk[j]!.file, path: chunk[j]!.path })) }));
      this.dispatch();
    };
    for (let i = 0; i <= ahead; i++) request(i);
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      const done = await Promise.all(parts[i]!.map((_, p) => this.mailbox.take(`${first + i}:${p}`)));
      const embedded: { at: number; file: EmbeddedFile<R> }[] = [];
      const rejects: { at: number; reject: RejectRow }[] = [];
      done.forEach((d, p) => {
        const at = parts[i]![p]!;
        for (const e of d.embedded) embedded.push({ at: at[e.row]!, file: { row: chunk[at[e.row]!]!, duration: e.duration, results: e.results } });
        for (const r of d.rejects) rejects.push({ at: at[r.row]!, reject: r.reject });
      });
      delete parts[i];
      request(i + ahead + 1);
      yield {
        embedded: embedded.sort((a, b) => a.at - b.at).map((e) => e.file),
        rejects: rejects.sort((a, b) => a.at - b.at).map((r) => r.reject),
      };
    }
  }

  /**
   * Lets each session finish the part it is embedding and exit (CLOSE_GRACE_MS at most, then it is
   * terminated): a worker terminated inside onnxruntime's session.run aborts the process, which
   * is what closing after a failed job (a full disk, a crash in the caller) used to risk.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => closeSessionWorker(w)));
  }
}

/** How long close() waits for a session to finish its part before terminating it. */
export const CLOSE_GRACE_MS = 60_000;

async function closeSessionWorker(w: Worker): Promise<void> {
  if (w.threadId === -1) return; // exited already
  const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
  try {
    w.postMessage({ type: 'close' } satisfies ToSessionWorker);
  } catch {
    // already gone
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS)));
  if ((await Promise.race([exited, late])) === 'late') await w.terminate();
  clearTimeout(timer);
}

const sessionsError = (sessions: number): RangeError | undefined =>
  Number.isInteger(sessions) && sessions >= 1 ? undefined : new RangeError(`sessions must be a whole number ≥ 1, got ${sessions}`);

/** A pool's first session, loaded and idle: see SessionPoolEmbedder.startFirst. */
export interface FirstSession {
  worker: Worker;
  /** The loaded model, as the worker reports it. */
  facts: EncoderFacts;
  load: SessionWorkerInit;
  options: EmbedOptions;
  /** Stops the worker (when no pool is made of it). */
  close(): Promise<void>;
}

/** Sends a worker its init message; resolves with what it loaded, passing its load progress on. */
function initWorker(worker: Worker, init: Extract<ToSessionWorker, { type: 'init' }>, onProgress?: (p: LoadProgress) => void): Promise<EncoderFacts> {
  return new Promise<EncoderFacts>((resolve, reject) => {
    const onMessage = (m: FromSessionWorker): void => {
      if (m.type === 'load-progress') {
        onProgress?.(m.progress);
        return;
      }
      worker.off('message', onMessage);
      worker.off('error', reject);
      if (m.type === 'ready') resolve(m.facts);
      else if (m.type === 'init-error') reject(m.location === undefined ? new Error(m.message) : new ModelLoadError(m.message, m.location));
      else reject(new Error(`unexpected ${m.type} from a session worker`));
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.postMessage(init);
  });
}

/**
 * A chunk's files cut into parts by size, largest first: part → indices into `files`, ascending.
 * Each part takes at least one file and as many more as reach 1/`share` of the bytes not yet in a
 * part, so parts shrink towards the end. Bytes stand for seconds of audio, so a part holds clips
 * of similar lengths (batched with little padding). A file that cannot be stat'ed counts as empty
 * and joins the part before it (its session says why it cannot be read).
 */
export function partsBySize(files: readonly string[], share: number): number[][] {
  const size = files.map((f) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  });
  const order = files.map((_, j) => j).sort((a, b) => size[b]! - size[a]! || a - b);
  let left = size.reduce((a, b) => a + b, 0);
  const parts: number[][] = [];
  for (let i = 0; i < order.length; ) {
    const target = left / share;
    const part: number[] = [];
    let bytes = 0;
    do {
      bytes += size[order[i]!]!;
      part.push(order[i++]!);
    } while (i < order.length && (bytes < target || size[order[i]!] === 0));
    left -= bytes;
    parts.push(part.sort((a, b) => a - b));
  }
  return parts;
}

/** Encoder sessions side by side and onnxruntime threads each. */
export interface SessionLayout {
  sessions: number;
  /** Per session; undefined: onnxruntime's own choice (one session only). */
  threads?: number;
  /**
   * One session on this thread with reading and features in a worker beside it (FileEmbedder),
   * rather than sessions in worker threads each doing every step (SessionPoolEmbedder).
   */
  featureWorker: boolean;
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
  if (sessions === 1) return { sessions, threads, featureWorker: true };
  return { sessions, threads: threads ?? Math.max(1, Math.floor(cores / sessions)), featureWorker: false };
}
