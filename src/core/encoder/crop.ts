// Which part of a segment is embedded (the original recipe, shared/specs/model.md):
// training takes a seeded random max-length crop, evaluation and inference the first
// max-length seconds; long recordings can instead be cut into windows, one embedding each.
import type { EmbedMode } from './worker-api.ts';
import { mulberry32 } from '../random/mulberry32.ts';

export interface CropSpan {
  /** Sample range [start, end) within the segment. */
  start: number;
  end: number;
}

export interface CropOptions {
  mode: EmbedMode;
  sampleRate: number;
  maxLengthSeconds: number;
  /** 'train' only. */
  seed?: number;
  /** 'windows' only (default maxLengthSeconds). */
  windowSeconds?: number;
  /** 'windows' only (default 0). */
  overlapSeconds?: number;
}

export const DEFAULT_MAX_LENGTH_SECONDS = 20;
export const DEFAULT_CROP_SEED = 42;

/** FNV-1a over the UTF-16 code units, mixed with the seed: a crop depends on (seed, id) only, never on order. */
function hashSeed(seed: number, id: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The first mulberry32 draw from a 32-bit state: a uniform float in [0, 1). */
function uniform(state: number): number {
  return mulberry32(state)();
}

/** The spans of a segment of `length` samples to embed (one, except in 'windows' mode). */
export function planCrops(length: number, id: string, opts: CropOptions): CropSpan[] {
  const max = Math.round(opts.maxLengthSeconds * opts.sampleRate);
  if (!(max > 0)) throw new RangeError(`maxLengthSeconds must be > 0, got ${opts.maxLengthSeconds}`);
  switch (opts.mode) {
    case 'eval':
    case 'infer':
      return [{ start: 0, end: Math.min(length, max) }];
    case 'train': {
      if (length <= max) return [{ start: 0, end: length }];
      // Inclusive range like Python's random.randint(0, length - max).
      const start = Math.floor(uniform(hashSeed(opts.seed ?? DEFAULT_CROP_SEED, id)) * (length - max + 1));
      return [{ start, end: start + max }];
    }
    case 'windows': {
      const win = Math.round((opts.windowSeconds ?? opts.maxLengthSeconds) * opts.sampleRate);
      const overlap = Math.round((opts.overlapSeconds ?? 0) * opts.sampleRate);
      if (!(win > 0)) throw new RangeError(`windowSeconds must be > 0, got ${opts.windowSeconds}`);
      if (overlap < 0 || overlap >= win) throw new RangeError(`overlapSeconds must be >= 0 and < windowSeconds, got ${opts.overlapSeconds}`);
      if (win > max) throw new RangeError(`windowSeconds (${opts.windowSeconds}) must not exceed maxLengthSeconds (${opts.maxLengthSeconds})`);
      if (length <= win) return [{ start: 0, end: length }];
      const step = win - overlap;
      const spans: CropSpan[] = [];
      let start = 0;
      for (; start + win < length; start += step) spans.push({ start, end: start + win });
      // The tail: a full window ending at the last sample (overlapping the previous one more),
      // so every window has the same length and no tiny remainder is embedded on its own.
      spans.push({ start: length - win, end: length });
      return spans;
    }
  }
}
