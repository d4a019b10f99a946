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

/** The error for a clip with a NaN/Inf sample, naming the first one and the first frame it spoils. */
export function nonFiniteSampleError(name: string, samples: Float32Array): FeatureError {
  let i = 0;
  while (i < samples.length && Number.isFinite(samples[i]!)) i++;
  // Frame f covers samples [160f, 160f + 400).
  const frame = Math.max(0, Math.ceil((i - 399) / 160));
  return new FeatureError(name, `contains NaN or infinite samples (sample ${i}, frame ${frame})`);
}
