// Messages between the embedding job and its feature worker (prepare-worker.ts): the page of
// work is a chunk of CSV rows; the worker answers with the chunk's plan, then one prepared
// batch at a time, so the encoder session starts on the first batch while the rest is made.
import type { PreparedBatch, EmbedPlan } from '../../core/encoder/pipeline.ts';
import type { EmbedOptions } from '../../core/encoder/worker-api.ts';
import type { PreprocessorConfig } from '../../core/features/preprocessor-config.ts';
import type { RejectRow } from './io.ts';

/** A segment file to embed. */
export interface FileRow {
  id: string;
  /** Resolved path on disk. */
  file: string;
  /** Path as the caller names it (reported in rejects). */
  path: string;
}

export type ToPrepareWorker =
  | { type: 'init'; preprocessorConfig: PreprocessorConfig; options: EmbedOptions }
  | { type: 'chunk'; chunk: number; rows: FileRow[] };

/** A readable segment of a chunk: its row (index into the chunk's rows) and its length at 16 kHz. */
export interface ReadSegmentInfo {
  row: number;
  duration: number;
}

/** `ms`: the worker's time on the message's work (reading and planning a chunk, or a batch's features). */
export type FromPrepareWorker =
  /** Segments that were read (the plan's segment indices refer to this list) and rows that were not. */
  | { type: 'plan'; chunk: number; segments: ReadSegmentInfo[]; rejects: RejectRow[]; plan: EmbedPlan; ms: number }
  /** A batch's features: `items` are its clips that have them, in `prepared`; `failed` the others, with why. */
  | { type: 'batch'; chunk: number; batch: number; items: number[]; prepared?: PreparedBatch; failed: { item: number; message: string }[]; ms: number };
