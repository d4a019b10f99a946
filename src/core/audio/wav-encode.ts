// Mono WAV writer: 16-bit PCM by default, also 8/24/32-bit PCM and 32-bit float.
import { assertFinite } from './errors.ts';

export interface EncodeWavOptions {
  bitsPerSample?: 8 | 16 | 24 | 32;
  /** IEEE float samples (32-bit). */
  float?: boolean;
}

function writeId(dv: DataView, at: number, id: string): void {
  for (let i = 0; i < 4; i++) dv.setUint8(at + i, id.charCodeAt(i));
}

/**
 * Encodes mono samples as a WAV file. PCM samples are clipped to [-1, 1] and
 * rounded to the nearest step of 1/2^(bits-1), so decoding gives back each
 * sample within half a step. Float files also carry the `fact` chunk the
 * format requires for non-PCM data.
 */
export function encodeWav(samples: Float32Array, sampleRate: number, opts: EncodeWavOptions = {}): Uint8Array {
  const float = opts.float ?? false;
  const bits = opts.bitsPerSample ?? (float ? 32 : 16);
  if (float && bits !== 32) throw new RangeError(`encodeWav: float WAV is 32-bit, got bitsPerSample ${bits}`);
  if (![8, 16, 24, 32].includes(bits)) throw new RangeError(`encodeWav: bitsPerSample must be 8, 16, 24 or 32, got ${bits}`);
  if (!(Number.isInteger(sampleRate) && sampleRate > 0 && sampleRate <= 0xffffffff)) {
    throw new RangeError(`encodeWav: bad sample rate ${sampleRate}`);
  }
  assertFinite(samples, 'encodeWav input');
  const bytesPer = bits / 8;
  const n = samples.length;
  const dataBytes = n * bytesPer;
  const fmtBytes = float ? 18 : 16;
  const factBytes = float ? 12 : 0;
  const headerBytes = 12 + 8 + fmtBytes + factBytes + 8;
  const padded = dataBytes + (dataBytes & 1);
  const out = new Uint8Array(headerBytes + padded);
  const dv = new DataView(out.buffer);
  writeId(dv, 0, 'RIFF');
  dv.setUint32(4, out.byteLength - 8, true);
  writeId(dv, 8, 'WAVE');
  writeId(dv, 12, 'fmt ');
  dv.setUint32(16, fmtBytes, true);
  dv.setUint16(20, float ? 3 : 1, true);
  dv.setUint16(22, 1, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * bytesPer, true);
  dv.setUint16(32, bytesPer, true);
  dv.setUint16(34, bits, true);
  let at = 36;
  if (float) {
    dv.setUint16(at, 0, true); // cbSize
    at += 2;
    writeId(dv, at, 'fact');
    dv.setUint32(at + 4, 4, true);
    dv.setUint32(at + 8, n, true);
    at += 12;
  }
  writeId(dv, at, 'data');
  dv.setUint32(at + 4, dataBytes, true);
  let o = at + 8;
  if (float) {
    for (let i = 0; i < n; i++, o += 4) dv.setFloat32(o, samples[i]!, true);
    return out;
  }
  const full = 2 ** (bits - 1);
  const max = full - 1;
  for (let i = 0; i < n; i++, o += bytesPer) {
    let v = Math.round(samples[i]! * full);
    if (v > max) v = max;
    else if (v < -full) v = -full;
    switch (bytesPer) {
      case 1:
        out[o] = v + 128;
        break;
      case 2:
        dv.setInt16(o, v, true);
        break;
      case 3:
        out[o] = v & 0xff;
        out[o + 1] = (v >> 8) & 0xff;
        out[o + 2] = (v >> 16) & 0xff;
        break;
      default:
        dv.setInt32(o, v, true);
    }
  }
  return out;
}
