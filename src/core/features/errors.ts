/** A clip the feature extractor cannot turn into features (too short, NaN/Inf samples). */
export class FeatureError extends Error {
  constructor(
    readonly clip: string,
    readonly reason: string,
  ) {
    super(`${clip}: ${reason}`);
    this.name = 'FeatureError';
  }
}

/**
 * The error for a clip whose filterbank energies are not finite: a NaN/Inf sample (named with the
 * first frame it spoils), or finite samples so large (garbage float data, ~1e14 and up) that the
 * energies overflow.
 */
export function nonFiniteSampleError(name: string, samples: Float32Array): FeatureError {
  let i = 0;
  while (i < samples.length && Number.isFinite(samples[i]!)) i++;
  if (i === samples.length) {
    let peak = 0;
    for (let k = 0; k < samples.length; k++) peak = Math.max(peak, Math.abs(samples[k]!));
    return new FeatureError(name, `samples too large for the features (peak ${peak.toExponential(1)}, audio should lie within ±1): the filterbank energies overflow`);
  }
  // Frame f covers samples [160f, 160f + 400).
  const frame = Math.max(0, Math.ceil((i - 399) / 160));
  return new FeatureError(name, `contains NaN or infinite samples (sample ${i}, frame ${frame})`);
}
