// Segments → embeddings, the same in the browser worker and in Node: plan crops, bucket
// clips by length, extract features per batch, run the encoder, masked-mean pool.
import type { SeamlessFeatureExtractor } from '../features/seamless-feature-extractor.ts';
import { planBatches } from './batching.ts';
import { DEFAULT_MAX_LENGTH_SECONDS, planCrops, type CropSpan } from './crop.ts';
import { maskedMeanPool } from './pooling.ts';
import type { EmbedOptions, EmbedProgress, EmbedResult, EmbedSegment } from './worker-api.ts';

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

interface Clip {
  segment: number;
  window: number;
  span: CropSpan;
  rows: number;
}

/** Runs one padded batch of clips and pools it; returns [batch·dim] embeddings and real-frame counts. */
export async function embedBatch(
  session: EncoderSession,
  extractor: SeamlessFeatureExtractor,
  clips: readonly Float32Array[],
  names?: readonly string[],
): Promise<{ embeddings: Float32Array; counts: Int32Array }> {
  const fb = extractor.extractBatch(clips, names);
  const mask = new BigInt64Array(fb.mask.length);
  for (let i = 0; i < mask.length; i++) mask[i] = fb.mask[i] ? 1n : 0n;
  const hidden = await session.run(fb.features, mask, fb.batch, fb.frames);
  const { out, counts } = maskedMeanPool(hidden, fb.mask, fb.batch, fb.frames, session.dim);
  return { embeddings: out, counts };
}

/**
 * Embeds segments (16 kHz mono). One result per segment, or per window in 'windows' mode,
 * in input order. Clips of similar length share a batch; results do not depend on batching.
 */
export async function embedSegments(
  session: EncoderSession,
  extractor: SeamlessFeatureExtractor,
  segments: readonly EmbedSegment[],
  opts: EmbedOptions,
  hooks: EmbedHooks = {},
): Promise<EmbedResult[]> {
  const sr = extractor.config.sampling_rate;
  const maxLengthSeconds = opts.maxLengthSeconds ?? DEFAULT_MAX_LENGTH_SECONDS;
  const clips: Clip[] = [];
  segments.forEach((seg, s) => {
    const spans = planCrops(seg.samples.length, seg.id, {
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
  const results: EmbedResult[] = new Array(clips.length);
  const secondsTotal = clips.reduce((a, c) => a + (c.span.end - c.span.start) / sr, 0);
  let done = 0;
  let secondsDone = 0;
  for (const batch of batches) {
    if (hooks.isCancelled?.()) throw new EmbedCancelledError();
    const audio = batch.map((i) => {
      const c = clips[i]!;
      return segments[c.segment]!.samples.subarray(c.span.start, c.span.end);
    });
    const names = batch.map((i) => segments[clips[i]!.segment]!.id);
    const { embeddings, counts } = await embedBatch(session, extractor, audio, names);
    const dim = session.dim;
    const batchResults: EmbedResult[] = batch.map((i, k) => {
      const c = clips[i]!;
      const r: EmbedResult = {
        id: segments[c.segment]!.id,
        window: c.window,
        start: c.span.start / sr,
        end: c.span.end / sr,
        frames: counts[k]!,
        embedding: embeddings.slice(k * dim, (k + 1) * dim),
      };
      results[i] = r;
      return r;
    });
    done += batch.length;
    for (const i of batch) secondsDone += (clips[i]!.span.end - clips[i]!.span.start) / sr;
    await hooks.onBatch?.(batch, batchResults);
    hooks.onProgress?.({ done, total: clips.length, secondsDone, secondsTotal });
  }
  return results;
}
