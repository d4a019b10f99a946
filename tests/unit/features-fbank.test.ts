// The fbank against a straightforward, independent implementation of the Kaldi recipe
// (naive DFT, dense triangles in mel space), one frame at a time.
import { describe, expect, it } from 'vitest';
import {
  FFT_SIZE,
  KaldiFbank,
  WasmKaldiFbank,
  WasmKaldiFbank64,
  kaldiFrameCount,
  kaldiMelFilterbank,
  wasmKernel64Bytes,
  wasmKernelBytes,
  wasmSimdAvailable,
  SAFE_MEL_RATIO,
} from '../../src/core/features/index.ts';
import { resample } from '../../src/core/audio/resample.ts';

function naiveLogMel(frame: Float32Array, numMel: number): Float64Array {
  const N = 512;
  const x = new Float64Array(N);
  for (let i = 0; i < 400; i++) x[i] = frame[i]! * 32768;
  let mean = 0;
  for (let i = 0; i < 400; i++) mean += x[i]!;
  mean /= 400;
  for (let i = 0; i < 400; i++) x[i]! -= mean;
  for (let i = 399; i >= 1; i--) x[i]! -= 0.97 * x[i - 1]!;
  x[0]! -= 0.97 * x[0]!;
  for (let i = 0; i < 400; i++) x[i]! *= Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 399), 0.85);
  const power = new Float64Array(N / 2 + 1);
  for (let k = 0; k <= N / 2; k++) {
    let re = 0;
    let im = 0;
    for (let n = 0; n < N; n++) {
      re += x[n]! * Math.cos((2 * Math.PI * k * n) / N);
      im -= x[n]! * Math.sin((2 * Math.PI * k * n) / N);
    }
    power[k] = re * re + im * im;
  }
  const mel = (f: number) => 1127 * Math.log(1 + f / 700);
  const lo = mel(20);
  const hi = mel(8000);
  const out = new Float64Array(numMel);
  for (let m = 0; m < numMel; m++) {
    const l = lo + (m * (hi - lo)) / (numMel + 1);
    const c = lo + ((m + 1) * (hi - lo)) / (numMel + 1);
    const r = lo + ((m + 2) * (hi - lo)) / (numMel + 1);
    let e = 0;
    for (let k = 0; k <= N / 2; k++) {
      const f = mel((k * 16000) / N);
      const w = Math.max(0, Math.min((f - l) / (c - l), (r - f) / (r - c)));
      e += w * power[k]!;
    }
    out[m] = Math.log(Math.max(e, 1.192092955078125e-7));
  }
  return out;
}

describe('Kaldi fbank', () => {
  it('counts frames like Kaldi (no centering): 1 + floor((N − 400) / 160)', () => {
    expect(kaldiFrameCount(399)).toBe(0);
    expect(kaldiFrameCount(400)).toBe(1);
    expect(kaldiFrameCount(559)).toBe(1);
    expect(kaldiFrameCount(560)).toBe(2);
    expect(kaldiFrameCount(16000)).toBe(98);
  });

  it('builds 80 triangles covering 20 Hz – 8 kHz, each bin in at most two', () => {
    const fb = kaldiMelFilterbank(80, FFT_SIZE, 16000, 20, 8000);
    const cover = new Float64Array(fb.numBins);
    for (let m = 0; m < 80; m++) {
      expect(fb.length[m]).toBeGreaterThan(0);
      for (let k = 0; k < fb.length[m]!; k++) {
        const w = fb.weights[fb.offset[m]! + k]!;
        expect(w).toBeGreaterThan(0);
        expect(w).toBeLessThanOrEqual(1);
        cover[fb.start[m]! + k]! += 1;
      }
    }
    expect(Math.max(...cover)).toBe(2);
    expect(cover[0]).toBe(0); // 0 Hz is below 20 Hz
    expect(cover[256]).toBe(0); // Nyquist is the top edge, weight 0
    // 20 Hz ≈ bin 0.64 so bin 1 (31.25 Hz) is the first one used.
    expect(fb.start[0]).toBe(1);
  });

  it('matches a naive-DFT reference frame by frame', () => {
    let s = 12345;
    const n = 400 + 160 * 5;
    const x = Float32Array.from({ length: n }, (_, i) => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return 0.4 * Math.sin(i * 0.05) + 0.1 * Math.sin(i * 1.3) + 0.05 * (s / 0x7fffffff - 0.5) + 0.01;
    });
    const fbank = new KaldiFbank(80);
    const out = new Float32Array(kaldiFrameCount(n) * 80);
    expect(fbank.compute(x, out)).toBe(6);
    for (let f = 0; f < 6; f++) {
      const ref = naiveLogMel(x.subarray(f * 160, f * 160 + 400), 80);
      for (let m = 0; m < 80; m++) expect(Math.abs(out[f * 80 + m]! - ref[m]!)).toBeLessThan(1e-4);
    }
  });
});

describe('WebAssembly SIMD fbank', () => {
  it('is available in this Node', () => expect(wasmSimdAvailable()).toBe(true));

  it('stays under 4 KiB so browsers compile it synchronously on the main thread (both kernels)', () => {
    for (const bytes of [wasmKernelBytes(80), wasmKernel64Bytes(80)]) {
      expect(WebAssembly.validate(bytes)).toBe(true);
      expect(bytes.length).toBeLessThanOrEqual(4096);
    }
  });

  const maxDiff = (a: Float32Array, b: Float32Array, bOffset = 0) => {
    let d = 0;
    for (let i = 0; i < a.length; i++) {
      const e = Math.abs(a[i]! - b[bOffset + i]!);
      if (!(e <= d)) d = e; // NaN propagates
    }
    return d;
  };
  const noisy = (n: number) => {
    let s = n;
    return Float32Array.from({ length: n }, (_, i) => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return 0.5 * Math.sin(i * 0.011) * Math.sin(i * 0.0007) + 0.2 * (s / 0x7fffffff - 0.5);
    });
  };
  /** Harmonics below 1.5 kHz, nothing else: float32 rounding swamps its empty upper bins. */
  const clean = (n: number) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i * 0.05) + 0.1 * Math.sin(i * 0.13 + 1) + 0.05 * Math.sin(i * 0.57));

  it('equals the JS fbank in float64 (every group redone) for even and odd frame counts', () => {
    const js = new KaldiFbank(80);
    const wasm = new WasmKaldiFbank(80);
    wasm.safeMelRatio = Infinity;
    for (const n of [560, 800, 16000 + 160, 16000 * 7 + 33]) {
      const x = noisy(n);
      const frames = kaldiFrameCount(n);
      const a = new Float32Array(frames * 80);
      const b = new Float32Array(frames * 80 + 5).fill(-99);
      expect(js.compute(x, a)).toBe(frames);
      expect(wasm.compute(x, b, 5)).toBe(frames);
      expect(wasm.lastClip.exactPairs).toBe(Math.ceil(frames / 2));
      expect(b.subarray(0, 5).every((v) => v === -99)).toBe(true);
      // same float64 arithmetic: only the float32 rounding of the output differs
      expect(maxDiff(a, b, 5)).toBeLessThan(1e-5);
    }
  });

  it('a kernel for another sample rate is its own module, not the 16 kHz one with the same mel count', () => {
    new WasmKaldiFbank(80); // the 16 kHz module is compiled (and cached) first
    for (const sampleRate of [8000, 11025]) {
      const js = new KaldiFbank(80, sampleRate);
      const wasm = new WasmKaldiFbank(80, sampleRate);
      wasm.safeMelRatio = Infinity;
      const x = noisy(sampleRate);
      const frames = kaldiFrameCount(x.length);
      const a = new Float32Array(frames * 80);
      const b = new Float32Array(frames * 80);
      js.compute(x, a);
      wasm.compute(x, b);
      expect(maxDiff(a, b, 0)).toBeLessThan(1e-5);
    }
  });

  it('runs float32 where it is accurate enough: log-mels within 2e-4 of the float64 JS fbank', () => {
    // Float32 FFT rounding adds ~1e-7 of a frame's energy to every bin; with the weakest mel bin at
    // least SAFE_MEL_RATIO of the frame's mel total that moves its log by < 2e-4 (calibrated; the
    // normalised features then stay inside the 1e-3 parity with transformers.js).
    const js = new KaldiFbank(80);
    const wasm = new WasmKaldiFbank(80);
    for (const n of [560, 800, 16000 + 160, 16000 * 7 + 33]) {
      const x = noisy(n);
      const frames = kaldiFrameCount(n);
      const a = new Float32Array(frames * 80);
      const b = new Float32Array(frames * 80);
      js.compute(x, a);
      wasm.compute(x, b);
      expect(wasm.lastClip.exactPairs).toBeLessThan(wasm.lastClip.pairs); // float32 did run
      expect(maxDiff(a, b)).toBeLessThan(2e-4);
    }
  });

  it('redoes in float64 the frames float32 cannot resolve (band-limited, clean), matching the JS fbank', () => {
    const js = new KaldiFbank(80);
    const wasm = new WasmKaldiFbank(80);
    const f32only = new WasmKaldiFbank(80);
    f32only.safeMelRatio = 0;
    let r = 3;
    const speech = Float32Array.from({ length: 8000 * 6 }, (_, i) => {
      r = (r * 1103515245 + 12345) & 0x7fffffff;
      return 0.2 * Math.sin(i * 0.1 + 3 * Math.sin(i * 0.001)) * (0.6 + 0.4 * Math.sin(i * 0.003)) + 0.01 * (r / 0x7fffffff - 0.5);
    });
    // 12 s with nothing above 4 kHz (telephone audio upsampled), and a clean tone mix
    for (const x of [resample(speech, 8000, 16000), clean(16000 * 3)]) {
      const frames = kaldiFrameCount(x.length);
      const a = new Float32Array(frames * 80);
      const b = new Float32Array(frames * 80);
      const c = new Float32Array(frames * 80);
      js.compute(x, a);
      wasm.compute(x, b);
      f32only.compute(x, c);
      expect(wasm.lastClip.exactPairs).toBe(wasm.lastClip.pairs);
      expect(maxDiff(a, b)).toBeLessThan(1e-5);
      expect(maxDiff(a, c)).toBeGreaterThan(1e-2); // why: float32 alone is far off here
    }
  });

  it('mixes float32 and float64 groups within one clip, each equal to its own path', () => {
    // noise, then a clean stretch, then noise: groups of both kinds, in runs and chunks
    const x = noisy(16000 * 8);
    x.set(clean(16000 * 3), 16000 * 3);
    const wasm = new WasmKaldiFbank(80);
    const f64 = new WasmKaldiFbank64(80);
    const frames = kaldiFrameCount(x.length);
    const a = new Float32Array(frames * 80);
    const b = new Float32Array(frames * 80);
    wasm.compute(x, a);
    f64.compute(x, b);
    const { pairs, exactPairs } = wasm.lastClip;
    expect(exactPairs).toBeGreaterThan(pairs * 0.3);
    expect(exactPairs).toBeLessThan(pairs * 0.7);
    expect(maxDiff(a, b)).toBeLessThan(2e-4);
    // the clean stretch (frames well inside it) is float64 exactly
    const f0 = Math.ceil((16000 * 3) / 160) + 4;
    const f1 = Math.floor((16000 * 6 - 400) / 160) - 4;
    expect(maxDiff(a.subarray(f0 * 80, f1 * 80), b.subarray(f0 * 80, f1 * 80))).toBe(0);
  });

  it('redoes a flagged pair of frames alone, not its whole group of four', () => {
    // Noise with a clean stretch under exactly frames 42 and 43 (lanes 2–3 of group 10): only they
    // have empty upper bins. The group's other two frames stay float32.
    const x = noisy(12000);
    x.set(clean(160 * 43 + 400 - 160 * 42), 160 * 42);
    const js = new KaldiFbank(80);
    const wasm = new WasmKaldiFbank(80);
    const f64 = new WasmKaldiFbank64(80);
    const frames = kaldiFrameCount(x.length);
    const ref = new Float32Array(frames * 80);
    const a = new Float32Array(frames * 80);
    const b = new Float32Array(frames * 80);
    js.compute(x, ref);
    // the float64 flag rule on the reference: frames 42 and 43 are the only weak ones
    const weak = Array.from({ length: frames }, (_, f) => {
      const e = Array.from(ref.subarray(f * 80, f * 80 + 80), Math.exp);
      return Math.min(...e) < SAFE_MEL_RATIO * e.reduce((s, v) => s + v, 0);
    });
    expect(weak.flatMap((w, f) => (w ? [f] : []))).toEqual([42, 43]);
    wasm.compute(x, a);
    f64.compute(x, b);
    expect(wasm.lastClip).toEqual({ pairs: Math.ceil(frames / 2), exactPairs: 1 });
    const rows = (v: Float32Array, f0: number, f1: number) => v.subarray(f0 * 80, f1 * 80);
    expect(maxDiff(rows(a, 42, 44), rows(b, 42, 44))).toBe(0); // float64, as the float64 kernel
    expect(maxDiff(rows(a, 40, 42), rows(b, 40, 42))).toBeGreaterThan(0); // float32
    expect(maxDiff(a, ref)).toBeLessThan(2e-4);
  });

  it('grows its memory for long clips and still matches after shorter ones', () => {
    const wasm = new WasmKaldiFbank(80);
    const js = new KaldiFbank(80);
    for (const n of [16000, 16000 * 40, 4000]) {
      const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.05) * 0.5);
      const frames = kaldiFrameCount(n);
      const a = new Float32Array(frames * 80);
      const b = new Float32Array(frames * 80);
      js.compute(x, a);
      wasm.compute(x, b);
      expect(maxDiff(a, b)).toBeLessThan(1e-5); // a pure tone: all float64
    }
  });

  it('reports NaN and infinite samples', () => {
    const wasm = new WasmKaldiFbank(80);
    const x = new Float32Array(4000).fill(0.1);
    x[1234] = NaN;
    expect(() => wasm.compute(x, new Float32Array(23 * 80), 0, 'bad.wav')).toThrow(/bad\.wav: contains NaN or infinite samples \(sample 1234, frame 6\)/);
    x[1234] = -Infinity;
    expect(() => wasm.compute(x, new Float32Array(23 * 80), 0, 'bad.wav')).toThrow(/NaN or infinite/);
    // also where the clip is computed in float64 (a clean tone: every chunk after the first skips float32)
    const y = clean(16000 * 4);
    y[16000 * 3] = NaN;
    expect(() => wasm.compute(y, new Float32Array(398 * 80), 0, 'bad.wav')).toThrow(/bad\.wav: contains NaN or infinite samples \(sample 48000, frame 298\)/);
  });
});
