// SegmentReader (the embedding job's file reader) and its 16-bit PCM kernel: samples equal the
// JS decoder's bit for bit, whatever the format, file size or chunk, and stay intact until
// the next chunk starts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toMono16k } from '../../src/core/audio/resample.ts';
import { PCM16_BLOCK, WasmPcm16 } from '../../src/core/audio/wasm-pcm16.ts';
import { decodeWav, wavInfoOf } from '../../src/core/audio/wav.ts';
import { encodeWav, type EncodeWavOptions } from '../../src/core/audio/wav-encode.ts';
import { SegmentReader } from '../../src/node/embeddings/segment-reader.ts';
import { planEmbedding, preparePlannedBatch } from '../../src/core/encoder/pipeline.ts';
import { SeamlessFeatureExtractor } from '../../src/core/features/seamless-feature-extractor.ts';
import type { FileRow } from '../../src/node/embeddings/prepare-protocol.ts';
import { tempDir } from '../helpers/paths.ts';

const tmp = tempDir('saturi-segment-reader-');

function noise(n: number, seed: number): Float32Array {
  let r = seed;
  return Float32Array.from({ length: n }, () => {
    r = (r * 1103515245 + 12345) & 0x7fffffff;
    return 1.9 * (r / 0x7fffffff) - 0.95;
  });
}

/** Writes a WAV file and returns its row. */
function wav(name: string, samples: Float32Array, sr = 16000, opts?: EncodeWavOptions): FileRow {
  const file = join(tmp.dir, `${name}.wav`);
  writeFileSync(file, encodeWav(samples, sr, opts));
  return { id: name, file, path: name };
}

/** What the JS decoder gives for the file, at 16 kHz. */
const reference = (row: FileRow): Float32Array => toMono16k(decodeWav(readFileSync(row.file), row.file));

function stereo(name: string, n: number): FileRow {
  // Two channels of 16-bit PCM, written by hand (encodeWav writes mono).
  const l = noise(n, 5);
  const bytes = new Uint8Array(44 + n * 4);
  const dv = new DataView(bytes.buffer);
  const id = (at: number, s: string) => [...s].forEach((c, i) => dv.setUint8(at + i, c.charCodeAt(0)));
  id(0, 'RIFF'); dv.setUint32(4, 36 + n * 4, true); id(8, 'WAVE'); id(12, 'fmt ');
  dv.setUint32(16, 16, true); dv.setUint16(20, 1, true); dv.setUint16(22, 2, true); dv.setUint32(24, 16000, true);
  dv.setUint32(28, 64000, true); dv.setUint16(32, 4, true); dv.setUint16(34, 16, true); id(36, 'data'); dv.setUint32(40, n * 4, true);
  for (let i = 0; i < n; i++) {
    dv.setInt16(44 + 4 * i, Math.round(l[i]! * 30000), true);
    dv.setInt16(46 + 4 * i, Math.round(-l[i]! * 20000), true);
  }
  const file = join(tmp.dir, `${name}.wav`);
  writeFileSync(file, bytes);
  return { id: name, file, path: name };
}

let rows: Record<string, FileRow>;
beforeAll(() => {
  rows = {
    a: wav('a', noise(16000 + 3, 1)),
    b: wav('b', noise(8000 + 7, 2)),
    c: wav('c', noise(12345, 3)),
    big: wav('big', noise(16000 * 6 + 1, 4)),
    rate: wav('rate', noise(22050, 6), 22050),
    pcm24: wav('pcm24', noise(9000, 7), 16000, { bitsPerSample: 24 }),
    float: wav('float', noise(9001, 8), 16000, { bitsPerSample: 32, float: true }),
    stereo: stereo('stereo', 7001),
  };
});
afterAll(() => tmp.cleanup());

const same = (got: Float32Array | { reason: string }, want: Float32Array): void => {
  expect(got).toBeInstanceOf(Float32Array);
  const g = got as Float32Array;
  expect(g.length).toBe(want.length);
  let diff = 0;
  for (let i = 0; i < g.length; i++) if (!Object.is(g[i], want[i])) diff++;
  expect(diff).toBe(0);
};

describe('WasmPcm16', () => {
  it('converts int16 exactly as the JS decoder, for any count (blocks of 8 and a tail)', () => {
    const pcm = WasmPcm16.create();
    expect(pcm).not.toBeNull(); // Node has WebAssembly SIMD
    pcm!.reserve(1 << 16);
    const u8 = new Uint8Array(pcm!.memory.buffer);
    const src = 3; // odd byte address: v128 loads need no alignment
    for (const count of [0, 1, 7, 8, 9, 1000, 4099]) {
      const ints = Int16Array.from({ length: count }, (_, i) => ((i * 7919) % 65536) - 32768);
      u8.set(new Uint8Array(ints.buffer), src);
      const dst = 16384;
      new Float32Array(pcm!.memory.buffer, dst, count + PCM16_BLOCK).fill(-9); // what the kernel leaves
      pcm!.convert(src, dst, count);
      const got = new Float32Array(pcm!.memory.buffer, dst, count);
      expect(Array.from(got)).toEqual(Array.from(ints, (v) => v / 32768));
    }
    expect(() => pcm!.convert(0, 2, 8)).toThrow(/bad region/);
    expect(() => pcm!.convert(0, 1 << 16, 8)).toThrow(/bad region/);
  });
});

describe('SegmentReader', () => {
  it('gives the JS decoder\'s samples bit for bit: 16-bit mono in the kernel, other formats and rates in JS', () => {
    const reader = new SegmentReader();
    // The first chunk sizes the buffers (its files are decoded beside them); the second has room.
    for (let chunk = 0; chunk < 2; chunk++) {
      reader.startChunk();
      for (const row of Object.values(rows)) same(reader.read(row), reference(row));
    }
  });

  it('keeps a chunk\'s samples intact until the next chunk, through files that outgrow its buffers', () => {
    const reader = new SegmentReader();
    // A first chunk of small files sizes the buffers; the second's big file fits neither the file
    // region nor the arena, and is read and decoded beside them; the third chunk has room.
    const chunks = [[rows.b!], [rows.a!, rows.big!, rows.c!, rows.stereo!], [rows.c!, rows.big!, rows.a!, rows.rate!]];
    for (const chunk of chunks) {
      reader.startChunk();
      const got = chunk.map((r) => reader.read(r));
      chunk.forEach((r, i) => same(got[i]!, reference(r)));
    }
  });

  it('a file past the reused regions\' limits is read on its own and keeps nothing reserved after its chunk', () => {
    // Limits scaled down: 64 KiB of file bytes, 64 Ki samples. A 44.1 kHz file of 10 s (882 KB,
    // read whole to resample) used to size the regions for every later chunk.
    const long = wav('long-44k', noise(441000, 9), 44100);
    const reader = new SegmentReader({ maxFileBytes: 64 * 1024, maxSamples: 64 * 1024 });
    const limit = 64 * 1024 + 4 * (64 * 1024 + PCM16_BLOCK);
    reader.startChunk();
    same(reader.read(rows.a!), reference(rows.a!));
    reader.startChunk();
    same(reader.read(long), reference(long));
    for (let chunk = 0; chunk < 2; chunk++) {
      reader.startChunk();
      expect(reader.reservedBytes).toBeLessThanOrEqual(limit);
      same(reader.read(rows.b!), reference(rows.b!));
      same(reader.read(rows.rate!), reference(rows.rate!));
    }
  });

  it('reads a chunk: its readable segments with their lengths, the rest with the reason, and the plan', () => {
    const reader = new SegmentReader();
    const missing = { id: 'missing', file: join(tmp.dir, 'missing.wav'), path: 'missing.wav' };
    const extractor = { rowsFor: (n: number) => Math.ceil(n / 320), config: { sampling_rate: 16000 } as never };
    const read = reader.readChunk([rows.a!, missing, rows.rate!], extractor, { mode: 'eval', batchSize: 2 });
    expect(read.segments.map((s) => s.row)).toEqual([0, 2]);
    expect(read.segments[1]!.duration).toBeCloseTo(1, 3);
    expect(read.rejects).toEqual([{ id: 'missing', path: 'missing.wav', reason: 'file not found' }]);
    expect(read.plan.clips.map((c) => c.segment)).toEqual([0, 1]);
    same(read.samples[0]!, reference(rows.a!));
  });
});

describe('SegmentReader on long files: only the crop is read', () => {
  const MAX_S = 2; // a 2 s crop keeps the files small; 20 s works the same way
  const extractor = new SeamlessFeatureExtractor();
  let long: Record<string, FileRow>;
  beforeAll(() => {
    const n = 16000 * 7 + 123;
    long = {
      pcm16: wav('long16', noise(n, 11)),
      stereo: stereo('long-stereo', n),
      float: wav('long-float', noise(n, 12), 16000, { bitsPerSample: 32, float: true }),
      rate: wav('long-rate', noise(22050 * 7, 13), 22050),
    };
  });

  for (const mode of ['eval', 'train', 'infer'] as const) {
    it(`${mode}: each 16 kHz file gives its crop's frames alone, and the same features as the whole file`, () => {
      const options = { mode, maxLengthSeconds: MAX_S, seed: 7, batchSize: 1 };
      const rowsIn = Object.values(long);
      const read = new SegmentReader().readChunk(rowsIn, extractor, options);
      expect(read.rejects).toEqual([]);
      // The plan and the lengths are those of the whole files.
      const whole = rowsIn.map(reference);
      const plan = planEmbedding(rowsIn.map((r, i) => ({ id: r.id, length: whole[i]!.length })), extractor, options);
      expect(read.plan).toEqual(plan);
      read.segments.forEach((s, i) => expect(s.duration).toBe(whole[i]!.length / 16000));
      rowsIn.forEach((r, i) => {
        const span = plan.clips[i]!.span;
        if (r === long.rate) {
          expect([read.offsets[i], read.samples[i]!.length]).toEqual([0, whole[i]!.length]); // resampled whole
        } else {
          expect([read.offsets[i], read.samples[i]!.length]).toEqual([span.start, MAX_S * 16000]);
          same(read.samples[i]!, whole[i]!.subarray(span.start, span.end));
        }
        if (mode === 'train') expect(span.start).toBeGreaterThan(0); // a random crop, not the start
        const names = rowsIn.map((x) => x.path);
        const got = preparePlannedBatch(extractor, read.plan, [i], read.samples, names, undefined, read.offsets);
        const want = preparePlannedBatch(extractor, plan, [i], whole, names);
        expect(got.features).toEqual(want.features);
      });
    });
  }

  it('windows mode reads files whole; a float file with NaN past the crop is embedded in eval mode and refused in windows mode', () => {
    const row = wav('nan-late', noise(16000 * 5, 14), 16000, { bitsPerSample: 32, float: true });
    // encodeWav refuses NaN: it goes into the file's data at 4 s.
    const bytes = readFileSync(row.file);
    bytes.writeFloatLE(Number.NaN, wavInfoOf(bytes, row.file).dataOffset + 4 * 16000 * 4);
    writeFileSync(row.file, bytes);
    const windows = new SegmentReader().readChunk([long.pcm16!, row], extractor, { mode: 'windows', maxLengthSeconds: MAX_S, windowSeconds: MAX_S });
    expect(windows.offsets).toEqual([0]);
    same(windows.samples[0]!, reference(long.pcm16!));
    expect(windows.rejects.map((r) => r.id)).toEqual(['nan-late']);
    expect(windows.rejects[0]!.reason).toMatch(/NaN|not finite/);
    const evalRead = new SegmentReader().readChunk([row], extractor, { mode: 'eval', maxLengthSeconds: MAX_S });
    expect(evalRead.rejects).toEqual([]);
    expect(evalRead.samples[0]!.length).toBe(MAX_S * 16000);
  });
});
