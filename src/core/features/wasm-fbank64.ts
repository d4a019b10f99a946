// The Kaldi fbank of fbank.ts as a WebAssembly SIMD kernel in float64: two frames at once, one per
// f64x2 lane. Results equal the JS path (fbank.ts) to float64 rounding.
//
// wasm-fbank.ts runs the float32 kernel (four frames per instruction, about twice as fast) and
// hands this one only the groups of frames where float32 is not accurate enough: frames whose
// spectrum spans so many decibels (band-limited audio, pure tones) that float32 FFT rounding would
// move a weak mel bin's log by more than the parity contract allows.
//
// Per frame pair: DC removal, pre-emphasis, Povey window (×32768 folded in), a 512-point real FFT
// (the real frame packed as z[n] = x[2n] + i·x[2n+1] into a 256-point complex radix-4 FFT, digit
// reversal folded into the first stage's loads, then the real split straight to |X[k]|²), sparse mel
// filterbank, natural log (a SIMD series, |error| < 1e-12) with the float32-eps floor. After all pairs,
// the per-bin normalisation (two-pass mean / sample variance, as normalize.ts) writes float32 rows.
import { nonFiniteSampleError } from './errors.ts';
import { FFT_SIZE, FRAME_LENGTH, FRAME_SHIFT, LOG_FLOOR, kaldiFrameCount } from './fbank.ts';
import { kaldiMelFilterbank, poveyWindow, type SparseMelFilterbank } from './kaldi-mel.ts';
import { Code, F64, I32, V128, buildModule, compileOnce } from '../wasm/emit.ts';
import { F64X2, HALF, IMOFF, POW, RE, V, WIN, Y, stageTablesEnd, stages, writeStageTables } from './wasm-fbank-stages.ts';

const PREEMPHASIS = 0.97;
const INT16_SCALE = 32768;

// Memory layout (bytes) after the shared part (wasm-fbank-stages.ts); table entries are f64x2 splats.
const MELTAB = stageTablesEnd(F64X2); // per filter: power ptr, weight ptr, weight end (i32)

interface Layout {
  numMel: number;
  melTabEnd: number;
  melWeights: number;
  /** per-bin accumulators, then means (both f64x2 per bin) */
  sums: number;
  means: number;
  /** f64x2: Σ of all mel energies (NaN/Inf ⇔ a non-finite sample) */
  total: number;
  dynamic: number;
}


function layoutFor(fb: SparseMelFilterbank): Layout {
  const numMel = fb.numFilters;
  const melTabEnd = MELTAB + numMel * 12;
  const melWeights = Math.ceil(melTabEnd / V) * V;
  const sums = melWeights + fb.weights.length * V;
  const means = sums + numMel * V;
  const total = means + numMel * V;
  const dynamic = total + V;
  return { numMel, melTabEnd, melWeights, sums, means, total, dynamic };
}

const LN2 = Math.LN2;
const SQRT2 = Math.SQRT2;
const bytes16 = (lo: bigint, hi: bigint) => {
  const b = new Uint8Array(16);
  const d = new DataView(b.buffer);
  d.setBigUint64(0, lo, true);
  d.setBigUint64(8, hi, true);
  return b;
};
const MANTISSA = bytes16(0x000fffffffffffffn, 0x000fffffffffffffn);
const ONE_BITS = bytes16(0x3ff0000000000000n, 0x3ff0000000000000n);
const TWO52_BITS = bytes16(0x4330000000000000n, 0x4330000000000000n);
const LANE0 = bytes16(0xffffffffffffffffn, 0n);
const LANE1 = bytes16(0n, 0xffffffffffffffffn);

const I32_LOCALS = 8;
const F64_LOCALS = 1;
/**
 * Generates `run(samplesPtr, pairs, logMelPtr, frames, featuresPtr)`: log-mels of `pairs` frame pairs
 * as f64x2 [pair][bin] at logMelPtr, then the normalised features of the `frames` real frames as
 * float32 [frame][bin] at featuresPtr (plus one junk row when frames is odd).
 */
function kernel(layout: Layout): { code: Code; v128Locals: number } {
  // params 0..4, i32 locals 5..12, f64 local 13, v128 locals 14..
  const S = 0, PAIRS = 1, OUT = 2, FRAMES = 3, DST = 4;
  const p = 5, q = 6, t = 7, e = 8, w = 9, b = 10, xEnd = 11, last = 12;
  const fscale = 13;
  let nextV = 14;
  const vl = () => nextV++;
  const acc = vl(), mean = vl(), dc = vl(), v = vl(), total = vl(), lm = vl(), lmask = vl(), ls = vl(), lz = vl();
  const a = [vl(), vl(), vl(), vl(), vl(), vl(), vl(), vl()]; // a0r a0i a1r a1i a2r a2i a3r a3i
  const tt = [vl(), vl(), vl(), vl(), vl(), vl(), vl(), vl()]; // t0r t0i t1r t1i t2r t2i t3r t3i
  const c = new Code();
  const stage = stages(c, F64X2, { p, q, t, e, b, w, v, a, tt });

  // xEnd = end of the log-mel array; last = its last pair
  c.get(OUT).get(PAIRS).i32(1).i32Sub().i32(layout.numMel * V).i32Mul().i32Add().set(last);
  c.get(last).i32(layout.numMel * V).i32Add().set(xEnd);
  c.f64x2Const(0).set(total);
  c.loop(); // ── per frame pair
  {
    // Pass 1: Y[n] = (x[s+n], x[s+160+n]), acc = Σ Y[n].
    c.get(S).set(p).i32(Y).set(q).f64x2Const(0).set(acc);
    c.loop();
    c.get(q).get(p).f32Load(0).f64PromoteF32().f64x2Splat().get(p).f32Load(FRAME_SHIFT * 4).f64PromoteF32().f64x2ReplaceLane(1).tee(v).v128Store(0);
    c.get(acc).get(v).f64x2Add().set(acc);
    c.get(p).i32(4).i32Add().set(p);
    c.get(q).i32(V).i32Add().tee(q).i32(Y + FRAME_LENGTH * V).i32Ne().brIf(0);
    c.end();
    c.get(acc).f64x2Const(1 / FRAME_LENGTH).f64x2Mul().set(mean);
    c.get(mean).f64x2Const(1 - PREEMPHASIS).f64x2Mul().set(dc);
    // Pass 2, top down so Y[n−1] is still raw: Y[n] = (Y[n] − 0.97·Y[n−1] − 0.03·mean)·W[n]; q = &Y[n−1].
    c.i32(Y + (FRAME_LENGTH - 2) * V).set(q);
    c.loop();
    c.get(q);
    c.get(q).v128Load(V).f64x2Const(PREEMPHASIS).get(q).v128Load(0).f64x2Mul().f64x2Sub().get(dc).f64x2Sub();
    c.get(q).v128Load(WIN - Y + V).f64x2Mul().v128Store(V);
    c.get(q).i32(V).i32Sub().tee(q).i32(Y - V).i32Ne().brIf(0);
    c.end();
    // Y[0] = (Y[0] − mean)·0.03·W[0]
    c.i32(0).i32(0).v128Load(Y).get(mean).f64x2Sub().f64x2Const(1 - PREEMPHASIS).f64x2Mul().i32(0).v128Load(WIN).f64x2Mul().v128Store(Y);

    stage.fft();

    // Real split and power (bins 0 and 256 first: Z[0] alone gives both).
    {
      const [zkr, zki] = a as [number, number];
      c.i32(RE).v128Load(0).set(zkr).i32(RE).v128Load(IMOFF).set(zki);
      c.i32(0).get(zkr).get(zki).f64x2Add().tee(v).get(v).f64x2Mul().v128Store(POW);
      c.i32(0).get(zkr).get(zki).f64x2Sub().tee(v).get(v).f64x2Mul().v128Store(POW + HALF * V);
      stage.realSplit((c) => c.f64x2Const(0.5).f64x2Mul());
    }

    stage.melFilterbank(MELTAB, layout.melTabEnd, OUT, acc, () => c.f64x2Const(0), () => {
      c.get(total).get(acc).f64x2Add().set(total);
      // log(max(acc, eps)): x = 2^k·m with m ∈ [√½, √2), log m = 2·atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172.
      c.get(acc).f64x2Const(LOG_FLOOR).f64x2Max().set(acc);
      c.get(acc).v128ConstBytes(MANTISSA).v128And().v128ConstBytes(ONE_BITS).v128Or().set(lm);
      c.get(lm).f64x2Const(SQRT2).f64x2Gt().set(lmask);
      c.get(lm).f64x2Const(0.5).f64x2Mul().get(lm).get(lmask).v128Bitselect().set(lm);
      // k as a double: biased exponent bits ORed into 2^52's mantissa, minus 2^52 + 1023 (+1 if halved)
      c.get(acc).i32(52).i64x2ShrU().v128ConstBytes(TWO52_BITS).v128Or().f64x2Const(2 ** 52 + 1023).f64x2Sub();
      c.get(lmask).f64x2Const(1).v128And().f64x2Add().f64x2Const(LN2).f64x2Mul().set(acc); // k·ln2
      c.get(lm).f64x2Const(1).f64x2Sub().get(lm).f64x2Const(1).f64x2Add().f64x2Div().set(ls);
      c.get(ls).get(ls).f64x2Mul().set(lz);
      c.f64x2Const(1 / 13);
      for (const k of [11, 9, 7, 5, 3, 1]) c.get(lz).f64x2Mul().f64x2Const(1 / k).f64x2Add();
      c.get(ls).f64x2Mul().f64x2Const(2).f64x2Mul().get(acc).f64x2Add().set(acc);
    });

    c.get(S).i32(2 * FRAME_SHIFT * 4).i32Add().set(S);
    c.get(PAIRS).i32(1).i32Sub().tee(PAIRS).brIf(0);
  }
  c.end();
  c.i32(layout.total).get(total).v128Store(0);

  const nMel = layout.numMel;
  // The log-mel array starts at xEnd − pairs·nMel·16, pairs = (frames + 1) >> 1.
  const start = () => c.get(xEnd).get(FRAMES).i32(1).i32Add().i32(1).i32ShrU().i32(nMel * V).i32Mul().i32Sub();
  /** Runs `body` for every (pair, bin): p walks the log-mels, q the per-bin table at `table`. */
  const overAll = (table: number, body: () => void, afterPair?: () => void) => {
    start();
    c.set(p);
    c.loop();
    c.i32(table).set(q);
    c.loop();
    body();
    c.get(p).i32(V).i32Add().set(p);
    c.get(q).i32(V).i32Add().tee(q).i32(table + nMel * V).i32Ne().brIf(0);
    c.end();
    afterPair?.();
    c.get(p).get(xEnd).i32Ne().brIf(0);
    c.end();
  };
  const perBin = (body: () => void) => {
    c.i32(0).set(q);
    c.loop();
    body();
    c.get(q).i32(V).i32Add().tee(q).i32(nMel * V).i32Ne().brIf(0);
    c.end();
  };
  const oddFrames = (body: () => void) => {
    c.block().get(FRAMES).i32(1).i32And().i32Eqz().brIf(0);
    body();
    c.end();
  };

  // The junk second lane of an odd last pair: 0 for the sums, then the mean (adds 0 to the variance).
  oddFrames(() => perBin(() => c.get(last).get(q).i32Add().get(last).get(q).i32Add().v128Load(0).v128ConstBytes(LANE0).v128And().v128Store(0)));
  perBin(() => c.get(q).f64x2Const(0).v128Store(layout.sums));
  overAll(layout.sums, () => c.get(q).get(q).v128Load(0).get(p).v128Load(0).f64x2Add().v128Store(0));
  // mean = (lane 0 + lane 1) / frames
  c.f64(1).get(FRAMES).f64ConvertI32S().f64Div().set(fscale);
  perBin(() => {
    c.get(q).get(q).v128Load(layout.sums).tee(v).f64x2ExtractLane(0).get(v).f64x2ExtractLane(1).f64Add().get(fscale).f64Mul().f64x2Splat();
    c.v128Store(layout.means);
  });
  oddFrames(() =>
    perBin(() => c.get(last).get(q).i32Add().get(q).v128Load(layout.means).get(last).get(q).i32Add().v128Load(0).v128ConstBytes(LANE1).v128Bitselect().v128Store(0)),
  );
  perBin(() => c.get(q).f64x2Const(0).v128Store(layout.sums));
  overAll(layout.sums, () => {
    c.get(p).v128Load(0).get(q).v128Load(layout.means - layout.sums).f64x2Sub().tee(v);
    c.get(v).f64x2Mul().get(q).v128Load(0).f64x2Add().set(v).get(q).get(v).v128Store(0);
  });
  // 1/std = 1/sqrt(Σ/(frames−1) + 1e-7), kept in the sums slots
  c.f64(1).get(FRAMES).i32(1).i32Sub().f64ConvertI32S().f64Div().set(fscale);
  perBin(() => {
    c.get(q).f64(1).get(q).v128Load(layout.sums).tee(v).f64x2ExtractLane(0).get(v).f64x2ExtractLane(1).f64Add().get(fscale).f64Mul();
    c.f64(1e-7).f64Add().f64Sqrt().f64Div().f64x2Splat().v128Store(layout.sums);
  });
  // Features: lane 0 → row 2i, lane 1 → row 2i+1 (float32).
  overAll(layout.sums, () => {
    c.get(p).v128Load(0).get(q).v128Load(layout.means - layout.sums).f64x2Sub().get(q).v128Load(0).f64x2Mul().f32x4DemoteF64x2Zero().set(v);
    c.get(DST).get(v).v128Store32Lane(0, 0);
    c.get(DST).get(v).v128Store32Lane(nMel * 4, 1);
    c.get(DST).i32(4).i32Add().set(DST);
  }, () => c.get(DST).i32(nMel * 4).i32Add().set(DST));
  return { code: c, v128Locals: nextV - 14 };
}

type RunFn = (samplesPtr: number, pairs: number, logMelPtr: number, frames: number, featuresPtr: number) => void;

const modules = new Map<string, WebAssembly.Module | null>();

function kernelBytes(layout: Layout): Uint8Array<ArrayBuffer> {
  const { code, v128Locals } = kernel(layout);
  return buildModule([{ name: 'run', params: 5, locals: [[I32_LOCALS, I32], [F64_LOCALS, F64], [v128Locals, V128]], body: code }], Math.ceil(layout.dynamic / 65536) + 1);
}

/**
 * The kernel module's bytes for `numMel` bins. Kept under 4 KiB (loops, not unrolled code) because
 * Chromium refuses synchronous `new WebAssembly.Module` of anything larger on the main thread.
 */
export function wasmKernel64Bytes(numMel = 80): Uint8Array<ArrayBuffer> {
  return kernelBytes(layoutFor(kaldiMelFilterbank(numMel, FFT_SIZE, 16000, 20, 8000)));
}

/** The compiled kernel for `numMel` bins, or null where WebAssembly SIMD is missing. */
function kernelModule(layout: Layout): WebAssembly.Module | null {
  return compileOnce(modules, layout, () => new WebAssembly.Module(kernelBytes(layout)));
}

/** KaldiFbank's contract (`compute`: log-mels, `features`: normalised) on the SIMD kernel. */
export class WasmKaldiFbank64 {
  readonly numMelBins: number;
  readonly filterbank: SparseMelFilterbank;
  private readonly layout: Layout;
  private readonly memory: WebAssembly.Memory;
  private readonly run: RunFn;
  private f32 = new Float32Array(0);
  private f64 = new Float64Array(0);

  constructor(numMelBins: number, sampleRate = 16000) {
    this.numMelBins = numMelBins;
    this.filterbank = kaldiMelFilterbank(numMelBins, FFT_SIZE, sampleRate, 20, sampleRate / 2);
    if (this.filterbank.length.some((l) => l === 0)) throw new RangeError(`WasmKaldiFbank64: a mel filter has no FFT bin (${numMelBins} filters)`);
    this.layout = layoutFor(this.filterbank);
    const mod = kernelModule(this.layout);
    if (!mod) throw new Error('WebAssembly SIMD is not available');
    const inst = new WebAssembly.Instance(mod, {});
    this.memory = inst.exports.memory as WebAssembly.Memory;
    this.run = inst.exports.run as RunFn;
    this.writeTables();
  }

  private views(): void {
    if (this.f64.buffer !== this.memory.buffer) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.f64 = new Float64Array(this.memory.buffer);
    }
  }

  private writeTables(): void {
    this.views();
    const splat = F64X2.writer(this.memory.buffer);
    const win = poveyWindow(FRAME_LENGTH);
    for (let n = 0; n < FRAME_LENGTH; n++) splat(WIN + n * V, win[n]! * INT16_SCALE);
    writeStageTables(this.memory.buffer, F64X2, this.filterbank, MELTAB, this.layout.melWeights, 1);
  }

  /**
   * Runs the kernel over a clip with ≥ 1 frame; returns where its outputs are. `logMelsOnly`: the
   * kernel's normalisation runs over one pair only (its output is not wanted).
   */
  private runKernel(samples: Float32Array, frames: number, name: string, from = 0, count = samples.length, logMelsOnly = false): { logMel: number; features: number } {
    const nMel = this.numMelBins;
    const pairs = Math.ceil(frames / 2);
    // An odd frame count's junk last lane reads up to here (zeros past the clip).
    const readEnd = Math.max(2 * FRAME_SHIFT * (pairs - 1) + FRAME_SHIFT + FRAME_LENGTH, count);
    const sPtr = this.layout.dynamic;
    const logMel = sPtr + Math.ceil((readEnd * 4) / V) * V;
    const features = logMel + pairs * nMel * V;
    const need = features + pairs * 2 * nMel * 4;
    if (need > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / 65536));
    this.views();
    const f32 = this.f32;
    f32.set(from === 0 && count === samples.length ? samples : samples.subarray(from, from + count), sPtr / 4);
    f32.fill(0, sPtr / 4 + count, sPtr / 4 + readEnd);
    this.run(sPtr, pairs, logMel, logMelsOnly ? 2 : frames, logMelsOnly ? features + (pairs - 1) * 2 * nMel * 4 : features);
    const t0 = this.f64[this.layout.total / 8]!;
    const t1 = this.f64[this.layout.total / 8 + 1]!;
    // Mel energies are ≥ 0 and far below overflow: a NaN/Inf total means a non-finite sample
    // (which the log floor would otherwise hide).
    if (!(t0 < Infinity && t1 < Infinity)) throw nonFiniteSampleError(name, samples);
    return { logMel, features };
  }

  /** Log-mel frames, as KaldiFbank.compute. */
  compute(samples: Float32Array, out: Float32Array, outOffset = 0, name = 'clip'): number {
    const frames = kaldiFrameCount(samples.length);
    const nMel = this.numMelBins;
    if (out.length < outOffset + frames * nMel) throw new RangeError(`fbank output needs ${frames * nMel} values from offset ${outOffset}`);
    if (frames === 0) return 0;
    const { logMel } = this.runKernel(samples, frames, name);
    const f64 = this.f64;
    for (let f = 0; f < frames; f++) {
      const src = logMel / 8 + (f >> 1) * nMel * 2 + (f & 1);
      const dst = outOffset + f * nMel;
      for (let m = 0; m < nMel; m++) out[dst + m] = f64[src + 2 * m]!;
    }
    return frames;
  }

  /**
   * Log-mels of frames `first … first + frames − 1` of `samples` (inside the clip; `first` even)
   * into `out` in wasm-fbank.ts's layout: groups of four frames, [group][bin][frame % 4] from
   * `outIndex` (the group of frame `first`).
   */
  computeGroups(samples: Float32Array, first: number, frames: number, out: Float32Array, outIndex: number, name = 'clip'): void {
    if (first % 2 !== 0) throw new RangeError(`computeGroups: first frame ${first} is odd`);
    const nMel = this.numMelBins;
    const { logMel } = this.runKernel(samples, frames, name, first * FRAME_SHIFT, (frames - 1) * FRAME_SHIFT + FRAME_LENGTH, true);
    const f64 = this.f64;
    // pair j = frames first + 2j, first + 2j + 1 = lanes 0–1 or 2–3 of its group (pair J of the group at outIndex)
    const lane0 = (first >> 1) & 1;
    for (let j = 0, src = logMel / 8; j < (frames + 1) >> 1; j++, src += 2 * nMel) {
      const J = j + lane0;
      const dst = outIndex + (J >> 1) * 4 * nMel + 2 * (J & 1);
      const both = 2 * j + 1 < frames;
      for (let m = 0; m < nMel; m++) {
        out[dst + 4 * m] = f64[src + 2 * m]!;
        if (both) out[dst + 4 * m + 1] = f64[src + 2 * m + 1]!;
      }
    }
  }

  /** Per-bin normalised log-mel frames, as KaldiFbank.features (needs ≥ 2 frames). */
  features(samples: Float32Array, out: Float32Array, outOffset = 0, name = 'clip'): number {
    const frames = kaldiFrameCount(samples.length);
    const n = frames * this.numMelBins;
    if (frames < 2) throw new RangeError(`normalisation needs ≥ 2 frames, got ${frames}`);
    if (out.length < outOffset + n) throw new RangeError(`fbank output needs ${n} values from offset ${outOffset}`);
    const { features } = this.runKernel(samples, frames, name);
    out.set(this.f32.subarray(features / 4, features / 4 + n), outOffset);
    return frames;
  }
}
