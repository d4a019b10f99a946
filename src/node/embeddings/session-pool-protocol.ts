// Messages between a SessionPoolEmbedder and its session workers (session-worker.ts): each
// worker loads its own copy of the model, then embeds the parts of chunks it is given.
import type { EncoderDtype } from '../../core/encoder/embedding-set.ts';
import type { EmbedOptions, EmbedResult, LoadProgress, ModelSource } from '../../core/encoder/worker-api.ts';
import type { EncoderFacts, HubSettings } from '../encoder/load.ts';
import type { EmbedTimings } from './embed-chunk.ts';
import type { RejectRow } from './io.ts';
import type { FileRow } from './prepare-protocol.ts';

export interface SessionWorkerInit {
  /** undefined: the default model (as loadEncoder takes it). */
  model: ModelSource | undefined;
  dtype: EncoderDtype;
  cacheDir: string;
  /** onnxruntime intra-op threads of this worker's session. */
  threads: number;
  spinning?: boolean;
  /** The parent's hub host (a worker's transformers.js starts with the default one). */
  hub?: HubSettings;
}

export type ToSessionWorker =
  /** `progress`: send the load's progress (the pool's first session, which may download the model). */
  | { type: 'init'; load: SessionWorkerInit; options: EmbedOptions; progress?: boolean }
  /** `key` names the part in the answer; `first`: this session's first part of an embed() call (its idle time before is not waiting for work). */
  | { type: 'part'; key: string; rows: FileRow[]; first: boolean }
  /** Finish the part being embedded, drop queued ones, release the session, then exit. */
  | { type: 'close' };

export type FromSessionWorker =
  | { type: 'load-progress'; progress: LoadProgress }
  | { type: 'ready'; facts: EncoderFacts }
  /** `location`: the file or URL a ModelLoadError names (the main thread rebuilds it as one). */
  | { type: 'init-error'; message: string; location?: string }
  /** A part's outcome; `row` indexes the part's rows. `timings`: this part's alone. */
  | { type: 'part'; key: string; embedded: { row: number; duration: number; results: EmbedResult[] }[]; rejects: { row: number; reject: RejectRow }[]; timings: EmbedTimings };
