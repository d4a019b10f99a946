// Kaldi's mel filterbank and Povey window, built once per extractor.

/** Kaldi mel scale: 1127·ln(1 + f/700). */
export function kaldiMel(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

/** Povey window: symmetric Hann raised to 0.85 (Kaldi's default for fbank). */
export function poveyWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  const a = (2 * Math.PI) / (length - 1);
  for (let i = 0; i < length; i++) w[i] = Math.pow(0.5 - 0.5 * Math.cos(a * i), 0.85);
  return w;
}

/**
 * Triangular mel filters stored sparsely: filter m covers FFT bins
 * `start[m] .. start[m] + length[m] - 1` with weights `weights[offset[m] + k]`.
 * Each bin falls in at most two triangles, so this is ~2·bins multiplies per frame
 * instead of bins·filters for a dense matrix.
 */
export interface SparseMelFilterbank {
  numFilters: number;
  numBins: number;
  start: Int32Array;
  length: Int32Array;
  offset: Int32Array;
  weights: Float64Array;
}

/**
 * Kaldi-style filterbank: `numFilters` triangles evenly spaced on the Kaldi mel scale between
 * `lowHz` and `highHz`, with the triangle shape computed in mel space (not Hz) and no area
 * normalisation. Bins are `k · sampleRate / fftSize` for k = 0 .. fftSize/2.
 */
export function kaldiMelFilterbank(numFilters: number, fftSize: number, sampleRate: number, lowHz: number, highHz: number): SparseMelFilterbank {
  const numBins = fftSize / 2 + 1;
  const melLow = kaldiMel(lowHz);
  const melHigh = kaldiMel(highHz);
  const melDelta = (melHigh - melLow) / (numFilters + 1);
  const binMel = new Float64Array(numBins);
  for (let k = 0; k < numBins; k++) binMel[k] = kaldiMel((k * sampleRate) / fftSize);

  const start = new Int32Array(numFilters);
  const length = new Int32Array(numFilters);
  const offset = new Int32Array(numFilters);
  const all: number[] = [];
  for (let m = 0; m < numFilters; m++) {
    const left = melLow + m * melDelta;
    const center = left + melDelta;
    const right = center + melDelta;
    let first = -1;
    let last = -1;
    for (let k = 0; k < numBins; k++) {
      const mel = binMel[k]!;
      if (mel > left && mel < right) {
        if (first < 0) first = k;
        last = k;
      }
    }
    offset[m] = all.length;
    if (first < 0) continue; // an empty triangle (too many filters for the FFT size) stays zero
    start[m] = first;
    length[m] = last - first + 1;
    for (let k = first; k <= last; k++) {
      const mel = binMel[k]!;
      all.push(mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center));
    }
  }
  return { numFilters, numBins, start, length, offset, weights: Float64Array.from(all) };
}
