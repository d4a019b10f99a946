// Segment files of an embedding job as 16 kHz mono samples, with the reason a file cannot be
// embedded instead of an exception: the feature worker reads thousands of files per job.
import { AudioError } from '../../core/audio/errors.ts';
import { toMono16k } from '../../core/audio/resample.ts';
import { decodeWav } from '../../core/audio/wav.ts';
import { MIN_SAMPLES } from '../../core/features/seamless-feature-extractor.ts';
import { FileReadBuffer } from '../io/file-source.ts';
import type { RejectRow } from './io.ts';
import type { FileRow } from './prepare-protocol.ts';

/** Rate of the samples SegmentReader returns. */
export const SEGMENT_SAMPLE_RATE = 16000;

/**
 * Reads segment files of a chunk as 16 kHz mono samples. File bytes go through one reused
 * buffer and 16 kHz samples are decoded into one arena per chunk (reused by the next chunk,
 * grown when a chunk did not fit), so a chunk allocates almost nothing.
 */
export class SegmentReader {
  private readonly files = new FileReadBuffer();
  private arena = new Float32Array(0);
  private used = 0;
  private needed = 0;

  /** Starts a chunk: samples returned for the previous chunk may be overwritten from now on. */
  startChunk(): void {
    if (this.needed > this.arena.length) this.arena = new Float32Array(Math.ceil(this.needed * 1.25));
    this.used = 0;
    this.needed = 0;
  }

  /** The segment's samples, or why it cannot be embedded. */
  read(row: FileRow): Float32Array | RejectRow {
    try {
      const audio = decodeWav(this.files.read(row.file), row.file, this.arena.subarray(this.used));
      this.needed += audio.samples.length;
      if (audio.samples.buffer === this.arena.buffer) this.used += audio.samples.length;
      // decodeWav has refused NaN/±Inf in float files; PCM and its resampling are finite.
      const samples = toMono16k(audio);
      if (samples.length < MIN_SAMPLES) {
        return { id: row.id, path: row.path, reason: `too short: ${((samples.length / SEGMENT_SAMPLE_RATE) * 1000).toFixed(1)} ms at 16 kHz (the feature recipe needs at least ${MIN_SAMPLES} samples)` };
      }
      return samples;
    } catch (e) {
      return { id: row.id, path: row.path, reason: e instanceof AudioError ? e.reason : (e as Error).message };
    }
  }
}
