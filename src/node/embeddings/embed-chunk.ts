// What both embedders of a job share (FileEmbedder: one session beside a feature worker;
// SessionPoolEmbedder: several sessions, each in a worker doing everything): chunks of rows,
// the outcome of a chunk, the timings, and embedding one planned chunk batch by batch.
import { runBatchOrEachClip, type EmbedPlan, type EncoderSession, type PreparedPart } from '../../core/encoder/pipeline.ts';
import type { EmbedResult } from '../../core/encoder/worker-api.ts';
import type { RejectRow } from './io.ts';
import type { FileRow, ReadSegmentInfo } from './prepare-protocol.ts';

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

/** How an embedder pages through the rows. */
export interface FileEmbedderOptions {
  /** Rows per chunk once the pipeline is running (default DEFAULT_CHUNK_SIZE; per session in a pool). */
  chunkSize?: number;
  /** Chunks requested beyond the one being embedded (default 2). */
  ahead?: number;
}

/**
 * Where an embedding job's time went, in ms, summed over the job (and over the sessions of a
 * pool): shows whether the encoder or the reading and features bound it.
 */
export interface EmbedTimings {
  /** Reading and decoding files, planning crops and batches. */
  readMs: number;
  /** Features of the batches. */
  featuresMs: number;
  /** Encoder runs and pooling. */
  encoderMs: number;
  /** Sessions idle, waiting for features (one session) or for work (a pool). */
  waitMs: number;
}

export const noTimings = (): EmbedTimings => ({ readMs: 0, featuresMs: 0, encoderMs: 0, waitMs: 0 });

/** The timings accrued between two readings of an embedder's `timings` (e.g. over one embed() call). */
export function timingsSince(before: EmbedTimings, now: EmbedTimings): EmbedTimings {
  return { readMs: now.readMs - before.readMs, featuresMs: now.featuresMs - before.featuresMs, encoderMs: now.encoderMs - before.encoderMs, waitMs: now.waitMs - before.waitMs };
}

/** Adds `t` into `into` (a pool sums its sessions' timings). */
export function addTimings(into: EmbedTimings, t: EmbedTimings): void {
  into.readMs += t.readMs;
  into.featuresMs += t.featuresMs;
  into.encoderMs += t.encoderMs;
  into.waitMs += t.waitMs;
}

/** Rows per chunk once the pipeline runs: bounds the decoded audio and features held at once. */
export const DEFAULT_CHUNK_SIZE = 64;

/**
 * Chunk boundaries: `first` rows (default 1), doubling up to chunkSize, so the session has its
 * first batch after one file is read (a chunk is planned whole: its batches are bucketed by length).
 */
export function chunkBounds(total: number, chunkSize: number, first = 1): [number, number][] {
  const out: [number, number][] = [];
  let size = Math.min(first, chunkSize);
  for (let start = 0; start < total; start += size, size = Math.min(chunkSize, size * 2)) out.push([start, Math.min(total, start + size)]);
  return out;
}

/** A chunk's rows as read: the readable segments (the plan's segment indices refer to them) and the rest. */
export interface ReadChunk {
  segments: ReadSegmentInfo[];
  rejects: RejectRow[];
  plan: EmbedPlan;
}

/**
 * Embeds a planned chunk batch by batch. `batchAt(b)` gives batch b's features (the clips that
 * have them, and why the others have none); encoder time goes to `timings.encoderMs`. Returns the
 * chunk's embedded files in row order, then its rejects (unreadable files first, then failed clips).
 */
export async function embedPlannedChunk<R extends FileRow>(
  session: EncoderSession,
  rows: readonly R[],
  read: ReadChunk,
  batchAt: (b: number) => Promise<PreparedPart> | PreparedPart,
  timings: EmbedTimings,
): Promise<ChunkOutcome<R>> {
  const { plan, segments } = read;
  const ids = segments.map((s) => rows[s.row]!.id);
  const results: (EmbedResult | undefined)[] = new Array(plan.clips.length);
  const failed = new Map<number, string>();
  for (const b of plan.batches.keys()) {
    const part = await batchAt(b);
    for (const f of part.failed) failed.set(plan.clips[f.item]!.segment, `features failed: ${f.error.message}`);
    if (!part.prepared) continue;
    const start = performance.now();
    const outs = await runBatchOrEachClip(session, plan, part.items, ids, part.prepared);
    timings.encoderMs += performance.now() - start;
    part.items.forEach((i, k) => {
      const o = outs[k]!;
      if (typeof o === 'string') failed.set(plan.clips[i]!.segment, `encoder failed: ${o}`);
      // A NaN or ±Inf in an embedding (an fp16 overflow, say) would stop the whole job when the
      // set refuses it: the segment is rejected instead, and the job goes on.
      else if (!o.embedding.every(Number.isFinite)) failed.set(plan.clips[i]!.segment, `encoder output is not finite (NaN or ±Inf in the embedding of ${o.start.toFixed(2)}–${o.end.toFixed(2)} s)`);
      else results[i] = o;
    });
  }
  const bySegment: EmbedResult[][] = segments.map(() => []);
  plan.clips.forEach((c, i) => {
    const r = results[i];
    if (r) bySegment[c.segment]!.push(r);
  });
  const embedded: EmbeddedFile<R>[] = [];
  const rejects = [...read.rejects];
  segments.forEach((s, i) => {
    const row = rows[s.row]!;
    const reason = failed.get(i);
    if (reason !== undefined) rejects.push({ id: row.id, path: row.path, reason });
    else embedded.push({ row, duration: s.duration, results: bySegment[i]! });
  });
  return { embedded, rejects };
}
