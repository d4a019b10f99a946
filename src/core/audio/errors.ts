/**
 * A recording that cannot be read: not a WAV, truncated, an unsupported
 * codec, no samples, non-finite samples, an empty range. The message names the
 * file first so a batch job can report and skip the recording.
 */
export class AudioError extends Error {
  readonly file: string;
  readonly reason: string;

  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'AudioError';
    this.file = file;
    this.reason = reason;
  }
}

/**
 * A WAV whose codec this reader does not decode (μ-law, A-law, ADPCM, MP3 in a WAV): the browser's
 * own decoder may still read it. The name survives a worker boundary, the class does not.
 */
export class UnsupportedCodecError extends AudioError {
  constructor(file: string, reason: string) {
    super(file, reason);
    this.name = 'UnsupportedCodecError';
  }
}

/** Throws AudioError naming `name` and the first bad index when a sample is NaN or ±Infinity. */
export function assertFinite(samples: Float32Array | Float64Array, name: string): void {
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    // v - v is NaN for NaN and ±Infinity, 0 otherwise: one branch per sample.
    if (v - v !== 0) {
      throw new AudioError(name, `non-finite sample (${v}) at index ${i}`);
    }
  }
}
