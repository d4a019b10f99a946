import { describe, expect, it } from 'vitest';
import { decodeWav, wavInfoOf } from '../../src/core/audio/wav.ts';
import {
  buildWav,
  chunk,
  expectedMono,
  listInfoChunk,
  subFormatGuid,
  tone,
  whiteNoise,
  type WavEncoding,
  type WavLayout,
} from '../helpers/wav-fixtures.ts';

const ENCODINGS: WavEncoding[] = ['pcm8', 'pcm16', 'pcm24', 'pcm32', 'float32', 'float64'];

/** Channels with distinct content so a wrong channel order or downmix shows. */
function channelsOf(count: number, n: number): Float32Array[] {
  return Array.from({ length: count }, (_, c) => {
    const t = tone(300 + 170 * c, 8000, n / 8000, 0.3 + 0.1 * (c % 3), c);
    const noise = whiteNoise(n, 11 + c, 0.2);
    return t.map((v, i) => v + noise[i]!);
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function checkDecode(layout: WavLayout, name = 'test.wav'): void {
  const decoded = decodeWav(buildWav(layout), name);
  expect(decoded.sampleRate).toBe(layout.sampleRate);
  expect(decoded.channels).toBe(layout.channels.length);
  expect(decoded.samples).toBeInstanceOf(Float32Array);
  // Expected values are exact; the only error is rounding the mean to float32.
  expect(maxDiff(decoded.samples, expectedMono(layout.channels, layout.encoding))).toBeLessThan(1e-7);
}

describe('decodeWav: sample formats and channel counts', () => {
  for (const encoding of ENCODINGS) {
    for (const count of [1, 2, 6]) {
      it(`${encoding}, ${count} channel(s)`, () => {
        checkDecode({ sampleRate: 8000, channels: channelsOf(count, 801), encoding });
      });
    }
  }

  it('16-bit mono decodes the same from a buffer at an odd byte offset (no typed-array view possible)', () => {
    const layout: WavLayout = { sampleRate: 8000, channels: channelsOf(1, 801), encoding: 'pcm16' };
    const bytes = buildWav(layout);
    const odd = new Uint8Array(bytes.length + 1).subarray(1);
    odd.set(bytes);
    expect(odd.byteOffset % 2).toBe(1);
    const expected = expectedMono(layout.channels, layout.encoding);
    expect(maxDiff(decodeWav(odd, 'odd.wav').samples, expected)).toBeLessThan(1e-7);
    expect(maxDiff(decodeWav(bytes, 'even.wav').samples, expected)).toBeLessThan(1e-7);
  });

  it('decodes into a given buffer when it is long enough, else into a new one', () => {
    const layout: WavLayout = { sampleRate: 8000, channels: channelsOf(2, 500), encoding: 'pcm24' };
    const bytes = buildWav(layout);
    const into = new Float32Array(600).fill(9);
    const d = decodeWav(bytes, 'into.wav', into);
    expect(d.samples.buffer).toBe(into.buffer);
    expect(d.samples.length).toBe(500);
    expect(into[500]).toBe(9);
    expect(maxDiff(d.samples, expectedMono(layout.channels, layout.encoding))).toBeLessThan(1e-7);
    const small = new Float32Array(100);
    expect(decodeWav(bytes, 'into.wav', small).samples.buffer).not.toBe(small.buffer);
  });

  it('maps the PCM extremes to -1 and just under +1, 8-bit as unsigned', () => {
    const extremes = [-1, 1, 0, -0.5];
    for (const [encoding, top] of [
      ['pcm8', 127 / 128],
      ['pcm16', 32767 / 32768],
      ['pcm24', 8388607 / 8388608],
      ['pcm32', 2147483647 / 2147483648],
    ] as const) {
      const d = decodeWav(buildWav({ sampleRate: 16000, channels: [extremes], encoding }), 'x.wav');
      expect(d.samples[0]).toBe(-1);
      expect(d.samples[1]).toBeCloseTo(top, 9);
      expect(d.samples[2]).toBe(0);
      expect(d.samples[3]).toBe(-0.5);
    }
    // An 8-bit byte of 0 is the most negative sample, 128 is silence.
    const raw = buildWav({ sampleRate: 8000, channels: [[0, 0, 0, 0]], encoding: 'pcm8' });
    raw.set([0, 128, 255, 64], raw.length - 4);
    expect(Array.from(decodeWav(raw, 'u8.wav').samples)).toEqual([-1, 0, 127 / 128, -0.5]);
  });

  it('averages opposite channels to silence', () => {
    const left = tone(440, 16000, 0.1);
    const right = left.map((v) => -v);
    const d = decodeWav(buildWav({ sampleRate: 16000, channels: [left, right], encoding: 'pcm16' }), 's.wav');
    expect(Math.max(...d.samples.map(Math.abs))).toBeLessThan(1e-4);
  });

  it('keeps float samples beyond ±1 as they are', () => {
    const d = decodeWav(buildWav({ sampleRate: 8000, channels: [[1.5, -2, 0.25]], encoding: 'float32' }), 'loud.wav');
    expect(Array.from(d.samples)).toEqual([1.5, -2, 0.25]);
  });
});

describe('decodeWav: WAVE_FORMAT_EXTENSIBLE', () => {
  for (const encoding of ENCODINGS) {
    it(`${encoding} stereo via the sub-format GUID`, () => {
      checkDecode({ sampleRate: 44100, channels: channelsOf(2, 500), encoding, extensible: true });
    });
  }

  it('reads 20 valid bits in 24-bit containers and 24 valid bits in 32-bit containers', () => {
    const ch = channelsOf(1, 300);
    checkDecode({ sampleRate: 48000, channels: ch, encoding: 'pcm24', extensible: { validBits: 20 } });
    checkDecode({ sampleRate: 48000, channels: ch, encoding: 'pcm32', extensible: { validBits: 24 } });
  });

  it('reports the header fields', () => {
    const bytes = buildWav({ sampleRate: 22050, channels: channelsOf(4, 1000), encoding: 'pcm24', extensible: true });
    const info = wavInfoOf(bytes, 'x.wav');
    expect(info).toEqual({
      sampleRate: 22050,
      channels: 4,
      bitsPerSample: 24,
      format: 'pcm',
      blockAlign: 12,
      dataOffset: 12 + 8 + 40 + 8,
      dataBytes: 12000,
      frames: 1000,
      durationSeconds: 1000 / 22050,
    });
    const f = wavInfoOf(buildWav({ sampleRate: 8000, channels: channelsOf(1, 10), encoding: 'float64', extensible: { subFormatGuid: subFormatGuid(3) } }), 'f.wav');
    expect(f.format).toBe('float');
    expect(f.bitsPerSample).toBe(64);
  });
});

describe('decodeWav: extra and odd chunks', () => {
  const signal = channelsOf(2, 777);

  it('skips LIST, fact, odd-sized chunks (with their pad byte) before and after fmt', () => {
    checkDecode({
      sampleRate: 16000,
      channels: signal,
      encoding: 'pcm16',
      chunksBeforeFmt: [listInfoChunk('odd title!'), chunk('junk', new Uint8Array(3))],
      chunksBeforeData: [chunk('fact', new Uint8Array([9, 3, 0, 0])), chunk('odd ', new Uint8Array(5).fill(0x7f)), listInfoChunk('ab')],
    });
  });

  it('does not decode chunks that follow the data chunk', () => {
    const layout: WavLayout = {
      sampleRate: 16000,
      channels: signal,
      encoding: 'pcm24',
      chunksAfterData: [listInfoChunk('after the audio'), chunk('id3 ', new Uint8Array(33).fill(0xff))],
    };
    checkDecode(layout);
    expect(wavInfoOf(buildWav(layout), 'x.wav').frames).toBe(777);
  });

  it('handles odd-sized data with its pad byte followed by another chunk', () => {
    checkDecode({ sampleRate: 8000, channels: channelsOf(1, 101), encoding: 'pcm8', chunksAfterData: [listInfoChunk('x')] });
  });

  it('handles odd-sized data whose pad byte is missing before the next chunk', () => {
    checkDecode({ sampleRate: 8000, channels: channelsOf(1, 101), encoding: 'pcm8', noDataPad: true, chunksAfterData: [listInfoChunk('x')] });
  });

  it('reads RF64 files through the ds64 chunk', () => {
    checkDecode({ sampleRate: 48000, channels: signal, encoding: 'float32', rf64: true, chunksAfterData: [listInfoChunk('tail')] });
  });
});

describe('decodeWav: wrong data-chunk sizes (streamed recordings)', () => {
  const signal = channelsOf(2, 1234);
  const frameBytes = 4;
  for (const [label, sizeField] of [
    ['0', 0],
    ['0xFFFFFFFF', 0xffffffff],
    ['larger than the file', 1234 * frameBytes + 100_000],
    ['too small (the audio runs on where the next chunk should be)', 1000],
  ] as const) {
    it(`uses the real file length when the size field is ${label}`, () => {
      const layout: WavLayout = { sampleRate: 16000, channels: signal, encoding: 'pcm16', dataSizeField: sizeField, chunksBeforeData: [listInfoChunk('rec')] };
      checkDecode(layout);
      expect(wavInfoOf(buildWav(layout), 'x.wav').frames).toBe(1234);
    });
  }

  it('trims a trailing partial frame', () => {
    for (const sizeField of [undefined, 0, 0xffffffff]) {
      const layout: WavLayout = { sampleRate: 16000, channels: signal, encoding: 'pcm24', dataSizeField: sizeField, dataTail: new Uint8Array([1, 2, 3]) };
      const info = wavInfoOf(buildWav(layout), 'x.wav');
      expect(info.frames).toBe(1234);
      expect(info.dataBytes).toBe(1234 * 6);
      checkDecode({ ...layout, dataTail: undefined, dataSizeField: undefined });
      expect(decodeWav(buildWav(layout), 'x.wav').samples.length).toBe(1234);
    }
  });

  it('zero padding after the data chunk (a writer padding to a sector) is not read as audio', () => {
    for (const encoding of ['pcm16', 'pcm8'] as const) {
      const wav = buildWav({ sampleRate: 16000, channels: signal, encoding });
      for (const pad of [64, 2048]) {
        const padded = new Uint8Array(wav.length + pad);
        padded.set(wav);
        expect(wavInfoOf(padded, 'x.wav').frames).toBe(1234);
        const samples = decodeWav(padded, 'x.wav').samples;
        expect(samples.length).toBe(1234);
        expect(Math.min(...samples)).toBeGreaterThan(-0.99); // 8-bit zeros would be −1
      }
      // Audio past a stale size field is still read, however it starts.
      const more = buildWav({ sampleRate: 16000, channels: signal, encoding, dataSizeField: 1000 });
      expect(wavInfoOf(more, 'x.wav').frames).toBe(1234);
    }
  });

  it('ignores the RIFF size field', () => {
    const bytes = buildWav({ sampleRate: 16000, channels: signal, encoding: 'pcm16' });
    new DataView(bytes.buffer).setUint32(4, 0, true);
    expect(decodeWav(bytes, 'x.wav').samples.length).toBe(1234);
  });
});
