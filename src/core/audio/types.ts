/** Audio decoded to one channel of float samples. */
export interface DecodedAudio {
  sampleRate: number;
  /** Channels in the source file (the samples are already downmixed to mono). */
  channels: number;
  /** Mono samples; PCM maps to [-1, 1), float files keep their values. */
  samples: Float32Array;
}

/** What the header of a WAV file says, with the data size corrected to the real file. */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  /** Bits of one sample's container (8, 16, 24, 32 for PCM; 32, 64 for float). */
  bitsPerSample: number;
  format: 'pcm' | 'float';
  /** Bytes of one frame (all channels of one sample instant). */
  blockAlign: number;
  /** Byte offset of the first frame in the file. */
  dataOffset: number;
  /** Bytes of audio, trimmed to whole frames: frames × blockAlign. */
  dataBytes: number;
  frames: number;
  durationSeconds: number;
}
