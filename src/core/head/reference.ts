// Plain TypeScript forward and backward pass of the head: the reference every
// engine is checked against (gradient check in float64, parity in float32) and
// the fallback engine where onnxruntime is unavailable. Written for clarity
// and cache-friendly loop order, not peak speed: the fast path is the ONNX
// graph (see onnx-graph.ts).
import { activate, activateGrad } from './activation.ts';
import type { HeadSpec, HeadTensors } from './types.ts';

type Vec = Float32Array | Float64Array;

export interface ForwardResult<T extends Vec> {
  /** Pre-activation hidden values [B, H]. */
  z1: T;
  /** Hidden values after activation and dropout [B, H] (what the classifier sees). */
  d: T;
  /** [B, L] */
  logits: T;
}

function alloc<T extends Vec>(like: T, n: number): T {
  return (like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n)) as T;
}

/** `mask` (optional, [B, H]): dropout mask already scaled by 1/(1−p), or undefined for no dropout. */
export function headForward<T extends Vec>(spec: HeadSpec, p: HeadTensors<T>, x: ArrayLike<number>, batch: number, mask?: ArrayLike<number>): ForwardResult<T> {
  const D = spec.inputDim;
  const H = spec.hiddenSize;
  const L = spec.numLabels;
  const z1 = alloc(p.w1, batch * H);
  const d = alloc(p.w1, batch * H);
  const logits = alloc(p.w1, batch * L);
  const { w1, b1, w2, b2 } = p;
  for (let b = 0; b < batch; b++) {
    const xo = b * D;
    for (let h = 0; h < H; h++) {
      const wo = h * D;
      let s = 0;
      for (let k = 0; k < D; k++) s += x[xo + k] * w1[wo + k];
      const z = s + b1[h];
      z1[b * H + h] = z;
      const a = activate(spec.activation, z1[b * H + h]);
      d[b * H + h] = mask ? a * mask[b * H + h] : a;
    }
    for (let c = 0; c < L; c++) {
      const wo = c * H;
      let s = 0;
      for (let h = 0; h < H; h++) s += d[b * H + h] * w2[wo + h];
      logits[b * L + c] = s + b2[c];
    }
  }
  return { z1, d, logits };
}

/** Row-wise log-softmax, computed stably in float64. */
export function logSoftmaxRow(logits: ArrayLike<number>, offset: number, L: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < L; c++) max = Math.max(max, logits[offset + c]);
  let sum = 0;
  for (let c = 0; c < L; c++) sum += Math.exp(logits[offset + c] - max);
  const lse = max + Math.log(sum);
  for (let c = 0; c < L; c++) out[c] = logits[offset + c] - lse;
}

/** Weighted-mean cross entropy −Σ yw ⊙ log_softmax / Σ yw (see loss-weights.ts). */
export function weightedCrossEntropy(logits: ArrayLike<number>, yw: ArrayLike<number>, batch: number, L: number): number {
  const ls = new Float64Array(L);
  let num = 0;
  let den = 0;
  for (let b = 0; b < batch; b++) {
    logSoftmaxRow(logits, b * L, L, ls);
    for (let c = 0; c < L; c++) {
      num -= yw[b * L + c] * ls[c];
      den += yw[b * L + c];
    }
  }
  return den > 0 ? num / den : 0;
}

export interface LossAndGrads<T extends Vec> {
  loss: number;
  grads: HeadTensors<T>;
  logits: T;
}

/** Loss and gradients of every parameter tensor for one batch. */
export function headLossAndGrads<T extends Vec>(
  spec: HeadSpec,
  p: HeadTensors<T>,
  x: ArrayLike<number>,
  yw: ArrayLike<number>,
  batch: number,
  mask?: ArrayLike<number>,
): LossAndGrads<T> {
  const D = spec.inputDim;
  const H = spec.hiddenSize;
  const L = spec.numLabels;
  const { z1, d, logits } = headForward(spec, p, x, batch, mask);
  const loss = weightedCrossEntropy(logits, yw, batch, L);
  let sw = 0;
  for (let i = 0; i < batch * L; i++) sw += yw[i];
  const inv = sw > 0 ? 1 / sw : 0;
  // dLoss/dlogits = (softmax · Σ_c yw − yw) / Σ yw
  const g = alloc(p.w1, batch * L);
  const ls = new Float64Array(L);
  for (let b = 0; b < batch; b++) {
    logSoftmaxRow(logits, b * L, L, ls);
    let rw = 0;
    for (let c = 0; c < L; c++) rw += yw[b * L + c];
    for (let c = 0; c < L; c++) g[b * L + c] = (Math.exp(ls[c]) * rw - yw[b * L + c]) * inv;
  }
  const grads: HeadTensors<T> = { w1: alloc(p.w1, H * D), b1: alloc(p.w1, H), w2: alloc(p.w1, L * H), b2: alloc(p.w1, L) };
  const dz = alloc(p.w1, batch * H);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < L; c++) {
      const gc = g[b * L + c];
      grads.b2[c] += gc;
      const wo = c * H;
      for (let h = 0; h < H; h++) {
        grads.w2[wo + h] += gc * d[b * H + h];
        dz[b * H + h] += gc * p.w2[wo + h];
      }
    }
    for (let h = 0; h < H; h++) {
      const i = b * H + h;
      let v = dz[i];
      if (mask) v *= mask[i];
      dz[i] = v * activateGrad(spec.activation, z1[i]);
    }
  }
  for (let h = 0; h < H; h++) {
    const wo = h * D;
    for (let b = 0; b < batch; b++) {
      const gz = dz[b * H + h];
      if (gz === 0) continue;
      grads.b1[h] += gz;
      const xo = b * D;
      for (let k = 0; k < D; k++) grads.w1[wo + k] += gz * x[xo + k];
    }
  }
  return { loss, grads, logits };
}

/** Softmax probabilities from logits [B, L]. */
export function softmax(logits: ArrayLike<number>, batch: number, L: number): Float32Array {
  const out = new Float32Array(batch * L);
  const ls = new Float64Array(L);
  for (let b = 0; b < batch; b++) {
    logSoftmaxRow(logits, b * L, L, ls);
    for (let c = 0; c < L; c++) out[b * L + c] = Math.exp(ls[c]);
  }
  return out;
}
