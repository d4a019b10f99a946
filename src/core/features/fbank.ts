// Kaldi 80-bin log-mel filterbank (torchaudio.compliance.kaldi.fbank with the w2v-BERT settings):
// 25 ms / 10 ms frames without centering, DC removal, pre-emphasis 0.97, Povey window,
// 512-point power spectrum, Kaldi mel triangles 20 Hz – Nyquist, natural log with a float32-eps floor.
import FFT from 'fft.js';
import { nonFiniteSampleError } from './errors.ts';
import { kaldiMelFilterbank, poveyWindow, type SparseMelFilterbank } from './kaldi-mel.ts';
import { normalizePerBin } from './normalize.ts';

export const FRAME_LENGTH = 400;
export const FRAME_SHIFT = 160;
export const FFT_SIZE = 512;
const PREEMPHASIS = 0.97;
/** Kaldi works on 16-bit integer magnitudes. */
const INT16_SCALE = 32768;
/** float32 machine epsilon: Kaldi's (and transformers') floor before the log. */
export const LOG_FLOOR = 1.192092955078125e-7;
const LOW_FREQ_HZ = 20;

/** Frames Kaldi produces for `n` samples (no centering, no padding): 0 if n < 400. */
export function kaldiFrameCount(n: number): number {
  return n < FRAME_LENGTH ? 0 : 1 + Math.floor((n - FRAME_LENGTH) / FRAME_SHIFT);
}

/**
 * Computes log-mel frames. All tables (window, filterbank, FFT twiddles) and scratch buffers are
 * made once here; `compute` allocates nothing.
 */
export class KaldiFbank {
  readonly numMelBins: number;
  readonly filterbank: SparseMelFilterbank;
  /** Povey window with the ×32768 int16 scale folded in (both are per-sample multiplies). */
  private readonly window: Float64Array;
  private readonly fft: FFT;
  private readonly frame = new Float64Array(FFT_SIZE);
  private readonly spectrum: number[];
  private readonly power = new Float64Array(FFT_SIZE / 2 + 1);
  private readonly binMean: Float64Array;
  private readonly binM2: Float64Array;

  constructor(numMelBins: number, sampleRate = 16000) {
    this.numMelBins = numMelBins;
    this.filterbank = kaldiMelFilterbank(numMelBins, FFT_SIZE, sampleRate, LOW_FREQ_HZ, sampleRate / 2);
    this.window = poveyWindow(FRAME_LENGTH);
    for (let i = 0; i < FRAME_LENGTH; i++) this.window[i]! *= INT16_SCALE;
    this.fft = new FFT(FFT_SIZE);
    this.spectrum = this.fft.createComplexArray();
    this.binMean = new Float64Array(numMelBins);
    this.binM2 = new Float64Array(numMelBins);
  }

  /** `compute`, then per-bin normalisation over the clip (normalize.ts). Needs ≥ 2 frames. */
  features(samples: Float32Array, out: Float32Array, outOffset = 0, name = 'clip'): number {
    const frames = kaldiFrameCount(samples.length);
    if (frames < 2) throw new RangeError(`normalisation needs ≥ 2 frames, got ${frames}`);
    this.compute(samples, out, outOffset, name);
    normalizePerBin(out, outOffset, frames, this.numMelBins, this.binMean, this.binM2);
    return frames;
  }

  /**
   * Writes `kaldiFrameCount(samples.length)` rows of `numMelBins` log-mel values into `out`,
   * starting at `outOffset` (row stride `numMelBins`). Returns the frame count. Throws a
   * FeatureError naming `name` if a frame holds NaN/Inf (the log floor would otherwise hide it).
   */
  compute(samples: Float32Array, out: Float32Array, outOffset = 0, name = 'clip'): number {
    const frames = kaldiFrameCount(samples.length);
    const nMel = this.numMelBins;
    if (out.length < outOffset + frames * nMel) throw new RangeError(`fbank output needs ${frames * nMel} values from offset ${outOffset}`);
    const frame = this.frame;
    const win = this.window;
    const spec = this.spectrum;
    const power = this.power;
    const nBins = power.length;
    const { start, length, offset, weights } = this.filterbank;
    for (let f = 0; f < frames; f++) {
      const base = f * FRAME_SHIFT;
      let sum = 0;
      for (let i = 0; i < FRAME_LENGTH; i++) sum += samples[base + i]!;
      if (!Number.isFinite(sum)) throw nonFiniteSampleError(name, samples);
      const mean = sum / FRAME_LENGTH;
      // DC removal then pre-emphasis (x[i] -= 0.97·x[i-1], x[0] -= 0.97·x[0]) then window, fused:
      // (x[i]-m) - 0.97·(x[i-1]-m) = x[i] - 0.97·x[i-1] - 0.03·m.
      const dc = (1 - PREEMPHASIS) * mean;
      frame[0] = (samples[base]! - mean) * (1 - PREEMPHASIS) * win[0]!;
      for (let i = 1; i < FRAME_LENGTH; i++) {
        frame[i] = (samples[base + i]! - PREEMPHASIS * samples[base + i - 1]! - dc) * win[i]!;
      }
      // frame[400..511] stay zero (zero-padding to the FFT size).
      this.fft.realTransform(spec, frame);
      for (let k = 0; k < nBins; k++) {
        const re = spec[2 * k]!;
        const im = spec[2 * k + 1]!;
        power[k] = re * re + im * im;
      }
      const row = outOffset + f * nMel;
      for (let m = 0; m < nMel; m++) {
        const s = start[m]!;
        const o = offset[m]! - s;
        const e = s + length[m]!;
        let acc = 0;
        for (let k = s; k < e; k++) acc += weights[o + k]! * power[k]!;
        out[row + m] = Math.log(acc > LOG_FLOOR ? acc : LOG_FLOOR);
      }
    }
    return frames;
  }
}
