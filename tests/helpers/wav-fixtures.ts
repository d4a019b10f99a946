// Test signal and WAV-file generators, written independently of
// src/core/audio (byte layouts built by hand with DataView) so the reader is
// checked against files it did not write. Other areas may import these.
import type { ByteSource } from '../../src/core/io/byte-source.ts';
import { mulberry32 } from '../../src/core/random/mulberry32.ts';

export type WavEncoding = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';

/** A sine: amplitude·sin(2π·freq·i/sampleRate + phase). */
export function tone(freq: number, sampleRate: number, seconds: number, amplitude = 0.5, phase = 0): Float32Array {
  const n = Math.round(sampleRate * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate + phase);
  return x;
}

/** Deterministic PRNG (mulberry32) giving floats in [0, 1). */
export const rng = mulberry32;

/** Uniform white noise in [-amplitude, amplitude). */
export function whiteNoise(n: number, seed = 1, amplitude = 0.5): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amplitude * (2 * r() - 1);
  return x;
}

/**
 * Noise confined to [lowHz, highHz]: a sum of `count` sines at random
 * frequencies and phases in that band, scaled to RMS `rms`.
 */
export function bandNoise(lowHz: number, highHz: number, sampleRate: number, seconds: number, seed = 7, count = 200, rms = 0.2): Float32Array {
  const r = rng(seed);
  const n = Math.round(sampleRate * seconds);
  const acc = new Float64Array(n);
  for (let c = 0; c < count; c++) {
    const w = (2 * Math.PI * (lowHz + (highHz - lowHz) * r())) / sampleRate;
    const ph = 2 * Math.PI * r();
    for (let i = 0; i < n; i++) acc[i]! += Math.sin(w * i + ph);
  }
  const scale = rms / Math.sqrt(count / 2);
  return Float32Array.from(acc, (v) => v * scale);
}

/** The value a reader must return for `x` stored with `encoding` (PCM: rounded, clipped; float32: rounded to float32). */
export function quantize(x: number, encoding: WavEncoding): number {
  switch (encoding) {
    case 'pcm8':
      return (Math.max(0, Math.min(255, Math.round(x * 128) + 128)) - 128) / 128;
    case 'pcm16':
      return Math.max(-32768, Math.min(32767, Math.round(x * 32768))) / 32768;
    case 'pcm24':
      return Math.max(-8388608, Math.min(8388607, Math.round(x * 8388608))) / 8388608;
    case 'pcm32':
      return Math.max(-2147483648, Math.min(2147483647, Math.round(x * 2147483648))) / 2147483648;
    case 'float32':
      return Math.fround(x);
    case 'float64':
      return x;
  }
}

/** The mono signal a reader must return: per-sample average of the quantised channels. */
export function expectedMono(channels: ArrayLike<number>[], encoding: WavEncoding): Float64Array {
  const n = channels[0]!.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const ch of channels) s += quantize(ch[i]!, encoding);
    out[i] = s / channels.length;
  }
  return out;
}

export function bytesPerSample(encoding: WavEncoding): number {
  return { pcm8: 1, pcm16: 2, pcm24: 3, pcm32: 4, float32: 4, float64: 8 }[encoding];
}

/** Interleaved sample bytes of `channels` stored with `encoding`. */
export function sampleBytes(channels: ArrayLike<number>[], encoding: WavEncoding): Uint8Array {
  const n = channels[0]!.length;
  const bps = bytesPerSample(encoding);
  const out = new Uint8Array(n * channels.length * bps);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (const ch of channels) {
      const x = ch[i]!;
      switch (encoding) {
        case 'pcm8':
          dv.setUint8(o, Math.round(quantize(x, encoding) * 128) + 128);
          break;
        case 'pcm16':
          dv.setInt16(o, Math.round(quantize(x, encoding) * 32768), true);
          break;
        case 'pcm24': {
          const v = Math.round(quantize(x, encoding) * 8388608);
          dv.setUint8(o, v & 0xff);
          dv.setUint8(o + 1, (v >> 8) & 0xff);
          dv.setUint8(o + 2, (v >> 16) & 0xff);
          break;
        }
        case 'pcm32':
          dv.setInt32(o, Math.round(quantize(x, encoding) * 2147483648), true);
          break;
        case 'float32':
          dv.setFloat32(o, x, true);
          break;
        case 'float64':
          dv.setFloat64(o, x, true);
          break;
      }
      o += bps;
    }
  }
  return out;
}

/** A RIFF chunk; odd-sized bodies get a pad byte unless `noPad`. */
export interface RiffChunk {
  id: string;
  body: Uint8Array;
  /** Size written in the header instead of body.length. */
  sizeField?: number;
  noPad?: boolean;
}

export function chunk(id: string, body: Uint8Array | string, extra: Partial<RiffChunk> = {}): RiffChunk {
  return { id, body: typeof body === 'string' ? new TextEncoder().encode(body) : body, ...extra };
}

/** A LIST/INFO chunk with one INAM (title) entry; `title` of even length gives an odd-sized sub-chunk. */
export function listInfoChunk(title: string): RiffChunk {
  const name = serialiseChunks([chunk('INAM', title + '\0')]);
  const body = new Uint8Array(4 + name.length);
  body.set(new TextEncoder().encode('INFO'), 0);
  body.set(name, 4);
  return chunk('LIST', body);
}

export function serialiseChunks(chunks: RiffChunk[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const c of chunks) {
    const h = new Uint8Array(8);
    const dv = new DataView(h.buffer);
    for (let i = 0; i < 4; i++) h[i] = c.id.charCodeAt(i);
    dv.setUint32(4, c.sizeField ?? c.body.length, true);
    parts.push(h, c.body);
    if (c.body.length & 1 && !c.noPad) parts.push(new Uint8Array(1));
  }
  return concatBytes(parts);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface WavLayout {
  sampleRate: number;
  /** One array per channel, values in [-1, 1] (float encodings may hold anything). */
  channels: ArrayLike<number>[];
  encoding: WavEncoding;
  /** WAVE_FORMAT_EXTENSIBLE header; `subFormatGuid` overrides the 16-byte sub-format GUID. */
  extensible?: boolean | { validBits?: number; channelMask?: number; subFormatGuid?: Uint8Array };
  /** Format tag written instead of PCM/float (e.g. 2 for ADPCM) — the data stays as encoded. */
  formatTag?: number;
  /** Overrides of fmt fields. */
  blockAlignField?: number;
  bitsField?: number;
  chunksBeforeFmt?: RiffChunk[];
  chunksBeforeData?: RiffChunk[];
  chunksAfterData?: RiffChunk[];
  /** The data chunk's size field; by default the real size. */
  dataSizeField?: number;
  /** Bytes appended to the data (e.g. half a frame). */
  dataTail?: Uint8Array;
  /** Omit the pad byte after odd-sized data. */
  noDataPad?: boolean;
  /** RF64 with a ds64 chunk giving the data size (the data chunk's field is 0xFFFFFFFF). */
  rf64?: boolean;
  /** Form type instead of WAVE. */
  form?: string;
}

const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** Sub-format GUID of WAVE_FORMAT_EXTENSIBLE for a format tag. */
export function subFormatGuid(tag: number): Uint8Array {
  return Uint8Array.from([tag & 0xff, tag >> 8, ...GUID_TAIL]);
}

/** Builds a WAV file byte by byte as `layout` says. */
export function buildWav(layout: WavLayout): Uint8Array {
  const { sampleRate, channels, encoding } = layout;
  const nch = channels.length;
  const bps = bytesPerSample(encoding);
  const isFloat = encoding.startsWith('float');
  const tag = layout.formatTag ?? (isFloat ? 3 : 1);
  const ext = layout.extensible;
  const fmt = new Uint8Array(ext ? 40 : 16);
  const dv = new DataView(fmt.buffer);
  dv.setUint16(0, ext ? 0xfffe : tag, true);
  dv.setUint16(2, nch, true);
  dv.setUint32(4, sampleRate, true);
  dv.setUint32(8, sampleRate * nch * bps, true);
  dv.setUint16(12, layout.blockAlignField ?? nch * bps, true);
  dv.setUint16(14, layout.bitsField ?? bps * 8, true);
  if (ext) {
    const opts = typeof ext === 'object' ? ext : {};
    dv.setUint16(16, 22, true);
    dv.setUint16(18, opts.validBits ?? bps * 8, true);
    dv.setUint32(20, opts.channelMask ?? (nch === 1 ? 4 : (1 << nch) - 1), true);
    fmt.set(opts.subFormatGuid ?? subFormatGuid(tag), 24);
  }
  let data = sampleBytes(channels, encoding);
  if (layout.dataTail) data = concatBytes([data, layout.dataTail]);
  const dataChunk = chunk('data', data, {
    sizeField: layout.rf64 ? 0xffffffff : layout.dataSizeField,
    noPad: layout.noDataPad,
  });
  const before: RiffChunk[] = [];
  if (layout.rf64) {
    const ds64 = new Uint8Array(28);
    const d = new DataView(ds64.buffer);
    d.setUint32(8, data.length, true); // data size, low 32 bits (high stays 0)
    d.setUint32(16, channels[0]!.length, true); // sample count, low 32 bits
    before.push(chunk('ds64', ds64));
  }
  const body = serialiseChunks([
    ...before,
    ...(layout.chunksBeforeFmt ?? []),
    chunk('fmt ', fmt),
    ...(layout.chunksBeforeData ?? []),
    dataChunk,
    ...(layout.chunksAfterData ?? []),
  ]);
  const head = new Uint8Array(12);
  const hv = new DataView(head.buffer);
  const magic = layout.rf64 ? 'RF64' : 'RIFF';
  const form = layout.form ?? 'WAVE';
  for (let i = 0; i < 4; i++) {
    head[i] = magic.charCodeAt(i);
    head[8 + i] = form.charCodeAt(i);
  }
  hv.setUint32(4, layout.rf64 ? 0xffffffff : 4 + body.length, true);
  return concatBytes([head, body]);
}

/** A ByteSource over bytes that records every read (offset, length) and the bytes returned. */
export function countingSource(bytes: Uint8Array, name: string): ByteSource & { bytesRead: number; reads: { offset: number; length: number }[] } {
  const src = {
    name,
    bytesRead: 0,
    reads: [] as { offset: number; length: number }[],
    size: async () => bytes.length,
    read: async (offset: number, length: number) => {
      const out = bytes.slice(offset, Math.min(bytes.length, offset + length));
      src.reads.push({ offset, length });
      src.bytesRead += out.length;
      return out;
    },
  };
  return src;
}

/** G.711 μ-law code of a sample in [-1, 1] (the telephone codec, format tag 7). */
function muLawCode(x: number): number {
  let s = Math.round(Math.max(-1, Math.min(1, x)) * 32767);
  const sign = s < 0 ? 0x80 : 0;
  s = Math.min(Math.abs(s), 32635) + 0x84;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; exp--, mask >>= 1);
  return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
}

/** A mono 8-bit μ-law WAV (format tag 7), as telephone recordings come. */
export function muLawWav(samples: Float32Array, sampleRate: number): Uint8Array {
  return buildWav({ sampleRate, channels: [[]], encoding: 'pcm8', formatTag: 7, dataTail: Uint8Array.from(samples, muLawCode) });
}
