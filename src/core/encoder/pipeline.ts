// Segments → embeddings, the same in the browser worker and in Node: plan crops, bucket
// clips by length, extract features per batch, run the encoder, masked-mean pool.
import { BatchBuffers } from '../features/batch-buffers.ts';
import type { SeamlessFeatureExtractor } from '../features/seamless-feature-extractor.ts';
import { planBatches } from './batching.ts';
import { DEFAULT_MAX_LENGTH_SECONDS, planCrops, type CropSpan } from './crop.ts';
import { maskedMeanPool } from './pooling.ts';
import type { EmbedFailure, EmbedOptions, EmbedProgress, EmbedResult, EmbedSegment } from './worker-api.ts';

/** The encoder as the pipeline sees it: one forward pass on a padded batch. */
export interface EncoderSession {
  /** Hidden size. */
  readonly dim: number;
  /** features [batch, frames, 160], mask [batch, frames] (int64, 1 = real) → last_hidden_state [batch, frames, dim]. */
  run(features: Float32Array, mask: BigInt64Array, batch: number, frames: number): Promise<Float32Array>;
}

export class EmbedCancelledError extends Error {
  constructor() {
    super('embedding cancelled');
    this.name = 'AbortError';
  }
}

export const DEFAULT_BATCH_SIZE = 4;
/** Padded frames allowed per batch beyond the real ones (see planBatches). */
export const DEFAULT_MAX_PADDING_FRACTION = 0.1;

export interface EmbedHooks {
  onProgress?: (p: EmbedProgress) => void;
  /** Checked between batches; true stops the job with EmbedCancelledError. */
  isCancelled?: () => boolean;
  /** Called after every batch with the batch's result indices (for streaming writes). */
  onBatch?: (indices: readonly number[], results: readonly EmbedResult[]) => void | Promise<void>;
}

/** One crop or window of a segment, as the pipeline plans it. */
export interface PlannedClip {
  /** Index of the segment it comes from. */
  segment: number;
  window: number;
  span: CropSpan;
  /** Feature rows (after stride stacking) of the clip. */
  rows: number;
}

export interface EmbedPlan {
  clips: PlannedClip[];
  /** Clip indices per session run, bucketed by length. */
  batches: number[][];
  /** Rate of the samples the spans count (the extractor's sampling_rate). */
  sampleRate: number;
  secondsTotal: number;
}

/**
 * Plans crops (or windows) and length-bucketed batches from segment lengths alone, so a
 * producer (a Node worker thread) can plan and extract features while the session runs.
 */
export function planEmbedding(
  segments: readonly { id: string; length: number }[],
  extractor: Pick<SeamlessFeatureExtractor, 'rowsFor' | 'config'>,
  opts: EmbedOptions,
): EmbedPlan {
  const sr = extractor.config.sampling_rate;
  const maxLengthSeconds = opts.maxLengthSeconds ?? DEFAULT_MAX_LENGTH_SECONDS;
  const clips: PlannedClip[] = [];
  segments.forEach((seg, s) => {
    const spans = planCrops(seg.length, seg.id, {
      mode: opts.mode,
      sampleRate: sr,
      maxLengthSeconds,
      seed: opts.seed,
      windowSeconds: opts.windowSeconds,
      overlapSeconds: opts.overlapSeconds,
    });
    spans.forEach((span, w) => clips.push({ segment: s, window: w, span, rows: extractor.rowsFor(span.end - span.start) }));
  });
  const batches = planBatches(
    clips.map((c) => c.rows),
    { batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE, maxPaddingFraction: opts.maxPaddingFraction ?? DEFAULT_MAX_PADDING_FRACTION },
  );
  const secondsTotal = clips.reduce((a, c) => a + (c.span.end - c.span.start) / sr, 0);
  return { clips, batches, sampleRate: sr, secondsTotal };
}

/** A padded batch ready for the session: everything but the forward pass and pooling. */
export interface PreparedBatch {
  /** [batch, frames, 160] */
  features: Float32Array;
  /** [batch, frames], 1 = real frame. */
  mask: Int32Array;
  /** The same mask as the int64 the model takes. */
  mask64: BigInt64Array;
  batch: number;
  frames: number;
  /** Each clip's own rows (the batch is right-padded to `frames`). */
  rows: Int32Array;
}

/**
 * Features and masks of one batch of clips (16 kHz mono); with `buffers`, written into them
 * (valid until their next use) instead of fresh arrays.
 */
export function prepareBatch(extractor: SeamlessFeatureExtractor, clips: readonly Float32Array[], names?: readonly string[], buffers?: BatchBuffers): PreparedBatch {
  const fb = extractor.extractBatch(clips, names, buffers);
  const mask64 = buffers ? buffers.takeMask64(fb.mask.length) : new BigInt64Array(fb.mask.length);
  for (let i = 0; i < mask64.length; i++) mask64[i] = fb.mask[i] ? 1n : 0n;
  const rows = Int32Array.from(clips, (c) => extractor.rowsFor(c.length));
  return { features: fb.features, mask: fb.mask, mask64, batch: fb.batch, frames: fb.frames, rows };
}

/**
 * Prepares batch `batch` of a plan from the planned segments' samples; `names` (one per
 * segment) name a clip in errors; `buffers` as in prepareBatch. `offsets[s]`, when given, is the
 * frame of segment s that samples[s] begins at (a reader that read only the part a crop needs).
 */
export function preparePlannedBatch(
  extractor: SeamlessFeatureExtractor,
  plan: EmbedPlan,
  batch: readonly number[],
  samples: readonly Float32Array[],
  names: readonly string[],
  buffers?: BatchBuffers,
  offsets?: readonly number[],
): PreparedBatch {
  const clips = batch.map((i) => plan.clips[i]!);
  return prepareBatch(
    extractor,
    clips.map((c) => {
      const from = offsets?.[c.segment] ?? 0;
      const s = samples[c.segment]!;
      if (c.span.start < from || c.span.end - from > s.length) throw new RangeError(`preparePlannedBatch: ${names[c.segment]} holds frames ${from}–${from + s.length}, the plan needs ${c.span.start}–${c.span.end}`);
      return s.subarray(c.span.start - from, c.span.end - from);
    }),
    clips.map((c) => names[c.segment]!),
    buffers,
  );
}

/** A planned batch's features: `items` are the batch's clips that have them, in `prepared`. */
export interface PreparedPart {
  items: number[];
  /** Absent when no clip of the batch could be prepared. */
  prepared?: PreparedBatch;
  /** Clips whose features failed, with the extractor's error. */
  failed: { item: number; error: Error }[];
}

/** Makes the features of some of a plan's clips (preparePlannedBatch over a chunk's audio), into `buffers` when given. */
export type PrepareClips = (items: readonly number[], buffers?: BatchBuffers) => PreparedBatch;

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/**
 * Prepares a planned batch; when its features fail, clip by clip, so one bad clip (samples the
 * extractor refuses) cannot sink the rest of its batch. The clips that pass are prepared again
 * as one batch (failures are rare, and the batch keeps its bucketing).
 */
export function preparePlannedPart(batch: readonly number[], prepare: PrepareClips, buffers?: BatchBuffers): PreparedPart {
  try {
    return { items: [...batch], prepared: prepare(batch, buffers), failed: [] };
  } catch (e) {
    const failed: PreparedPart['failed'] = [];
    const items: number[] = [];
    for (const i of batch) {
      try {
        // A batch of one has failed already.
        if (batch.length === 1) throw e;
        prepare([i]);
        items.push(i);
      } catch (err) {
        failed.push({ item: i, error: asError(err) });
      }
    }
    if (!items.length) return { items, failed };
    try {
      return { items, prepared: prepare(items, buffers), failed };
    } catch (again) {
      // The batch itself fails (not one clip of it): every clip fails with that error.
      const error = asError(again);
      return { items: [], failed: [...failed, ...items.map((item) => ({ item, error }))] };
    }
  }
}

/**
 * The rows of a prepared batch as batches of one, each cut to its real frames: what
 * prepareBatch would give for the clip alone (features are normalised per clip before
 * padding). Lets a caller retry clip by clip when a batch fails, without the audio.
 */
export function splitPreparedBatch(p: PreparedBatch): PreparedBatch[] {
  const width = p.features.length / (p.batch * p.frames);
  return Array.from(p.rows, (frames, k) => {
    const at = k * p.frames;
    return {
      features: p.features.slice(at * width, (at + frames) * width),
      mask: p.mask.slice(at, at + frames),
      mask64: p.mask64.slice(at, at + frames),
      rows: Int32Array.of(frames),
      batch: 1,
      frames,
    };
  });
}

/** Forward pass and masked-mean pooling of a prepared batch: [batch·dim] embeddings and real-frame counts. */
export async function runPreparedBatch(session: EncoderSession, p: PreparedBatch): Promise<{ embeddings: Float32Array; counts: Int32Array }> {
  const hidden = await session.run(p.features, p.mask64, p.batch, p.frames);
  const { out, counts } = maskedMeanPool(hidden, p.mask, p.batch, p.frames, session.dim);
  return { embeddings: out, counts };
}

/** The results of one batch of a plan, in the batch's order. */
export function batchResults(
  plan: EmbedPlan,
  batch: readonly number[],
  ids: readonly string[],
  out: { embeddings: Float32Array; counts: Int32Array },
  dim: number,
): EmbedResult[] {
  return batch.map((i, k) => {
    const c = plan.clips[i]!;
    return {
      id: ids[c.segment]!,
      window: c.window,
      start: c.span.start / plan.sampleRate,
      end: c.span.end / plan.sampleRate,
      frames: out.counts[k]!,
      embedding: out.embeddings.slice(k * dim, (k + 1) * dim),
    };
  });
}

/**
 * Runs a planned batch and returns each clip's result, or the reason it failed: when the batch
 * fails, it is retried clip by clip from its prepared features, so one bad clip cannot sink the rest.
 */
export async function runBatchOrEachClip(
  session: EncoderSession,
  plan: EmbedPlan,
  batch: readonly number[],
  ids: readonly string[],
  prepared: PreparedBatch,
): Promise<(EmbedResult | string)[]> {
  const run = async (items: readonly number[], p: PreparedBatch) => batchResults(plan, items, ids, await runPreparedBatch(session, p), session.dim);
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

/** A clip of a plan that could not be embedded, and why. */
function clipFailure(plan: EmbedPlan, item: number, ids: readonly string[], stage: EmbedFailure['stage'], error: string): EmbedFailure {
  const c = plan.clips[item]!;
  return { id: ids[c.segment]!, window: c.window, start: c.span.start / plan.sampleRate, end: c.span.end / plan.sampleRate, stage, error };
}

/**
 * The failure that blames the session rather than the clips of an embedSegmentsEach call: every
 * clip failed, at least one in the encoder (a lost WebGPU device, memory). A job stops on it,
 * resumable, instead of rejecting each recording for good.
 */
export function sessionFailure(results: readonly (EmbedResult | EmbedFailure)[]): EmbedFailure | undefined {
  if (!results.length || results.some((r) => 'embedding' in r)) return undefined;
  return (results as EmbedFailure[]).find((f) => f.stage === 'encoder');
}

/**
 * Embeds segments (16 kHz mono). One result per segment, or per window in 'windows' mode,
 * in input order. Clips of similar length share a batch; results do not depend on batching.
 * The first clip that cannot be embedded throws its error (embedSegmentsEach reports it instead).
 */
export async function embedSegments(
  session: EncoderSession,
  extractor: SeamlessFeatureExtractor,
  segments: readonly EmbedSegment[],
  opts: EmbedOptions,
  hooks: EmbedHooks = {},
): Promise<EmbedResult[]> {
  return (await embedLoop(session, extractor, segments, opts, hooks, true)) as EmbedResult[];
}

/**
 * embedSegments for a job that goes on past bad clips: a clip whose features or encoder run
 * fail comes back as an EmbedFailure in its place (a failed batch is retried clip by clip).
 */
export function embedSegmentsEach(
  session: EncoderSession,
  extractor: SeamlessFeatureExtractor,
  segments: readonly EmbedSegment[],
  opts: EmbedOptions,
  hooks: EmbedHooks = {},
): Promise<(EmbedResult | EmbedFailure)[]> {
  return embedLoop(session, extractor, segments, opts, hooks, false);
}

async function embedLoop(
  session: EncoderSession,
  extractor: SeamlessFeatureExtractor,
  segments: readonly EmbedSegment[],
  opts: EmbedOptions,
  hooks: EmbedHooks,
  throwFirst: boolean,
): Promise<(EmbedResult | EmbedFailure)[]> {
  const ids = segments.map((s) => s.id);
  const names = segments.map((s) => s.name ?? s.id);
  const samples = segments.map((s) => s.samples);
  const plan = planEmbedding(segments.map((s) => ({ id: s.id, length: s.samples.length })), extractor, opts);
  const results: (EmbedResult | EmbedFailure)[] = new Array(plan.clips.length);
  let done = 0;
  let secondsDone = 0;
  // Two sets of buffers: batch b + 1 is made while batch b runs.
  const buffers = [new BatchBuffers(), new BatchBuffers()];
  const clips: PrepareClips = (items, bufs) => preparePlannedBatch(extractor, plan, items, samples, names, bufs);
  const prepare = (b: number) => preparePlannedPart(plan.batches[b]!, clips, buffers[b % 2]);
  let next = plan.batches.length > 0 ? prepare(0) : undefined;
  for (const [b, batch] of plan.batches.entries()) {
    if (hooks.isCancelled?.()) throw new EmbedCancelledError();
    const part = next!;
    // A batch whose features fail is reported in its turn, after the batches before it.
    if (throwFirst && part.failed.length) throw part.failed[0]!.error;
    for (const f of part.failed) results[f.item] = clipFailure(plan, f.item, ids, 'features', f.error.message);
    // The next batch's features are made while this one runs: on WebGPU run() awaits the
    // GPU, leaving this thread free (on CPU backends it changes nothing).
    const running = part.prepared
      ? throwFirst
        ? runPreparedBatch(session, part.prepared).then((out) => batchResults(plan, part.items, ids, out, session.dim))
        : runBatchOrEachClip(session, plan, part.items, ids, part.prepared)
      : Promise.resolve([]);
    next = b + 1 < plan.batches.length ? prepare(b + 1) : undefined;
    const outs = await running;
    const embedded: EmbedResult[] = [];
    const items: number[] = [];
    part.items.forEach((i, k) => {
      const o = outs[k]!;
      // Feature errors name their clip already; the session's do not.
      if (typeof o === 'string') results[i] = clipFailure(plan, i, ids, 'encoder', `${names[plan.clips[i]!.segment]}: ${o}`);
      else {
        results[i] = o;
        embedded.push(o);
        items.push(i);
      }
    });
    done += batch.length;
    for (const i of batch) secondsDone += (plan.clips[i]!.span.end - plan.clips[i]!.span.start) / plan.sampleRate;
    await hooks.onBatch?.(items, embedded);
    hooks.onProgress?.({ done, total: plan.clips.length, secondsDone, secondsTotal: plan.secondsTotal });
  }
  return results;
}
