// Per-mel-bin utterance normalisation of SeamlessM4TFeatureExtractor: (x − mean) / sqrt(var + 1e-7),
// sample variance (ddof = 1). Statistics are accumulated in float64, as the reference does.

const VARIANCE_EPSILON = 1e-7;

/**
 * Normalises `frames` rows of `bins` values in place, starting at `offset`. `mean` and `m2` are
 * caller-owned scratch of length ≥ bins (reused across calls). Needs frames ≥ 2.
 */
export function normalizePerBin(data: Float32Array, offset: number, frames: number, bins: number, mean: Float64Array, m2: Float64Array): void {
  mean.fill(0, 0, bins);
  m2.fill(0, 0, bins);
  const end = offset + frames * bins;
  // Row-major passes (contiguous memory) with one accumulator per bin.
  for (let r = offset; r < end; r += bins) {
    for (let m = 0; m < bins; m++) mean[m]! += data[r + m]!;
  }
  for (let m = 0; m < bins; m++) mean[m]! /= frames;
  for (let r = offset; r < end; r += bins) {
    for (let m = 0; m < bins; m++) {
      const d = data[r + m]! - mean[m]!;
      m2[m]! += d * d;
    }
  }
  // m2 becomes 1/std.
  for (let m = 0; m < bins; m++) m2[m] = 1 / Math.sqrt(m2[m]! / (frames - 1) + VARIANCE_EPSILON);
  for (let r = offset; r < end; r += bins) {
    for (let m = 0; m < bins; m++) data[r + m] = (data[r + m]! - mean[m]!) * m2[m]!;
  }
}
