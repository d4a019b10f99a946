// Audio worker: turns file bytes or decoded channels into 16 kHz mono samples
// off the main thread (thin comlink wrapper over src/core/audio).
import { isWavHeader } from '../src/browser/services/wav-header.ts';
import { expose, transfer } from 'comlink';
import { decodeWav } from '../src/core/audio/wav.ts';
import { resample, toMono16k } from '../src/core/audio/resample.ts';
import { assertFinite, UnsupportedCodecError } from '../src/core/audio/errors.ts';

export interface AudioWorkerApi {
  /** Decodes a WAV file (any PCM/float layout) and resamples it to 16 kHz mono. */
  wavTo16k(bytes: Uint8Array, name: string): Promise<{ samples: Float32Array; sourceRate: number; channels: number }>;
  /**
   * Decodes a batch of files' bytes in one message each way. Per file: the samples,
   * an error, or `notWav` for formats only the browser's decodeAudioData (page) knows
   * (WAVs of a codec other than PCM or float included).
   */
  manyTo16k(files: Uint8Array[], names: string[]): Promise<BatchDecoded[]>;
  /** Averages channels decoded by the browser (decodeAudioData) and resamples them to 16 kHz. */
  channelsTo16k(channels: Float32Array[], sampleRate: number, name: string): Promise<Float32Array>;
}

/** `notWav`: true for another format, or why our WAV reader passed a WAV on (its codec). */
export type BatchDecoded = { samples: Float32Array } | { error: string } | { notWav: true | string };

const api: AudioWorkerApi = {
  async manyTo16k(files, names) {
    const out: BatchDecoded[] = [];
    const buffers: ArrayBuffer[] = [];
    for (let i = 0; i < files.length; i++) {
      try {
        const bytes = files[i];
        if (!isWavHeader(bytes)) {
          out.push({ notWav: true });
          continue;
        }
        const samples = toMono16k(decodeWav(bytes, names[i]));
        out.push({ samples });
        buffers.push(samples.buffer as ArrayBuffer);
      } catch (e) {
        // μ-law and the like: the page hands the file to the browser's decoder.
        out.push(e instanceof UnsupportedCodecError ? { notWav: e.reason } : { error: (e as Error).message });
      }
    }
    return transfer(out, buffers);
  },
  async wavTo16k(bytes, name) {
    const decoded = decodeWav(bytes, name);
    const samples = toMono16k(decoded);
    return transfer({ samples, sourceRate: decoded.sampleRate, channels: decoded.channels }, [samples.buffer]);
  },
  async channelsTo16k(channels, sampleRate, name) {
    const n = channels[0]?.length ?? 0;
    const mono = channels.length === 1 ? channels[0] : new Float32Array(n);
    if (channels.length > 1) {
      const w = 1 / channels.length;
      for (const ch of channels) for (let i = 0; i < n; i++) mono[i] += ch[i] * w;
    }
    assertFinite(mono, name);
    const out = sampleRate === 16000 ? mono : resample(mono, sampleRate, 16000);
    return transfer(out, [out.buffer]);
  },
};

expose(api);
