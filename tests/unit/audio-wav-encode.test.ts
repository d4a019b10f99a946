import { describe, expect, it } from 'vitest';
import { AudioError } from '../../src/core/audio/errors.ts';
import { decodeWav, encodeWav, wavInfoOf } from '../../src/core/audio/wav.ts';
import { quantize, tone, whiteNoise, type WavEncoding } from '../helpers/wav-fixtures.ts';

/** Reads the chunk list of a RIFF file independently of the library. */
function chunksOf(bytes: Uint8Array): Map<string, DataView> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  expect(id(0)).toBe('RIFF');
  expect(id(8)).toBe('WAVE');
  expect(dv.getUint32(4, true)).toBe(bytes.length - 8);
  const out = new Map<string, DataView>();
  let pos = 12;
  while (pos < bytes.length) {
    const size = dv.getUint32(pos + 4, true);
    out.set(id(pos), new DataView(bytes.buffer, bytes.byteOffset + pos + 8, size));
    pos += 8 + size + (size & 1);
  }
  expect(pos).toBe(bytes.length);
  return out;
}

const signal = (() => {
  const x = tone(997, 16000, 0.25, 0.6);
  const n = whiteNoise(x.length, 3, 0.3);
  // Include the extremes and values beyond them (clipped by PCM).
  const s = x.map((v, i) => v + n[i]!);
  s.set([1, -1, 0, 1.7, -3, 0.5, -0.5], 0);
  return s;
})();

describe('encodeWav', () => {
  const cases: [WavEncoding, Parameters<typeof encodeWav>[2], number, number][] = [
    ['pcm16', undefined, 1, 16],
    ['pcm8', { bitsPerSample: 8 }, 1, 8],
    ['pcm16', { bitsPerSample: 16 }, 1, 16],
    ['pcm24', { bitsPerSample: 24 }, 1, 24],
    ['pcm32', { bitsPerSample: 32 }, 1, 32],
    ['float32', { float: true }, 3, 32],
    ['float32', { float: true, bitsPerSample: 32 }, 3, 32],
  ];
  for (const [encoding, opts, tag, bits] of cases) {
    it(`${JSON.stringify(opts ?? 'default')}: header fields and exact round trip`, () => {
      const bytes = encodeWav(signal, 16000, opts);
      const chunks = chunksOf(bytes);
      const fmt = chunks.get('fmt ')!;
      expect(fmt.getUint16(0, true)).toBe(tag);
      expect(fmt.getUint16(2, true)).toBe(1);
      expect(fmt.getUint32(4, true)).toBe(16000);
      expect(fmt.getUint32(8, true)).toBe((16000 * bits) / 8);
      expect(fmt.getUint16(12, true)).toBe(bits / 8);
      expect(fmt.getUint16(14, true)).toBe(bits);
      expect(chunks.get('data')!.byteLength).toBe((signal.length * bits) / 8);
      if (tag === 3) expect(chunks.get('fact')!.getUint32(0, true)).toBe(signal.length);

      const decoded = decodeWav(bytes, 'rt.wav');
      expect(decoded.sampleRate).toBe(16000);
      expect(decoded.channels).toBe(1);
      expect(decoded.samples.length).toBe(signal.length);
      for (let i = 0; i < signal.length; i++) {
        const want = quantize(Math.max(-1, Math.min(1, signal[i]!)), encoding);
        if (encoding === 'float32') expect(decoded.samples[i]).toBe(signal[i]); // float keeps even out-of-range values
        else if (Math.abs(decoded.samples[i]! - want) > 1e-9) expect.fail(`sample ${i}: ${decoded.samples[i]} != ${want}`);
      }
    });
  }

  it('round trip error is at most half a step', () => {
    const x = whiteNoise(5000, 9, 0.99);
    for (const bits of [8, 16, 24, 32] as const) {
      const d = decodeWav(encodeWav(x, 44100, { bitsPerSample: bits }), 'x.wav').samples;
      let max = 0;
      for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(d[i]! - x[i]!));
      expect(max).toBeLessThanOrEqual(0.5 / 2 ** (bits - 1) + 1e-9);
      // Really quantised to that step (float32 input already fits in 32-bit PCM exactly).
      if (bits < 32) expect(max).toBeGreaterThan(0.3 / 2 ** (bits - 1));
    }
  });

  it('pads odd-sized data and keeps the file readable; header info matches', () => {
    const x = tone(440, 8000, 0.001, 0.5).subarray(0, 7);
    const bytes = encodeWav(x, 8000, { bitsPerSample: 8 });
    expect(bytes.length % 2).toBe(0);
    const info = wavInfoOf(bytes, 'odd.wav');
    expect(info).toMatchObject({ frames: 7, dataBytes: 7, dataOffset: 44, format: 'pcm', bitsPerSample: 8, channels: 1, sampleRate: 8000 });
    expect(decodeWav(bytes, 'odd.wav').samples.length).toBe(7);
  });

  it('rejects bad options and non-finite samples', () => {
    expect(() => encodeWav(signal, 16000, { float: true, bitsPerSample: 16 })).toThrow(/float WAV is 32-bit/);
    expect(() => encodeWav(signal, 16000, { bitsPerSample: 12 as 16 })).toThrow(/8, 16, 24 or 32/);
    expect(() => encodeWav(signal, 0)).toThrow(/sample rate/);
    expect(() => encodeWav(signal, 16000.5)).toThrow(/sample rate/);
    expect(() => encodeWav(new Float32Array([0, NaN]), 16000)).toThrow(AudioError);
  });
});
