// WAV reading and writing. Reading: PCM 8 (unsigned)/16/24/32-bit and IEEE
// float 32/64, any channel count (downmixed by averaging),
// WAVE_FORMAT_EXTENSIBLE, RF64, extra chunks, and data sizes that streamed
// recordings leave wrong. Range reads fetch only the header chunks and the
// bytes of the requested frames.
import type { ByteSource } from '../io/byte-source.ts';
import { AudioError, assertFinite } from './errors.ts';
import { decodeFrames } from './wav-decode.ts';
import { parseWavHeader, parseWavHeaderSync } from './wav-header.ts';
import type { DecodedAudio, WavInfo } from './types.ts';

export type { DecodedAudio, WavInfo } from './types.ts';
export { AudioError, assertFinite } from './errors.ts';
export { encodeWav } from './wav-encode.ts';
export type { EncodeWavOptions } from './wav-encode.ts';

/**
 * Decodes `frames` frames of a WAV's data bytes (any part of its data chunk) to mono float
 * samples, into the start of `into` when it is long enough; refuses NaN/±Inf in float files.
 */
export function decodeWavData(data: Uint8Array, info: WavInfo, frames: number, name: string, into?: Float32Array): Float32Array {
  const samples = into && into.length >= frames ? into.subarray(0, frames) : new Float32Array(frames);
  decodeFrames(data, info, frames, samples);
  // Only float files can hold NaN or ±Infinity; PCM is finite by construction.
  if (info.format === 'float') assertFinite(samples, name);
  return samples;
}

/**
 * Decodes a whole WAV file held in memory to mono float samples: into the start of `into`
 * when it is long enough (batch jobs reuse one buffer instead of allocating per file).
 */
export function decodeWav(bytes: Uint8Array, name: string, into?: Float32Array): DecodedAudio {
  const info = parseWavHeaderSync(bytes, name);
  const data = bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
  return { sampleRate: info.sampleRate, channels: info.channels, samples: decodeWavData(data, info, info.frames, name, into) };
}

/** Parses the header in memory (the info `readWavInfo` would give). */
export function wavInfoOf(bytes: Uint8Array, name: string): WavInfo {
  return parseWavHeaderSync(bytes, name);
}

/** Reads the header of a WAV file chunk by chunk, without touching the audio data. */
export async function readWavInfo(src: ByteSource): Promise<WavInfo> {
  const size = await src.size();
  const parser = parseWavHeader(size, src.name);
  let step = parser.next();
  while (!step.done) {
    const { offset, length } = step.value;
    const bytes = await src.read(offset, length);
    if (bytes.byteLength < length) {
      throw new AudioError(src.name, `truncated header: read ${bytes.byteLength} of ${length} bytes at offset ${offset}`);
    }
    step = parser.next(bytes);
  }
  return step.value;
}

/**
 * First frame of a time: floor(seconds × rate), with a tolerance of 1e-6 frame
 * so that times written in decimal (0.29 s × 100 Hz = 28.999999999999996) land
 * on the frame they name.
 */
export function frameAt(seconds: number, sampleRate: number): number {
  return Math.floor(seconds * sampleRate + 1e-6);
}

/**
 * Reads samples [frameAt(startSec), frameAt(endSec)) — clamped to the file —
 * reading only the header (unless `info` is given) and those frames' bytes.
 * An empty range is an AudioError.
 */
export async function readWavRange(src: ByteSource, startSec: number, endSec: number, info?: WavInfo): Promise<DecodedAudio> {
  if (!Number.isFinite(startSec) || !Number.isFinite(endSec)) {
    throw new AudioError(src.name, `bad time range [${startSec}, ${endSec}) s`);
  }
  const wav = info ?? (await readWavInfo(src));
  const first = Math.max(0, frameAt(startSec, wav.sampleRate));
  const end = Math.min(wav.frames, frameAt(endSec, wav.sampleRate));
  if (end <= first) {
    throw new AudioError(
      src.name,
      `empty range [${startSec}, ${endSec}) s: the recording is ${wav.durationSeconds.toFixed(3)} s long`,
    );
  }
  const frames = end - first;
  const offset = wav.dataOffset + first * wav.blockAlign;
  const length = frames * wav.blockAlign;
  const data = await src.read(offset, length);
  if (data.byteLength < length) {
    throw new AudioError(src.name, `truncated data: read ${data.byteLength} of ${length} bytes at offset ${offset}`);
  }
  return { sampleRate: wav.sampleRate, channels: wav.channels, samples: decodeWavData(data, wav, frames, src.name) };
}
