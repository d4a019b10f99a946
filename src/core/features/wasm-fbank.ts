// The Kaldi fbank of fbank.ts as WebAssembly SIMD kernels: float32, four frames at once (one per
// f32x4 lane), with a float64 kernel (wasm-fbank64.ts, two frames per f64x2) for the frames where
// float32 is not accurate enough.
//
// Why: `saturi embed` extracts features in a worker while the encoder runs, and for small encoders
// the extractor costs as much CPU as the encoder. Scalar JS tops out around 7–9 µs per frame (fft.js
// FFT alone ~4–6 µs); the float64 kernel takes ~1.45 µs per frame. Its profile per 10 s clip
// (timing kernel variants with stages left out): FFT 37 %, real split 14 %, mel 10 %, log 17 %,
// framing + DC + pre-emphasis + window 19 %, normalisation and copy-out 5–7 %. Every stage halves
// with four lanes instead of two; pre-emphasis reads each sample once and the normalisation makes
// one statistics pass instead of two: ~0.65 µs per frame for the float32 kernel, ~0.75 µs with the
// float64 redo of flagged frames (~5 % of groups of four on speech-like clips, fewer pairs).
// bench:features (10 s speech-like clips, 2-core EPYC shared with other work, CPU-time medians):
// ~0.97 ms per clip, of which ~0.3 ms is writing into the freshly allocated output (page faults, the same for every
// implementation), against ~1.58 ms for the float64 kernel alone: 1.6× less CPU, ~10 000× real
// time, ~17× faster than transformers.js on one thread. Band-limited clips (every frame redone in
// float64) cost ~1.15× the float64 kernel alone.
//
// Accuracy: float32 FFT rounding adds ~1e-7 of a frame's energy to every bin, so a mel bin ~100 dB
// below the frame (audio upsampled from 8 kHz, clean tones, 16-bit silence between harmonics) can
// come out 0.1–3 off in log, against a 1e-3 parity contract with transformers.js. The kernel flags
// each frame where some mel energy is below SAFE_MEL_RATIO of its frame's total; the pairs of
// frames holding a flagged one are redone in float64 (pairs, not the group of four: on the bench's
// tone clips 4.8 % of pairs against 8.7 % of groups, 13 % less time in all), and a chunk that is
// mostly flagged sends the next ones straight to float64 (so band-limited clips cost about what
// float64 alone does). Unflagged log-mels are within ~2e-4 of float64; normalised features within
// 1e-4 of transformers.js on speech-like clips, 5e-4 at worst (16-bit audio upsampled from 8 kHz, whose few unflagged frames
// sit near the threshold). The frame mean is summed in float64 and removed as hi + lo, so a DC
// offset costs no precision; the per-bin statistics are float64, as in the reference.
//
// Per group: transpose four frames into lanes, DC removal, pre-emphasis, Povey window (×32768 folded
// in), a 512-point real FFT (the real frame packed as z[n] = x[2n] + i·x[2n+1] into a 256-point
// complex radix-4 FFT, digit reversal folded into the first stage's loads, then the real split
// straight to 4·|X[k]|²), sparse mel filterbank (weights ÷ 4), natural log (an f32x4 series,
// Cody–Waite k·ln2) with the float32-eps floor. Then `norm`: per-bin mean and sample variance over
// the clip (Σx, Σx² in float64), writing float32 rows.
import { nonFiniteSampleError } from './errors.ts';
import { FFT_SIZE, FRAME_LENGTH, FRAME_SHIFT, LOG_FLOOR, kaldiFrameCount } from './fbank.ts';
import { kaldiMelFilterbank, poveyWindow, type SparseMelFilterbank } from './kaldi-mel.ts';
import { Code, F64, I32, V128, buildModule, compileOnce } from '../wasm/emit.ts';
import { F32X4, V, WIN, Y, stageTablesEnd, stages, writeStageTables } from './wasm-fbank-stages.ts';
import { WasmKaldiFbank64 } from './wasm-fbank64.ts';

const PREEMPHASIS = 0.97;
const INT16_SCALE = 32768;
// A v128 holds one f32 of each of four frames.
const F = 4; // bytes per table entry (f32, splatted into the four lanes as it is loaded)
/** Frames per group (lanes), and the bytes between one group's first samples and the next's. */
const LANES = 4;
const SHIFT_BYTES = FRAME_SHIFT * 4;

// Memory layout (bytes) after the shared part (wasm-fbank-stages.ts); table entries are single f32s.
const MASK = stageTablesEnd(F32X4); // v128, set per clip: all ones in the lanes of real frames of the last group
const RATIO = MASK + V; // f32: SAFE_MEL_RATIO (settable: WasmKaldiFbank.safeMelRatio)
const CONST = RATIO + V; // the kernel's v128 constants (ConstPool)
const CONST_SLOTS = 24;
const MELTAB = CONST + CONST_SLOTS * V; // per filter: power ptr, weight ptr, weight end (i32)
const STAT = 3 * V; // per-bin record for the output pass: mean = hi + lo, 1/std (f32x4 splats)

interface Layout {
  numMel: number;
  melTabEnd: number;
  melWeights: number;
  /** per-bin STAT records */
  stats: number;
  /** f32x4: Σ of all mel energies (NaN/Inf ⇔ a non-finite sample) */
  total: number;
  dynamic: number;
}


function layoutFor(fb: SparseMelFilterbank): Layout {
  const numMel = fb.numFilters;
  const melTabEnd = MELTAB + numMel * 12;
  const melWeights = melTabEnd;
  const stats = Math.ceil((melWeights + fb.weights.length * F) / V) * V;
  const total = stats + numMel * STAT;
  const dynamic = total + V;
  return { numMel, melTabEnd, melWeights, stats, total, dynamic };
}

const i32x4 = (v: number) => {
  const b = new Uint8Array(16);
  const d = new DataView(b.buffer);
  for (let i = 0; i < 4; i++) d.setInt32(4 * i, v, true);
  return b;
};
const f64x2 = (v: number) => {
  const b = new Uint8Array(16);
  const d = new DataView(b.buffer);
  d.setFloat64(0, v, true);
  d.setFloat64(8, v, true);
  return b;
};
const f32x4 = (v: number) => {
  const b = new Uint8Array(16);
  const d = new DataView(b.buffer);
  for (let i = 0; i < 4; i++) d.setFloat32(4 * i, v, true);
  return b;
};
// ln 2 split so that k·LN2_HI is exact in float32 for |k| < 2^12 (Cody–Waite).
const LN2_HI = 0.693359375;
const LN2_LO = Math.LN2 - LN2_HI;
// (a, b) shuffles of a 4×4 transpose: rows a0…a3 → columns.
const LO: [number, number, number, number] = [0, 4, 1, 5];
const HI: [number, number, number, number] = [2, 6, 3, 7];
const LO2: [number, number, number, number] = [0, 1, 4, 5];
const HI2: [number, number, number, number] = [2, 3, 6, 7];

/**
 * A group is flagged (and redone in float64 by wasm-fbank64.ts) when the weakest mel energy of one
 * of its frames is below SAFE_MEL_RATIO × the sum of that frame's mel energies. Float32 FFT rounding
 * adds about the same absolute error to every bin, a fixed fraction of the frame's energy, so a
 * weaker bin can lose more than ~2e-4 of its log (calibrated on tones, chirps, noise, band-limited,
 * DC-offset and 16-bit speech; tests/unit/features-fbank.test.ts checks the bound).
 */
export const SAFE_MEL_RATIO = 1e-7;

/**
 * Groups per float32 kernel call (32 frames). After a mostly flagged chunk the next 8, 16 … MAX_SKIP
 * chunks (while float32 keeps failing) go straight to float64, so band-limited audio pays for
 * float32 on a few short probes only.
 */
const CHUNK = 8;
const FIRST_SKIP = 8;
const MAX_SKIP = 64;

/** v128 constants, loaded from a table in memory (6 bytes of code each instead of 18). */
class ConstPool {
  readonly values: Uint8Array[] = [];
  constructor(private readonly base: number, private readonly capacity: number) {}
  offset(bytes: Uint8Array): number {
    let i = this.values.findIndex((v) => v.every((x, k) => x === bytes[k]));
    if (i < 0) {
      i = this.values.push(bytes) - 1;
      if (i >= this.capacity) throw new Error('wasm-fbank: constant pool full');
    }
    return this.base + i * V;
  }
}

/**
 * `fbank(samplesPtr, groups, logMelPtr, flagsPtr)`: log-mels of `groups` groups of four frames as
 * f32x4 [group][bin] at logMelPtr, and per group an i32x4 at flagsPtr, one per frame: non-zero when float32 may be
 * too coarse for one of its frames (SAFE_MEL_RATIO).
 */
function fbankKernel(layout: Layout, pool: ConstPool): { code: Code; v128Locals: number } {
  // params 0..3, i32 locals 4..9, v128 locals 10..
  const S = 0, GROUPS = 1, OUT = 2, FL = 3;
  const p = 4, q = 5, t = 6, e = 7, w = 8, b = 9;
  let nextV = 10;
  const vl = () => nextV++;
  const acc = vl(), mean = vl(), v = vl(), total = vl(), lm = vl(), lmask = vl(), ls = vl(), lz = vl(), thr = vl(), flag = vl();
  const a = [vl(), vl(), vl(), vl(), vl(), vl(), vl(), vl()]; // a0r a0i a1r a1i a2r a2i a3r a3i
  const tt = [vl(), vl(), vl(), vl(), vl(), vl(), vl(), vl()]; // t0r t0i t1r t1i t2r t2i t3r t3i
  const c = new Code();
  const k = (bytes: Uint8Array) => c.i32(0).v128Load(pool.offset(bytes));
  const kf = (x: number) => k(f32x4(x));
  const transpose = transposer(c);
  const stage = stages(c, F32X4, { p, q, t, e, b, w, v, a, tt });

  kf(0).set(total);
  c.loop(); // ── per group of four frames
  {
    // Pass 1: Y[n] = (x[s+n], x[s+160+n], x[s+320+n], x[s+480+n]) by 4×4 transposes, acc = Σ Y[n].
    // The sums are float64 (four samples at a time added in float32 first): a float32 mean would be
    // off by ~1e-7 of a DC offset, which leaks into the lowest mel bins.
    c.get(S).set(p).i32(Y).set(q);
    k(f64x2(0)).set(acc);
    k(f64x2(0)).set(lm);
    c.loop();
    for (let j = 0; j < 4; j++) c.get(p).v128Load(j * SHIFT_BYTES).set(a[j]!);
    transpose(a.slice(0, 4), tt.slice(0, 4), a.slice(4, 8));
    for (let j = 0; j < 4; j++) c.get(q).get(a[4 + j]!).v128Store(j * V);
    c.get(a[4]!).get(a[5]!).f32x4Add().get(a[6]!).get(a[7]!).f32x4Add().f32x4Add().tee(v);
    c.f64x2PromoteLowF32x4().get(acc).f64x2Add().set(acc);
    c.get(v).get(v).shuffle32([2, 3, 2, 3]).f64x2PromoteLowF32x4().get(lm).f64x2Add().set(lm);
    c.get(p).i32(V).i32Add().set(p);
    c.get(q).i32(4 * V).i32Add().tee(q).i32(Y + FRAME_LENGTH * V).i32Ne().brIf(0);
    c.end();
    // mean = hi + lo: hi in float32 (x − hi is exact for x near hi), lo the float32 of the rest.
    c.get(acc);
    k(f64x2(1 / FRAME_LENGTH));
    c.f64x2Mul().tee(acc).f32x4DemoteF64x2Zero().get(lm);
    k(f64x2(1 / FRAME_LENGTH));
    c.f64x2Mul().tee(lm).f32x4DemoteF64x2Zero().shuffle32([0, 1, 4, 5]).tee(mean);
    c.f64x2PromoteLowF32x4().get(acc).f64x2Sub().f32x4DemoteF64x2Zero();
    c.get(mean).get(mean).shuffle32([2, 3, 2, 3]).f64x2PromoteLowF32x4().get(lm).f64x2Sub().f32x4DemoteF64x2Zero();
    c.shuffle32([0, 1, 4, 5]).set(ls); // hi − mean = −lo
    // Pass 2: d[n] = Y[n] − mean (Kaldi's order: removing DC first keeps float32 exact under a large
    // DC offset), Y[n] = (d[n] − 0.97·d[n−1])·W[n] with d[−1] = d[0]; v = d[n−1], q = &Y[n].
    c.i32(0).v128Load(Y).get(mean).f32x4Sub().get(ls).f32x4Add().set(v);
    c.i32(0).get(v);
    kf(1 - PREEMPHASIS);
    c.f32x4Mul().i32(0).v128Load(WIN).f32x4Mul().v128Store(Y);
    kf(PREEMPHASIS);
    c.set(lz).i32(Y + V).set(q);
    c.loop();
    c.get(q).v128Load(0).get(mean).f32x4Sub().get(ls).f32x4Add().set(acc);
    c.get(q).get(acc).get(lz).get(v).f32x4Mul().f32x4Sub().get(q).v128Load(WIN - Y).f32x4Mul().v128Store(0);
    c.get(acc).set(v);
    c.get(q).i32(V).i32Add().tee(q).i32(Y + FRAME_LENGTH * V).i32Ne().brIf(0);
    c.end();
    kf(0).set(thr);
    kf(Infinity).set(flag);

    stage.fft();
    // Real split and power, 4× scaled (the halvings are left out; the mel weights carry 1/4).
    // Bins 0 and 256 (0 Hz, Nyquist) are in no mel filter and are not computed.
    stage.realSplit(() => {});

    stage.melFilterbank(MELTAB, layout.melTabEnd, OUT, acc, () => kf(0), () => {
      c.get(total).get(acc).f32x4Add().set(total);
      c.get(thr).get(acc).f32x4Add().set(thr).get(flag).get(acc).f32x4Min().set(flag);
    });
    // The logs in a loop of their own, over the group's stored mel energies (p walks them): without
    // the mel sums' short inner loops in between, the series of one bin overlaps the next (~3 %).
    c.get(OUT).i32(layout.numMel * V).i32Sub().set(p);
    c.loop();
    c.get(p).v128Load(0).set(acc);
    // log(max(acc, eps)): x = 2^k·m with m ∈ [√½, √2), log m = 2·atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172.
    c.get(acc);
    kf(LOG_FLOOR);
    c.f32x4Max().tee(acc);
    k(i32x4(0x007fffff));
    c.v128And();
    k(i32x4(0x3f800000));
    c.v128Or().set(lm);
    c.get(lm);
    kf(Math.SQRT2);
    c.f32x4Gt().set(lmask);
    c.get(lm);
    kf(0.5);
    c.f32x4Mul().get(lm).get(lmask).v128Bitselect().set(lm);
    // k = biased exponent − 127, + 1 where m was halved (the mask's lanes are −1 there)
    c.get(acc).i32(23).i32x4ShrU();
    k(i32x4(127));
    c.i32x4Sub().get(lmask).i32x4Sub().f32x4ConvertI32x4S().set(acc);
    c.get(lm);
    kf(1);
    c.f32x4Sub().get(lm);
    kf(1);
    c.f32x4Add().f32x4Div().tee(ls).get(ls).f32x4Mul().set(lz);
    // 2s·(1 + z/3 + z²/5 + z³/7): truncation error < z⁴/9 < 1e-7 relative
    c.get(lz);
    kf(1 / 7);
    c.f32x4Mul();
    for (const d of [5, 3]) {
      kf(1 / d);
      c.f32x4Add().get(lz).f32x4Mul();
    }
    kf(1);
    c.f32x4Add().get(ls).f32x4Mul().tee(lz).get(lz).f32x4Add().get(acc);
    kf(LN2_LO);
    c.f32x4Mul().f32x4Add().get(acc);
    kf(LN2_HI);
    c.f32x4Mul().f32x4Add().set(acc);
    c.get(p).get(acc).v128Store(0);
    c.get(p).i32(V).i32Add().tee(p).get(OUT).i32Ne().brIf(0);
    c.end();
    // flag: the weakest mel energy below SAFE_MEL_RATIO of the frame's total
    c.get(FL).get(flag).get(thr).i32(0).v128Load32Splat(RATIO).f32x4Mul().f32x4Lt().v128Store(0);
    c.get(FL).i32(V).i32Add().set(FL);

    c.get(S).i32(LANES * SHIFT_BYTES).i32Add().set(S);
    c.get(GROUPS).i32(1).i32Sub().tee(GROUPS).brIf(0);
  }
  c.end();
  c.i32(layout.total).get(total).v128Store(0);
  return { code: c, v128Locals: nextV - 10 };
}

/** Emits a 4×4 transpose of the v128 locals r[0..3] (rows) into s[0..3] (columns), via u[0..3]. */
function transposer(c: Code) {
  return (r: number[], u: number[], s: number[]) => {
    for (let k = 0; k < 2; k++) {
      c.get(r[2 * k]!).get(r[2 * k + 1]!).shuffle32(LO).set(u[2 * k]!);
      c.get(r[2 * k]!).get(r[2 * k + 1]!).shuffle32(HI).set(u[2 * k + 1]!);
    }
    c.get(u[0]!).get(u[2]!).shuffle32(LO2).set(s[0]!);
    c.get(u[0]!).get(u[2]!).shuffle32(HI2).set(s[1]!);
    c.get(u[1]!).get(u[3]!).shuffle32(LO2).set(s[2]!);
    c.get(u[1]!).get(u[3]!).shuffle32(HI2).set(s[3]!);
  };
}

/**
 * `norm(logMelPtr, groups, frames, featuresPtr)`: the per-bin normalisation of the `frames` real
 * frames of fbank's output, as float32 [frame][bin] at featuresPtr (plus junk rows up to a multiple
 * of four). The lanes of real frames in the last group must be set in MASK.
 *
 * One pass per bin sums x and x² in float64 (as the reference's statistics): float32 log-mels and
 * their squares add up exactly enough that a constant bin's mean is exact (it normalises to exact
 * zeros), and var·(n−1) = Σx² − Σx·mean loses < 1e-11 to cancellation, far under the 1e-7 that is
 * added to the variance. The features are ((x − hi) − lo)·(1/std) in float32, mean = hi + lo: x − hi
 * is exact near the mean, so that costs only float32 rounding of the result (~1e-7 relative).
 */
function normKernel(layout: Layout, pool: ConstPool): { code: Code; v128Locals: number } {
  // params 0..3, i32 locals 4..9, f64 locals 10..11, v128 locals 12..
  const OUT = 0, GROUPS = 1, FRAMES = 2, DST = 3;
  const p = 4, q = 5, xEnd = 6, b = 7;
  const sx = 10, mean = 11;
  const v = 12, s1a = 13, s1b = 14, s2a = 15, s2b = 16;
  const c = new Code();
  const nMel = layout.numMel;
  const stride = nMel * V;
  const { stats } = layout;
  const zero = () => c.i32(0).v128Load(pool.offset(f64x2(0)));
  const lanes = (a: number, b: number) => c.get(a).get(b).f64x2Add().tee(v).f64x2ExtractLane(0).get(v).f64x2ExtractLane(1).f64Add();
  c.get(OUT).get(GROUPS).i32(stride).i32Mul().i32Add().set(xEnd);
  // The junk lanes of the last group: 0, so they add nothing to either sum.
  c.get(xEnd).i32(stride).i32Sub().set(p);
  c.loop();
  c.get(p).get(p).v128Load(0).i32(MASK).v128Load(0).v128And().v128Store(0);
  c.get(p).i32(V).i32Add().tee(p).get(xEnd).i32Ne().brIf(0);
  c.end();
  // Per bin (b = its first group's log-mel, q = its STAT record): Σx, Σx² over the groups.
  c.get(OUT).set(b).i32(stats).set(q);
  c.loop();
  for (const l of [s1a, s1b, s2a, s2b]) {
    zero();
    c.set(l);
  }
  c.get(b).set(p);
  c.loop();
  c.get(p).v128Load(0).f64x2PromoteLowF32x4().tee(v).get(s1a).f64x2Add().set(s1a);
  c.get(v).get(v).f64x2Mul().get(s2a).f64x2Add().set(s2a);
  c.get(p).v128Load(0).get(p).v128Load(0).shuffle32([2, 3, 2, 3]).f64x2PromoteLowF32x4().tee(v).get(s1b).f64x2Add().set(s1b);
  c.get(v).get(v).f64x2Mul().get(s2b).f64x2Add().set(s2b);
  c.get(p).i32(stride).i32Add().tee(p).get(xEnd).i32LtU().brIf(0);
  c.end();
  lanes(s1a, s1b);
  c.tee(sx).f64(1).get(FRAMES).f64ConvertI32S().f64Div().f64Mul().set(mean);
  // STAT record: hi, lo (mean = hi + lo), 1/std = 1/sqrt((Σx² − Σx·mean)/(n − 1) + 1e-7), f32 splats
  c.get(q).get(mean).f32DemoteF64().f32x4Splat().v128Store(0);
  c.get(q).get(mean).get(mean).f32DemoteF64().f64PromoteF32().f64Sub().f32DemoteF64().f32x4Splat().v128Store(V);
  c.get(q).f64(1);
  lanes(s2a, s2b);
  c.get(sx).get(mean).f64Mul().f64Sub();
  c.f64(1).get(FRAMES).i32(1).i32Sub().f64ConvertI32S().f64Div().f64Mul().f64(1e-7).f64Add().f64Sqrt().f64Div();
  c.f32DemoteF64().f32x4Splat().v128Store(2 * V);
  c.get(q).i32(STAT).i32Add().set(q);
  c.get(b).i32(V).i32Add().tee(b).get(OUT).i32(stride).i32Add().i32Ne().brIf(0);
  c.end();
  // Features: lane j → row 4·group + j.
  const rowBytes = nMel * 4;
  c.get(OUT).set(p);
  c.loop();
  c.i32(stats).set(q);
  c.loop();
  c.get(p).v128Load(0).get(q).v128Load(0).f32x4Sub().get(q).v128Load(V).f32x4Sub().get(q).v128Load(2 * V).f32x4Mul().set(v);
  for (let j = 0; j < 4; j++) c.get(DST).get(v).v128Store32Lane(j * rowBytes, j);
  c.get(DST).i32(4).i32Add().set(DST);
  c.get(p).i32(V).i32Add().set(p);
  c.get(q).i32(STAT).i32Add().tee(q).i32(stats + nMel * STAT).i32Ne().brIf(0);
  c.end();
  c.get(DST).i32(3 * rowBytes).i32Add().set(DST);
  c.get(p).get(xEnd).i32Ne().brIf(0);
  c.end();
  return { code: c, v128Locals: 5 };
}

type FbankFn = (samplesPtr: number, groups: number, logMelPtr: number, flagsPtr: number) => void;
type NormFn = (logMelPtr: number, groups: number, frames: number, featuresPtr: number) => void;

interface Kernel {
  bytes: Uint8Array<ArrayBuffer>;
  /** the constant pool's values, to be written at CONST */
  consts: Uint8Array[];
}

function kernelFor(layout: Layout): Kernel {
  const pool = new ConstPool(CONST, CONST_SLOTS);
  const fb = fbankKernel(layout, pool);
  const nm = normKernel(layout, pool);
  const bytes = buildModule(
    [
      { name: 'fbank', params: 4, locals: [[6, I32], [fb.v128Locals, V128]], body: fb.code },
      { name: 'norm', params: 4, locals: [[6, I32], [2, F64], [nm.v128Locals, V128]], body: nm.code },
    ],
    Math.ceil(layout.dynamic / 65536) + 1,
  );
  return { bytes, consts: pool.values };
}

const compiled = new Map<string, { module: WebAssembly.Module; consts: Uint8Array[] } | null>();

/**
 * The float32 kernel module's bytes for `numMel` bins. Kept under 4 KiB (loops, not unrolled code)
 * because Chromium refuses synchronous `new WebAssembly.Module` of anything larger on the main thread.
 */
export function wasmKernelBytes(numMel = 80): Uint8Array<ArrayBuffer> {
  return kernelFor(layoutFor(kaldiMelFilterbank(numMel, FFT_SIZE, 16000, 20, 8000))).bytes;
}

/** The compiled kernel for `numMel` bins, or null where WebAssembly SIMD is missing. */
function kernelModule(layout: Layout): { module: WebAssembly.Module; consts: Uint8Array[] } | null {
  return compileOnce(compiled, layout, () => {
    const k = kernelFor(layout);
    return { module: new WebAssembly.Module(k.bytes), consts: k.consts };
  });
}

/** Whether this engine runs the WebAssembly SIMD kernel (all current browsers, Node ≥ 16). */
export function wasmSimdAvailable(): boolean {
  if (typeof WebAssembly !== 'object') return false;
  return kernelModule(layoutFor(kaldiMelFilterbank(80, FFT_SIZE, 16000, 20, 8000))) !== null;
}

/**
 * KaldiFbank's contract (`compute`: log-mels, `features`: normalised) on the SIMD kernels: float32,
 * four frames per instruction, with the groups it flags redone in float64 (wasm-fbank64.ts).
 */
export class WasmKaldiFbank {
  readonly numMelBins: number;
  readonly filterbank: SparseMelFilterbank;
  private readonly layout: Layout;
  private readonly memory: WebAssembly.Memory;
  private readonly fbank: FbankFn;
  private readonly norm: NormFn;
  private readonly consts: Uint8Array[];
  private readonly exact: WasmKaldiFbank64;
  private f32 = new Float32Array(0);
  private i32 = new Int32Array(0);
  private ratio = SAFE_MEL_RATIO;
  /** Frame pairs of the last clip redone in float64, and all its pairs (for tests and benchmarks). */
  lastClip = { pairs: 0, exactPairs: 0 };

  constructor(numMelBins: number, sampleRate = 16000) {
    this.numMelBins = numMelBins;
    this.filterbank = kaldiMelFilterbank(numMelBins, FFT_SIZE, sampleRate, 20, sampleRate / 2);
    if (this.filterbank.length.some((l) => l === 0)) throw new RangeError(`WasmKaldiFbank: a mel filter has no FFT bin (${numMelBins} filters)`);
    if (numMelBins % 4 !== 0) throw new RangeError(`WasmKaldiFbank: ${numMelBins} mel bins is not a multiple of 4`);
    this.layout = layoutFor(this.filterbank);
    const mod = kernelModule(this.layout);
    if (!mod) throw new Error('WebAssembly SIMD is not available');
    const inst = new WebAssembly.Instance(mod.module, {});
    this.memory = inst.exports.memory as WebAssembly.Memory;
    this.fbank = inst.exports.fbank as FbankFn;
    this.norm = inst.exports.norm as NormFn;
    this.consts = mod.consts;
    this.exact = new WasmKaldiFbank64(numMelBins, sampleRate);
    this.writeTables();
  }

  /**
   * The flag threshold (SAFE_MEL_RATIO). 0 runs float32 only, Infinity redoes every group in
   * float64: for tests and measurements.
   */
  get safeMelRatio(): number {
    return this.ratio;
  }
  set safeMelRatio(r: number) {
    this.ratio = r;
    this.views();
    this.f32[RATIO / 4] = r;
  }

  private views(): void {
    if (this.f32.buffer !== this.memory.buffer) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
  }

  private writeTables(): void {
    this.views();
    const f32 = this.f32;
    const win = poveyWindow(FRAME_LENGTH);
    for (let n = 0; n < FRAME_LENGTH; n++) f32.fill(win[n]! * INT16_SCALE, (WIN + n * V) / 4, (WIN + n * V + V) / 4);
    f32[RATIO / 4] = this.ratio;
    // × 1/4: the kernel's power spectrum is 4× the true one (see the real split)
    writeStageTables(this.memory.buffer, F32X4, this.filterbank, MELTAB, this.layout.melWeights, 1 / 4);
    this.consts.forEach((c, i) => new Uint8Array(this.memory.buffer).set(c, CONST + i * V));
  }

  /**
   * Log-mels of a clip with ≥ 1 frame, as f32x4 [group][bin] at `logMel`, with flagged groups redone
   * in float64; `features` is where `norm` may write.
   */
  private logMels(samples: Float32Array, frames: number, name: string): { logMel: number; features: number; groups: number } {
    const nMel = this.numMelBins;
    const groups = Math.ceil(frames / LANES);
    // The junk lanes of the last group read up to here (zeros past the clip).
    const readEnd = Math.max(LANES * FRAME_SHIFT * (groups - 1) + (LANES - 1) * FRAME_SHIFT + FRAME_LENGTH, samples.length);
    const sPtr = this.layout.dynamic;
    const flags = sPtr + Math.ceil((readEnd * 4) / V) * V;
    const logMel = flags + CHUNK * V;
    const features = logMel + groups * nMel * V;
    const need = features + groups * LANES * nMel * 4;
    if (need > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / 65536));
    this.views();
    const f32 = this.f32;
    const i32 = this.i32;
    f32.set(samples, sPtr / 4);
    f32.fill(0, sPtr / 4 + samples.length, sPtr / 4 + readEnd);
    // Chunk by chunk: float32, then its flagged frames in float64, by pairs (the float64 kernel's
    // two lanes; a pair holds half a group, so a frame flagged alone costs half what its group
    // would), runs of flagged pairs at once. A chunk mostly flagged (band-limited or very clean
    // audio) sends the next few straight to float64, so such clips cost about what float64 alone does.
    const pairs = Math.ceil(frames / 2);
    let exactPairs = 0;
    let skip = 0; // chunks to send straight to float64 after a mostly flagged one; doubles while they keep coming
    const redo = (p0: number, p1: number) => {
      const n = Math.min(2 * p1, frames) - 2 * p0;
      this.exact.computeGroups(samples, 2 * p0, n, f32, logMel / 4 + (p0 >> 1) * nMel * LANES, name);
      exactPairs += Math.min(p1, pairs) - p0;
    };
    // Pair p of the chunk: lanes 2(p & 1) and 2(p & 1) + 1 of its group's flags, the second only
    // when it is a frame of the clip (a junk lane past the end may look weak: it is half zeros).
    const flaggedPair = (c0: number, p: number) => (i32[flags / 4 + 2 * p]! | (4 * c0 + 2 * p + 1 < frames ? i32[flags / 4 + 2 * p + 1]! : 0)) !== 0;
    for (let c0 = 0; c0 < groups; ) {
      const c1 = Math.min(groups, c0 + CHUNK);
      this.fbank(sPtr + c0 * LANES * SHIFT_BYTES, c1 - c0, logMel + c0 * nMel * V, flags);
      // Mel energies are ≥ 0 and far below float32 overflow for any sane sample values: a NaN/Inf
      // total means a non-finite sample (which the log floor would otherwise hide).
      const t = this.layout.total / 4;
      if (!(f32[t]! + f32[t + 1]! + f32[t + 2]! + f32[t + 3]! < Infinity)) throw nonFiniteSampleError(name, samples);
      // The junk lanes past the clip's last frame are never redone.
      const chunkPairs = Math.min(2 * (c1 - c0), pairs - 2 * c0);
      let flagged = 0;
      for (let p = 0; p < chunkPairs; p++) {
        if (!flaggedPair(c0, p)) continue;
        let e = p + 1;
        while (e < chunkPairs && flaggedPair(c0, e)) e++;
        redo(2 * c0 + p, 2 * c0 + e);
        flagged += e - p;
        p = e;
      }
      if (2 * flagged > chunkPairs) {
        skip = Math.min(MAX_SKIP, skip === 0 ? FIRST_SKIP : 2 * skip);
        c0 = Math.min(groups, c1 + skip * CHUNK);
        if (c0 > c1) redo(2 * c1, 2 * c0);
      } else {
        skip = 0;
        c0 = c1;
      }
    }
    this.lastClip = { pairs, exactPairs };
    return { logMel, features, groups };
  }

  /** Log-mel frames, as KaldiFbank.compute. */
  compute(samples: Float32Array, out: Float32Array, outOffset = 0, name = 'clip'): number {
    const frames = kaldiFrameCount(samples.length);
    const nMel = this.numMelBins;
    if (out.length < outOffset + frames * nMel) throw new RangeError(`fbank output needs ${frames * nMel} values from offset ${outOffset}`);
    if (frames === 0) return 0;
    const { logMel } = this.logMels(samples, frames, name);
    const f32 = this.f32;
    for (let f = 0; f < frames; f++) {
      const src = logMel / 4 + (f >> 2) * nMel * LANES + (f & 3);
      const dst = outOffset + f * nMel;
      for (let m = 0; m < nMel; m++) out[dst + m] = f32[src + LANES * m]!;
    }
    return frames;
  }

  /** Per-bin normalised log-mel frames, as KaldiFbank.features (needs ≥ 2 frames). */
  features(samples: Float32Array, out: Float32Array, outOffset = 0, name = 'clip'): number {
    const frames = kaldiFrameCount(samples.length);
    const n = frames * this.numMelBins;
    if (frames < 2) throw new RangeError(`normalisation needs ≥ 2 frames, got ${frames}`);
    if (out.length < outOffset + n) throw new RangeError(`fbank output needs ${n} values from offset ${outOffset}`);
    const { logMel, features, groups } = this.logMels(samples, frames, name);
    const real = frames - LANES * (groups - 1);
    for (let l = 0; l < LANES; l++) this.i32[MASK / 4 + l] = l < real ? -1 : 0;
    this.norm(logMel, groups, frames, features);
    out.set(this.f32.subarray(features / 4, features / 4 + n), outOffset);
    return frames;
  }
}
