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
