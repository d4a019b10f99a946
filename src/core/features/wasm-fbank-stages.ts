// The stages the two SIMD fbank kernels share, emitted once: the memory layout up to the FFT tables,
// the 256-point complex radix-4 FFT, the real split to the power spectrum and the mel filterbank loop.
// wasm-fbank.ts runs them on f32x4 (four frames per instruction), wasm-fbank64.ts on f64x2 (two);
// what differs between the two is in `Lanes`: the arithmetic, and how a table entry (twiddle, split
// cos/sin, mel weight) becomes a vector.
import { FFT_SIZE, FRAME_LENGTH } from './fbank.ts';
import type { SparseMelFilterbank } from './kaldi-mel.ts';
import type { Code } from '../wasm/emit.ts';

export const HALF = FFT_SIZE / 2; // complex FFT size (256 = 4^4)
export const V = 16; // bytes per v128

// Fixed memory layout (bytes), the same in both kernels. Y first so the float64 kernel's pass 2 can
// walk down to address −16.
export const Y = 0; // 512 frame-group samples (entries 400…511 stay zero: the FFT's zero padding)
export const WIN = Y + FFT_SIZE * V; // 400 window values, splatted
export const RE = WIN + FRAME_LENGTH * V; // 256 complex values, real parts
export const IM = RE + HALF * V; // imaginary parts
export const IMOFF = IM - RE;
export const POW = IM + HALF * V; // 257 power values
export const FIRST = POW + (HALF + 1) * V; // 64 × i32: byte offset in Y of each first-stage group's input
export const TW = FIRST + (HALF / 4) * 4; // twiddles of the radix-4 stages with spans 4, 16, 64
export const SPANS = [4, 16, 64];

/** Where the real split's cos/sin table starts, after the twiddles (`entry` bytes per value). */
const splitTableAt = (entry: number): number => TW + SPANS.reduce((a, s) => a + s * 6 * entry, 0);
/** The end of the shared tables (after the real split's cos/sin, k = 1…128) for lane type `L`. */
export const stageTablesEnd = (L: Lanes): number => splitTableAt(L.entry) + (HALF / 2) * 2 * L.entry;

/** The lane type of a kernel. */
export interface Lanes {
  add(c: Code): void;
  sub(c: Code): void;
  mul(c: Code): void;
  /** Bytes per table entry (twiddle, cos/sin, mel weight). */
  entry: number;
  /** Emits: address → the table entry at address + offset, as a vector. */
  load(offset: number): (c: Code) => void;
  /**
   * Whether a twiddle is loaded once into a local rather than at each of its two uses: a float32
   * entry is a load-splat (a shuffle each time), a float64 entry a plain v128 load.
   */
  twiddleLocals: boolean;
  /** A writer of table entries into `memory` in this format (`byte`: the entry's address). */
  writer(memory: ArrayBuffer): (byte: number, value: number) => void;
}

/** Float32 kernel: one f32 per table entry (a quarter of the table bytes), splatted as it is loaded. */
export const F32X4: Lanes = {
  add: (c) => c.f32x4Add(),
  sub: (c) => c.f32x4Sub(),
  mul: (c) => c.f32x4Mul(),
  entry: 4,
  load: (offset) => (c) => c.v128Load32Splat(offset),
  twiddleLocals: true,
  writer: (memory) => {
    const f32 = new Float32Array(memory);
    return (byte, value) => {
      f32[byte / 4] = value;
    };
  },
};

/** Float64 kernel: table entries are stored splatted, f64x2. */
export const F64X2: Lanes = {
  add: (c) => c.f64x2Add(),
  sub: (c) => c.f64x2Sub(),
  mul: (c) => c.f64x2Mul(),
  entry: V,
  load: (offset) => (c) => c.v128Load(offset),
  twiddleLocals: false,
  writer: (memory) => {
    const f64 = new Float64Array(memory);
    return (byte, value) => {
      f64[byte / 8] = value;
      f64[byte / 8 + 1] = value;
    };
  },
};

/** The locals the shared stages use (i32: p, q, t, e, b, w; v128: the rest). */
export interface StageLocals {
  p: number;
  q: number;
  t: number;
  e: number;
  b: number;
  w: number;
  v: number;
  /** 8 v128: a0r a0i a1r a1i a2r a2i a3r a3i */
  a: number[];
  /** 8 v128: t0r t0i t1r t1i t2r t2i t3r t3i */
  tt: number[];
}

/**
 * Writes the tables the shared stages read: the first stage's input offsets, the twiddles, the real
 * split's cos/sin and the mel filter table at `melTab` with its weights (× `weightScale`) at
 * `melWeights`.
 */
export function writeStageTables(memory: ArrayBuffer, L: Lanes, fb: SparseMelFilterbank, melTab: number, melWeights: number, weightScale: number): void {
  const i32 = new Int32Array(memory);
  const put = L.writer(memory);
  for (let g = 0; g < HALF / 4; g++) {
    // base-4 digit reversal of g over 3 digits
    let r = 0;
    for (let d = 0, x = g; d < 3; d++, x >>= 2) r = r * 4 + (x & 3);
    i32[FIRST / 4 + g] = Y + 2 * r * V;
  }
  let tw = TW;
  for (const span of SPANS) {
    for (let j = 0; j < span; j++) {
      for (let m = 1; m <= 3; m++) {
        const ang = (-2 * Math.PI * m * j) / (4 * span);
        put(tw, Math.cos(ang));
        put(tw + L.entry, Math.sin(ang));
        tw += 2 * L.entry;
      }
    }
  }
  const split = splitTableAt(L.entry);
  for (let k = 1; k <= HALF / 2; k++) {
    put(split + (k - 1) * 2 * L.entry, Math.cos((-2 * Math.PI * k) / FFT_SIZE));
    put(split + (k - 1) * 2 * L.entry + L.entry, Math.sin((-2 * Math.PI * k) / FFT_SIZE));
  }
  for (let m = 0; m < fb.numFilters; m++) {
    const wStart = melWeights + fb.offset[m]! * L.entry;
    i32[(melTab + m * 12) / 4] = POW + fb.start[m]! * V;
    i32[(melTab + m * 12) / 4 + 1] = wStart;
    i32[(melTab + m * 12) / 4 + 2] = wStart + fb.length[m]! * L.entry;
  }
  for (let i = 0; i < fb.weights.length; i++) put(melWeights + i * L.entry, fb.weights[i]! * weightScale);
}

type Eight = [number, number, number, number, number, number, number, number];

/** The shared stages' emitters for one kernel's function body `c`, on its lane type and locals. */
export function stages(c: Code, L: Lanes, r: StageLocals) {
  const { p, q, t, e, b, w, v } = r;
  const a = r.a as Eight;
  const tt = r.tt as Eight;

  // [loads the butterfly's inputs into a[], then]: t0 = a0 + a2, t1 = a0 − a2, t2 = a1 + a3, t3 = a1 − a3
  const radix4 = (storeAddr: number, offs: [number, number, number, number], imOff: number) => {
    const [a0r, a0i, a1r, a1i, a2r, a2i, a3r, a3i] = a;
    const [t0r, t0i, t1r, t1i, t2r, t2i, t3r, t3i] = tt;
    c.get(a0r).get(a2r).op(L.add).set(t0r);
    c.get(a0i).get(a2i).op(L.add).set(t0i);
    c.get(a0r).get(a2r).op(L.sub).set(t1r);
    c.get(a0i).get(a2i).op(L.sub).set(t1i);
    c.get(a1r).get(a3r).op(L.add).set(t2r);
    c.get(a1i).get(a3i).op(L.add).set(t2i);
    c.get(a1r).get(a3r).op(L.sub).set(t3r);
    c.get(a1i).get(a3i).op(L.sub).set(t3i);
    const [o0, o1, o2, o3] = offs;
    c.get(storeAddr).get(t0r).get(t2r).op(L.add).v128Store(o0);
    c.get(storeAddr).get(t0i).get(t2i).op(L.add).v128Store(o0 + imOff);
    c.get(storeAddr).get(t0r).get(t2r).op(L.sub).v128Store(o2);
    c.get(storeAddr).get(t0i).get(t2i).op(L.sub).v128Store(o2 + imOff);
    // X1 = t1 − i·t3, X3 = t1 + i·t3
    c.get(storeAddr).get(t1r).get(t3i).op(L.add).v128Store(o1);
    c.get(storeAddr).get(t1i).get(t3r).op(L.sub).v128Store(o1 + imOff);
    c.get(storeAddr).get(t1r).get(t3i).op(L.sub).v128Store(o3);
    c.get(storeAddr).get(t1i).get(t3r).op(L.add).v128Store(o3 + imOff);
  };

  return {
    /** The 256-point complex FFT of Y (packed real frame) into RE/IM. */
    fft(): void {
      // Stage 1 (span 1, no twiddles): group g reads z[r + 64m] = Y[2r + 128m] + i·Y[2r + 128m + 1].
      c.i32(FIRST).set(t).i32(RE).set(p);
      c.loop();
      c.get(t).i32Load(0).set(b);
      for (let m = 0; m < 4; m++) {
        c.get(b).v128Load(m * 128 * V).set(a[2 * m]!);
        c.get(b).v128Load(m * 128 * V + V).set(a[2 * m + 1]!);
      }
      radix4(p, [0, V, 2 * V, 3 * V], IMOFF);
      c.get(p).i32(4 * V).i32Add().set(p);
      c.get(t).i32(4).i32Add().tee(t).i32(FIRST + (HALF / 4) * 4).i32Ne().brIf(0);
      c.end();

      // Radix-4 stages with twiddles.
      let twBase = TW;
      for (const span of SPANS) {
        const SB = span * V;
        c.i32(RE).set(p);
        c.loop(); // groups
        c.i32(twBase).set(t).get(p).i32(SB).i32Add().set(e);
        c.loop(); // j within group
        for (let m = 0; m < 4; m++) {
          c.get(p).v128Load(m * SB).set(a[2 * m]!);
          c.get(p).v128Load(m * SB + IMOFF).set(a[2 * m + 1]!);
        }
        for (let m = 1; m < 4; m++) {
          // (br + i·bi)·(wr + i·wi)
          const br = a[2 * m]!, bi = a[2 * m + 1]!;
          const wrAt = (m - 1) * 2 * L.entry, wiAt = wrAt + L.entry;
          let wr = (): Code => c.get(t).op(L.load(wrAt));
          let wi = (): Code => c.get(t).op(L.load(wiAt));
          if (L.twiddleLocals) {
            wr().set(tt[0]);
            wi().set(tt[1]);
            wr = () => c.get(tt[0]);
            wi = () => c.get(tt[1]);
          }
          c.get(br);
          wr().op(L.mul).get(bi);
          wi().op(L.mul).op(L.sub);
          c.get(br);
          wi().op(L.mul).get(bi);
          wr().op(L.mul).op(L.add).set(bi);
          c.set(br);
        }
        radix4(p, [0, SB, 2 * SB, 3 * SB], IMOFF);
        c.get(t).i32(6 * L.entry).i32Add().set(t);
        c.get(p).i32(V).i32Add().tee(p).get(e).i32Ne().brIf(0);
        c.end();
        c.get(p).i32(3 * SB).i32Add().tee(p).i32(RE + HALF * V).i32Ne().brIf(0);
        c.end();
        twBase += span * 6 * L.entry;
      }
    },

    /**
     * The real split of bins k = 1…128 (and 256 − k) to power at POW: E = (Z[k] + conj Z[256−k])·`half`,
     * O likewise, |E ± W·O|². `half` emits the ×½ (the float32 kernel leaves it out: its mel weights
     * carry the ¼). p = &Z[k], q = &Z[256−k], t = &(cos, sin)[k].
     */
    realSplit(half: (c: Code) => void): void {
      const [zkr, zki, zmr, zmi, er, ei, or, oi] = a;
      const [cs, sn, wr, wi] = tt;
      c.i32(RE + V).set(p).i32(RE + (HALF - 1) * V).set(q).i32(splitTableAt(L.entry)).set(t);
      c.loop();
      c.get(p).v128Load(0).set(zkr).get(p).v128Load(IMOFF).set(zki);
      c.get(q).v128Load(0).set(zmr).get(q).v128Load(IMOFF).set(zmi);
      c.get(t).op(L.load(0)).set(cs).get(t).op(L.load(L.entry)).set(sn);
      c.get(zkr).get(zmr).op(L.add).op(half).set(er);
      c.get(zki).get(zmi).op(L.sub).op(half).set(ei);
      c.get(zki).get(zmi).op(L.add).op(half).set(or);
      c.get(zmr).get(zkr).op(L.sub).op(half).set(oi);
      c.get(or).get(cs).op(L.mul).get(oi).get(sn).op(L.mul).op(L.sub).set(wr);
      c.get(or).get(sn).op(L.mul).get(oi).get(cs).op(L.mul).op(L.add).set(wi);
      // |E + WO|² at k, |E − WO|² at 256 − k
      c.get(p);
      c.get(er).get(wr).op(L.add).tee(v).get(v).op(L.mul);
      c.get(ei).get(wi).op(L.add).tee(v).get(v).op(L.mul).op(L.add).v128Store(POW - RE);
      c.get(q);
      c.get(er).get(wr).op(L.sub).tee(v).get(v).op(L.mul);
      c.get(ei).get(wi).op(L.sub).tee(v).get(v).op(L.mul).op(L.add).v128Store(POW - RE);
      c.get(t).i32(2 * L.entry).i32Add().set(t);
      c.get(q).i32(V).i32Sub().set(q);
      c.get(p).i32(V).i32Add().tee(p).i32(RE + (HALF / 2 + 1) * V).i32Ne().brIf(0);
      c.end();
    },

    /**
     * For each filter of the table at `melTab` (power ptr, weight ptr, weight end: i32), `acc` = Σ
     * weight·power over its bins (every filter has ≥ 1 bin), then `perFilter` (which leaves the
     * log-mel in `acc`), stored at `out`, which steps on.
     */
    melFilterbank(melTab: number, melTabEnd: number, out: number, acc: number, zero: () => void, perFilter: () => void): void {
      c.i32(melTab).set(t);
      c.loop();
      c.get(t).i32Load(0).set(p).get(t).i32Load(4).set(w).get(t).i32Load(8).set(e);
      zero();
      c.set(acc);
      c.loop();
      c.get(w).op(L.load(0)).get(p).v128Load(0).op(L.mul).get(acc).op(L.add).set(acc);
      c.get(p).i32(V).i32Add().set(p);
      c.get(w).i32(L.entry).i32Add().tee(w).get(e).i32Ne().brIf(0);
      c.end();
      perFilter();
      c.get(out).get(acc).v128Store(0);
      c.get(out).i32(V).i32Add().set(out);
      c.get(t).i32(12).i32Add().tee(t).i32(melTabEnd).i32Ne().brIf(0);
      c.end();
    },
  };
}
