// w2v-BERT 2.0 input features: the SeamlessM4TFeatureExtractor recipe (shared/specs/model.md), driven
// by preprocessor_config.json. Log-mel frames are written straight into the output buffer, whose
// row-major [frames, 80] layout is already the stacked [frames/2, 160] layout, so stacking is free.
import type { BatchBuffers } from './batch-buffers.ts';
import { FeatureError } from './errors.ts';
import { FRAME_LENGTH, FRAME_SHIFT, KaldiFbank, kaldiFrameCount } from './fbank.ts';
import { WasmKaldiFbank, wasmSimdAvailable } from './wasm-fbank.ts';
import { DEFAULT_PREPROCESSOR_CONFIG, type PreprocessorConfig } from './preprocessor-config.ts';

/** Fewest samples giving two frames: the per-bin sample variance (ddof = 1) needs two. */
export const MIN_SAMPLES = FRAME_LENGTH + FRAME_SHIFT;

export interface ExtractedFeatures {
  /** `[frames, feature_size · stride]` row-major. */
  features: Float32Array;
  /** `[frames]`, 1 = real row, 0 = padding. */
  mask: Int32Array;
  /** Encoder rows (stacked frames). */
  frames: number;
}

export interface ExtractedBatch {
  /** `[batch, frames, feature_size · stride]` row-major; short items padded with `padding_value`. */
  features: Float32Array;
  /** `[batch, frames]`. */
  mask: Int32Array;
  batch: number;
  frames: number;
}

export class SeamlessFeatureExtractor {
  readonly config: PreprocessorConfig;
  /** Values per encoder row: `feature_size · stride` (160). */
  readonly rowSize: number;
  readonly backend: 'wasm' | 'js';
  private readonly fbank: KaldiFbank | WasmKaldiFbank;

  /**
   * `backend` 'wasm' (the default where WebAssembly SIMD exists and num_mel_bins is a multiple of 4)
   * runs fbank and normalisation as SIMD kernels (float32 where that is accurate enough, float64
   * elsewhere); 'js' is the plain-JS fallback (fft.js; same recipe, ~10× slower). The attention
   * mask is always returned (the encoder needs it), whatever `return_attention_mask` says.
   */
  constructor(
    config: PreprocessorConfig = DEFAULT_PREPROCESSOR_CONFIG,
    backend: 'wasm' | 'js' = wasmSimdAvailable() && config.num_mel_bins % 4 === 0 ? 'wasm' : 'js',
  ) {
    this.config = config;
    this.rowSize = config.num_mel_bins * config.stride;
    this.fbank = backend === 'wasm' ? new WasmKaldiFbank(config.num_mel_bins, config.sampling_rate) : new KaldiFbank(config.num_mel_bins, config.sampling_rate);
    this.backend = backend;
  }

  /** wasm backend: the last clip's pairs of frames, and how many were redone in float64. */
  get lastClip(): { pairs: number; exactPairs: number } | undefined {
    return this.fbank instanceof WasmKaldiFbank ? this.fbank.lastClip : undefined;
  }

  /** Encoder rows for a clip of `samples` samples at 16 kHz (after padding to a multiple of stride). */
  rowsFor(samples: number): number {
    return Math.ceil(kaldiFrameCount(samples) / this.config.stride);
  }

  /** Features of one 16 kHz mono clip; `name` is used in error messages. */
  extract(samples16k: Float32Array, name = 'clip'): ExtractedFeatures {
    this.check(samples16k, name);
    const rows = this.rowsFor(samples16k.length);
    const features = new Float32Array(rows * this.rowSize);
    const mask = new Int32Array(rows);
    this.fill(samples16k, name, features, 0, mask, 0, rows);
    return { features, mask, frames: rows };
  }

  /**
   * Features of several clips padded to the longest (right padding with `padding_value`, mask 0).
   * Each item equals its own `extract`, followed by padding rows. With `buffers`, the batch is
   * written into them (valid until their next use) instead of fresh arrays.
   */
  extractBatch(clips: readonly Float32Array[], names?: readonly string[], buffers?: BatchBuffers): ExtractedBatch {
    if (clips.length === 0) throw new RangeError('extractBatch needs at least one clip');
    let rows = 0;
    clips.forEach((c, b) => {
      this.check(c, names?.[b] ?? `clip ${b}`);
      rows = Math.max(rows, this.rowsFor(c.length));
    });
    const values = clips.length * rows * this.rowSize;
    const { features, mask } = buffers ? buffers.take(values, clips.length * rows) : { features: new Float32Array(values), mask: new Int32Array(clips.length * rows) };
    clips.forEach((c, b) => this.fill(c, names?.[b] ?? `clip ${b}`, features, b * rows * this.rowSize, mask, b * rows, rows));
    return { features, mask, batch: clips.length, frames: rows };
  }

  private check(samples: Float32Array, name: string): void {
    if (samples.length < MIN_SAMPLES) {
      const ms = ((samples.length / this.config.sampling_rate) * 1000).toFixed(1);
      throw new FeatureError(
        name,
        `too short for feature extraction: ${samples.length} samples (${ms} ms at ${this.config.sampling_rate} Hz); ` +
          `at least ${MIN_SAMPLES} samples (two 25 ms frames) are needed for the per-bin variance`,
      );
    }
  }

  /** Writes one clip's `rows` rows at `fOff` / `mOff` (rows beyond the clip: padding). */
  private fill(samples: Float32Array, name: string, features: Float32Array, fOff: number, mask: Int32Array, mOff: number, rows: number): void {
    const nMel = this.config.num_mel_bins;
    const stride = this.config.stride;
    const frames = this.fbank.features(samples, features, fOff, name);
    features.fill(this.config.padding_value, fOff + frames * nMel, fOff + rows * this.rowSize);
    // Row j is real when the frame Hugging Face reads its mask from (frame j·stride + 1, i.e. 2j+1
    // for stride 2) is real: an odd last frame shares its row with padding and gets mask 0.
    const probe = Math.min(1, stride - 1);
    for (let j = 0; j < rows; j++) mask[mOff + j] = j * stride + probe < frames ? 1 : 0;
  }
}
