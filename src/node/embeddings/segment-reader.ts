// Segment files of an embedding job as 16 kHz mono samples, with the reason a file cannot be
// embedded instead of an exception: the feature worker reads thousands of files per job.
import { AudioError } from '../../core/audio/errors.ts';
import { grownCapacity as grown } from '../../core/io/capacity.ts';
import { toMono16k } from '../../core/audio/resample.ts';
import { PCM16_BLOCK, WasmPcm16 } from '../../core/audio/wasm-pcm16.ts';
import { decodeWav, wavInfoOf, type WavInfo } from '../../core/audio/wav.ts';
import { planEmbedding } from '../../core/encoder/pipeline.ts';
import type { EmbedOptions } from '../../core/encoder/worker-api.ts';
import { MIN_SAMPLES, type SeamlessFeatureExtractor } from '../../core/features/seamless-feature-extractor.ts';
import { readFileInto } from '../io/file-source.ts';
import type { ReadChunk } from './embed-chunk.ts';
import type { RejectRow } from './io.ts';
import type { FileRow, ReadSegmentInfo } from './prepare-protocol.ts';

/** Rate of the samples SegmentReader returns. */
export const SEGMENT_SAMPLE_RATE = 16000;

/**
 * Reads segment files of a chunk as 16 kHz mono samples, allocating almost nothing per chunk:
 * file bytes go to one reused region and samples to one arena per chunk (reused by the next
 * chunk, grown when a chunk did not fit; a file that did not fit takes a buffer of its own).
 * With WebAssembly SIMD both lie in the PCM kernel's memory, and 16-bit mono files (AIHub's
 * format) decode there with no copy; other formats decode in JS.
 */
export class SegmentReader {
  private readonly pcm = WasmPcm16.create();
  private fileRegion = new Uint8Array(0);
  private spare = new Uint8Array(0);
  /** Usable samples; with the kernel the arena has PCM16_BLOCK more, for its last block. */
  private capacity = 0;
  private arena = new Float32Array(0);
  private used = 0;
  private needed = 0;
  private fileNeeded = 0;

  /** Starts a chunk: samples returned for the previous chunk may be overwritten from now on. */
  startChunk(): void {
    const samples = grown(this.capacity, this.needed);
    if (this.pcm) {
      const fileBytes = Math.ceil(grown(this.fileRegion.length, this.fileNeeded) / 16) * 16;
      if (this.fileRegion.buffer !== this.pcm.memory.buffer || fileBytes !== this.fileRegion.length || samples !== this.capacity) {
        this.pcm.reserve(fileBytes + 4 * (samples + PCM16_BLOCK));
        this.fileRegion = new Uint8Array(this.pcm.memory.buffer, 0, fileBytes);
        this.arena = new Float32Array(this.pcm.memory.buffer, fileBytes, samples + PCM16_BLOCK);
      }
    } else if (samples !== this.capacity) this.arena = new Float32Array(samples);
    this.capacity = samples;
    this.used = 0;
    this.needed = 0;
    this.fileNeeded = 0;
  }

  /**
   * Starts a chunk and reads its rows: the readable segments' samples (in the order of
   * `segments`), the rows that could not be read, and the plan of crops and batches.
   */
  readChunk(rows: readonly FileRow[], extractor: Pick<SeamlessFeatureExtractor, 'rowsFor' | 'config'>, options: EmbedOptions): ReadChunk & { samples: Float32Array[] } {
    this.startChunk();
    const samples: Float32Array[] = [];
    const segments: ReadSegmentInfo[] = [];
    const rejects: RejectRow[] = [];
    rows.forEach((row, i) => {
      const r = this.read(row);
      if (r instanceof Float32Array) {
        samples.push(r);
        segments.push({ row: i, duration: r.length / SEGMENT_SAMPLE_RATE });
      } else rejects.push(r);
    });
    const plan = planEmbedding(samples.map((s, i) => ({ id: rows[segments[i]!.row]!.id, length: s.length })), extractor, options);
    return { samples, segments, rejects, plan };
  }

  /** The segment's samples, or why it cannot be embedded. */
  read(row: FileRow): Float32Array | RejectRow {
    try {
      const bytes = readFileInto(row.file, (size) => this.bufferFor(size));
      const info = wavInfoOf(bytes, row.file);
      this.needed += info.frames;
      // decodeWav refuses NaN/±Inf in float files; PCM and its resampling are finite.
      const samples = toMono16k({ sampleRate: info.sampleRate, channels: info.channels, samples: this.decode(bytes, info, row.file) });
      if (samples.length < MIN_SAMPLES) {
        return { id: row.id, path: row.path, reason: `too short: ${((samples.length / SEGMENT_SAMPLE_RATE) * 1000).toFixed(1)} ms at 16 kHz (the feature recipe needs at least ${MIN_SAMPLES} samples)` };
      }
      return samples;
    } catch (e) {
      return { id: row.id, path: row.path, reason: e instanceof AudioError ? e.reason : (e as Error).message };
    }
  }

  private bufferFor(size: number): Uint8Array {
    this.fileNeeded = Math.max(this.fileNeeded, size);
    if (size <= this.fileRegion.length) return this.fileRegion;
    if (size > this.spare.length) this.spare = new Uint8Array(size);
    return this.spare;
  }

  private decode(bytes: Uint8Array, info: WavInfo, name: string): Float32Array {
    const at = this.used;
    const inKernel = this.pcm !== null && bytes.buffer === this.pcm.memory.buffer;
    if (inKernel && info.format === 'pcm' && info.bitsPerSample === 16 && info.channels === 1 && at + info.frames <= this.capacity) {
      this.pcm.convert(bytes.byteOffset + info.dataOffset, this.arena.byteOffset + 4 * at, info.frames);
      this.used += info.frames;
      return this.arena.subarray(at, at + info.frames);
    }
    const { samples } = decodeWav(bytes, name, this.arena.subarray(at, this.capacity));
    if (samples.buffer === this.arena.buffer) this.used += samples.length;
    return samples;
  }
}
