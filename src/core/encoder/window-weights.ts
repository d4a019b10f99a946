// How much each window of a long recording counts in its whole-recording result. Windows run
// back to back, but the last one is a full window ending at the last sample (planCrops), so it
// overlaps the one before: weighting windows equally (or by frames) counts the overlapped audio
// twice and lets the end of a recording outweigh its middle.

/**
 * Per window, the seconds of audio it adds beyond the windows before it (spans in the order
 * given, sorted by start as planCrops makes them); a window that adds nothing still gets a
 * sliver, so a recording of one repeated window is not a division by zero.
 */
export function newAudioWeights(spans: readonly { start: number; end: number }[]): Float64Array {
  const w = new Float64Array(spans.length);
  let covered = -Infinity;
  spans.forEach((s, i) => {
    w[i] = Math.max(1e-6, s.end - Math.max(s.start, covered));
    covered = Math.max(covered, s.end);
  });
  return w;
}

/** Weighted mean of `rows` vectors of `width` values laid out one after another. */
export function weightedMean(values: Float32Array, weights: Float64Array, width: number): Float32Array {
  const out = new Float32Array(width);
  let total = 0;
  weights.forEach((w, i) => {
    total += w;
    for (let k = 0; k < width; k++) out[k] += w * values[i * width + k]!;
  });
  for (let k = 0; k < width; k++) out[k] /= total;
  return out;
}
