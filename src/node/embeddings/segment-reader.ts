// Segment files of an embedding job as 16 kHz mono samples, with the reason a file cannot be
// embedded instead of an exception: the feature worker reads thousands of files per job.
import { AudioError } from '../../core/audio/errors.ts';
import { grownCapacity as grown } from '../../core/io/capacity.ts';
import { toMono16k } from '../../core/audio/resample.ts';
import { PCM16_BLOCK, WasmPcm16 } from '../../core/audio/wasm-pcm16.ts';
import { decodeWavData, wavInfoOf, type WavInfo } from '../../core/audio/wav.ts';
import { DEFAULT_MAX_LENGTH_SECONDS, planCrops, type CropSpan } from '../../core/encoder/crop.ts';
import { planEmbedding } from '../../core/encoder/pipeline.ts';
import type { EmbedOptions } from '../../core/encoder/worker-api.ts';
import { MIN_SAMPLES, type SeamlessFeatureExtractor } from '../../core/features/seamless-feature-extractor.ts';
import { readAt, readWavInfoAt, withOpenFile } from '../io/file-source.ts';
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
  /**
   * The most the reused regions grow to: a file or chunk past them is read into buffers of its
   * own, let go after its chunk. One hour-long 44.1 kHz file used to keep ~4× its size reserved
   * in every worker for the rest of the job, and a bigger one made the next chunk's reserve fail
   * past WebAssembly's 4 GiB, ending the job instead of rejecting a row.
   */
  private readonly maxFileBytes: number;
  private readonly maxSamples: number;
  private readonly pcm = WasmPcm16.create();
  private fileRegion = new Uint8Array(0);
  private spare = new Uint8Array(0);
  /** Usable samples; with the kernel the arena has PCM16_BLOCK more, for its last block. */
  private capacity = 0;
  private arena = new Float32Array(0);
  private used = 0;
  private needed = 0;
  private fileNeeded = 0;

  constructor(opts: { maxFileBytes?: number; maxSamples?: number } = {}) {
    this.maxFileBytes = opts.maxFileBytes ?? 64 * 2 ** 20; // ~35 min of 16 kHz 16-bit mono
    this.maxSamples = opts.maxSamples ?? 32 * 2 ** 20; // 128 MiB of samples
  }

  /** Bytes the reused regions and the spare file buffer hold now. */
  get reservedBytes(): number {
    return this.fileRegion.length + this.arena.byteLength + this.spare.length;
  }

  /** Starts a chunk: samples returned for the previous chunk may be overwritten from now on. */
  startChunk(): void {
    const samples = Math.max(this.capacity, Math.min(grown(this.capacity, this.needed), this.maxSamples));
    if (this.spare.length > this.maxFileBytes) this.spare = new Uint8Array(0);
    if (this.pcm) {
      const fileBytes = Math.max(this.fileRegion.length, Math.ceil(Math.min(grown(this.fileRegion.length, this.fileNeeded), this.maxFileBytes) / 16) * 16);
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
   * `segments`; samples[i] begins at frame offsets[i] of its file), the rows that could not be
   * read, and the plan of crops and batches, made from the files' whole lengths.
   */
  readChunk(rows: readonly FileRow[], extractor: Pick<SeamlessFeatureExtractor, 'rowsFor' | 'config'>, options: EmbedOptions): ReadChunk & { samples: Float32Array[]; offsets: number[] } {
    this.startChunk();
    const crop = cropOf(options, extractor.config.sampling_rate);
    const samples: Float32Array[] = [];
    const offsets: number[] = [];
    const lengths: number[] = [];
    const segments: ReadSegmentInfo[] = [];
    const rejects: RejectRow[] = [];
    rows.forEach((row, i) => {
      const r = this.readPart(row, crop);
      if ('reason' in r) rejects.push(r);
      else {
        samples.push(r.samples);
        offsets.push(r.offset);
        lengths.push(r.length);
        segments.push({ row: i, duration: r.length / SEGMENT_SAMPLE_RATE });
      }
    });
    const plan = planEmbedding(lengths.map((length, i) => ({ id: rows[segments[i]!.row]!.id, length })), extractor, options);
    return { samples, offsets, segments, rejects, plan };
  }

  /** The segment's samples, all of them, or why it cannot be embedded. */
  read(row: FileRow): Float32Array | RejectRow {
    const r = this.readPart(row);
    return 'reason' in r ? r : r.samples;
  }

  /**
   * The segment's samples, or why it cannot be embedded. With `crop` (every mode but windows),
   * a long 16 kHz file is read only where its one crop lies: a job over whole recordings reads
   * 20 s of each, not all of it, and the chunk's audio stays 20 s a row.
   */
  readPart(row: FileRow, crop?: CropOf): ReadSegment | RejectRow {
    try {
      const part = withOpenFile(row.file, (fd, size) => (crop && size > crop.partialFromBytes ? this.readCrop(fd, size, row, crop) : undefined) ?? this.readWhole(fd, size, row));
      if (part.length < MIN_SAMPLES) {
        return { id: row.id, path: row.path, reason: `too short: ${((part.length / SEGMENT_SAMPLE_RATE) * 1000).toFixed(1)} ms at 16 kHz (the feature recipe needs at least ${MIN_SAMPLES} samples)` };
      }
      return part;
    } catch (e) {
      return { id: row.id, path: row.path, reason: e instanceof AudioError ? e.reason : (e as Error).message };
    }
  }

  private readWhole(fd: number, size: number, row: FileRow): ReadSegment {
    const bytes = readAt(fd, this.bufferFor(size), 0, size);
    const info = wavInfoOf(bytes, row.file);
    this.needed += info.frames;
    const data = bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes);
    // decodeWavData refuses NaN/±Inf in float files; PCM and its resampling are finite.
    const samples = toMono16k({ sampleRate: info.sampleRate, channels: info.channels, samples: this.decode(data, info, info.frames, row.file) });
    return { samples, offset: 0, length: samples.length };
  }

  /** The crop's frames alone, or undefined when the file needs reading whole (another rate, no crop). */
  private readCrop(fd: number, size: number, row: FileRow, crop: CropOf): ReadSegment | undefined {
    const info = readWavInfoAt(fd, size, row.file);
    // Resampling a part is not resampling the whole and cutting it (the filter sees past the edges).
    if (info.sampleRate !== SEGMENT_SAMPLE_RATE) return undefined;
    const span = crop.spanOf(row.id, info.frames);
    const frames = span.end - span.start;
    if (frames >= info.frames) return undefined;
    this.needed += frames;
    const length = frames * info.blockAlign;
    const position = info.dataOffset + span.start * info.blockAlign;
    const data = readAt(fd, this.bufferFor(length), position, length);
    if (data.byteLength < length) throw new AudioError(row.file, `truncated data: read ${data.byteLength} of ${length} bytes at offset ${position}`);
    return { samples: this.decode(data, info, frames, row.file), offset: span.start, length: info.frames };
  }

  private bufferFor(size: number): Uint8Array {
    this.fileNeeded = Math.max(this.fileNeeded, size);
    if (size <= this.fileRegion.length) return this.fileRegion;
    if (size > this.spare.length) this.spare = new Uint8Array(size);
    return this.spare;
  }

  /** `frames` frames of data bytes as mono samples: into the arena when they fit, 16-bit mono in the kernel. */
  private decode(data: Uint8Array, info: WavInfo, frames: number, name: string): Float32Array {
    const at = this.used;
    const inKernel = this.pcm !== null && data.buffer === this.pcm.memory.buffer;
    if (inKernel && info.format === 'pcm' && info.bitsPerSample === 16 && info.channels === 1 && at + frames <= this.capacity) {
      this.pcm.convert(data.byteOffset, this.arena.byteOffset + 4 * at, frames);
      this.used += frames;
      return this.arena.subarray(at, at + frames);
    }
    const samples = decodeWavData(data, info, frames, name, this.arena.subarray(at, this.capacity));
    if (samples.buffer === this.arena.buffer) this.used += samples.length;
    return samples;
  }
}

/** A segment as read: its samples from frame `offset` of the file on, and the file's whole length (16 kHz). */
export interface ReadSegment {
  samples: Float32Array;
  offset: number;
  length: number;
}

/** How a cropping mode cuts a file, for reading only that part. */
export interface CropOf {
  /** The one span the plan will embed of a file of `length` samples (planCrops, as planEmbedding calls it). */
  spanOf(id: string, length: number): CropSpan;
  /** Smaller files are read whole: they hold no more than one crop of 16-bit mono audio. */
  partialFromBytes: number;
}

/** The crop of `options` (undefined in windows mode, which embeds all of a file). */
export function cropOf(options: EmbedOptions, sampleRate: number): CropOf | undefined {
  if (options.mode === 'windows' || sampleRate !== SEGMENT_SAMPLE_RATE) return undefined;
  const maxLengthSeconds = options.maxLengthSeconds ?? DEFAULT_MAX_LENGTH_SECONDS;
  const crop = { mode: options.mode, sampleRate, maxLengthSeconds, seed: options.seed };
  return { spanOf: (id, length) => planCrops(length, id, crop)[0]!, partialFromBytes: 2 * Math.round(maxLengthSeconds * sampleRate) };
}
