import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioError } from '../../src/core/audio/errors.ts';
import { decodeWav, readWavInfo, readWavRange, type WavInfo } from '../../src/core/audio/wav.ts';
import { fileSource, readWavFile, readWavFileRange } from '../../src/node/io/file-source.ts';
import { buildWav, countingSource, listInfoChunk, rng, tone, whiteNoise, type WavLayout } from '../helpers/wav-fixtures.ts';
import { tempDir } from '../helpers/paths.ts';

const RATE = 16000;

/** Exact equality of two sample arrays (a plain loop: deep equality is slow on millions of elements). */
function expectSameSamples(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) expect.fail(`sample ${i}: ${got[i]} != ${want[i]}`);
  }
}
const SECONDS = 120;

/** Two minutes of stereo 16-bit audio behind an EXTENSIBLE header and a LIST chunk (7.7 MB). */
function longLayout(): WavLayout {
  const n = RATE * SECONDS;
  const left = tone(220, RATE, SECONDS, 0.4);
  const noise = whiteNoise(n, 5, 0.3);
  return {
    sampleRate: RATE,
    channels: [left, noise],
    encoding: 'pcm16',
    extensible: true,
    chunksBeforeFmt: [listInfoChunk('a long interview')],
    chunksBeforeData: [listInfoChunk('more metadata before the data')],
  };
}

describe('readWavRange reads only the header and the requested bytes', () => {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'long.wav');
  let bytes: Uint8Array;
  let full: Float32Array;
  beforeAll(() => {
    bytes = buildWav(longLayout());
    writeFileSync(path, bytes);
    full = decodeWav(bytes, path).samples;
  });
  afterAll(cleanup);

  it('from a file on disk: bytesRead = header chunks + frames × blockAlign', async () => {
    const src = fileSource(path);
    try {
      const info = await readWavInfo(src);
      expect(info.frames).toBe(RATE * SECONDS);
      expect(info.blockAlign).toBe(4);
      // Header reads: RIFF/WAVE (12), each chunk header (8 × 4), the fmt body (40) — never the skipped LIST bodies.
      const headerBytes = src.bytesRead;
      expect(headerBytes).toBe(12 + 8 * 4 + 40);
      expect(headerBytes).toBeLessThan(info.dataOffset);

      const part = await readWavRange(src, 61.25, 61.5, info);
      expect(part.samples.length).toBe(4000);
      expect(src.bytesRead - headerBytes).toBe(4000 * 4);
      expectSameSamples(part.samples, full.subarray(61.25 * RATE, 61.5 * RATE));
    } finally {
      await src.close();
    }
    expect(bytes.length).toBeGreaterThan(7_000_000);
  });

  it('without info: one header walk plus the range, through readWavFileRange too', async () => {
    const src = fileSource(path);
    try {
      const part = await readWavRange(src, 100, 100.5);
      expect(part).toMatchObject({ sampleRate: RATE, channels: 2 });
      expect(src.bytesRead).toBe(12 + 8 * 4 + 40 + 8000 * 4);
      expectSameSamples(part.samples, full.subarray(100 * RATE, 100.5 * RATE));
    } finally {
      await src.close();
    }
    const viaPath = await readWavFileRange(path, 3, 3.001);
    expectSameSamples(viaPath.samples, full.subarray(3 * RATE, 3 * RATE + 16));
  });

  it('many random ranges equal the slices of a full decode', async () => {
    const src = countingSource(bytes, 'long.wav');
    const info = await readWavInfo(src);
    const r = rng(99);
    for (let i = 0; i < 50; i++) {
      const start = r() * SECONDS;
      const end = start + 0.01 + r() * 3;
      const before = src.bytesRead;
      const got = await readWavRange(src, start, end, info);
      const a = Math.floor(start * RATE);
      const b = Math.min(RATE * SECONDS, Math.floor(end * RATE));
      expect(got.samples.length).toBe(b - a);
      expect(src.bytesRead - before).toBe((b - a) * 4);
      expect(src.reads.at(-1)).toEqual({ offset: info.dataOffset + a * 4, length: (b - a) * 4 });
      expectSameSamples(got.samples, full.subarray(a, b));
    }
  });

  it('readWavFile decodes the whole file', async () => {
    const d = await readWavFile(path);
    expectSameSamples(d.samples, full);
    expect(d.channels).toBe(2);
  });
});

describe('readWavRange: boundaries', () => {
  const x = Float32Array.from({ length: 1000 }, (_, i) => (i - 500) / 1024);
  const bytes = buildWav({ sampleRate: 100, channels: [x], encoding: 'float32' });
  const src = () => countingSource(bytes, 'short.wav');

  it('samples [floor(start·sr), floor(end·sr)), decimal times landing on their frame', async () => {
    const got = await readWavRange(src(), 0.29, 0.33);
    expectSameSamples(got.samples, x.subarray(29, 33));
    const one = await readWavRange(src(), 1.005, 1.019);
    expect(Array.from(one.samples)).toEqual([x[100]]);
  });

  it('clamps to the file', async () => {
    expect((await readWavRange(src(), -5, 0.5)).samples).toEqual(x.subarray(0, 50));
    expect((await readWavRange(src(), 9.5, 1e6)).samples).toEqual(x.subarray(950));
    expect((await readWavRange(src(), -1, 11)).samples).toEqual(x);
  });

  it('empty or invalid ranges are AudioErrors naming the file', async () => {
    for (const [s, e] of [
      [0.5, 0.5],
      [0.6, 0.5],
      [10, 12],
      [0.001, 0.009],
      [-3, -1],
      [NaN, 1],
      [0, Infinity],
    ]) {
      const err = await readWavRange(src(), s!, e!).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(AudioError);
      expect((err as AudioError).message).toMatch(/^short\.wav: (empty|bad time) range/);
    }
  });

  it('uses the real length of a streamed recording (data size field 0)', async () => {
    const streamed = buildWav({ sampleRate: 100, channels: [x], encoding: 'pcm24', dataSizeField: 0 });
    const s = countingSource(streamed, 'streamed.wav');
    const info: WavInfo = await readWavInfo(s);
    expect(info.frames).toBe(1000);
    const tail = await readWavRange(s, 9, 20, info);
    expect(tail.samples.length).toBe(100);
    for (let i = 0; i < 100; i++) expect(tail.samples[i]).toBeCloseTo(x[900 + i]!, 6);
  });
});
